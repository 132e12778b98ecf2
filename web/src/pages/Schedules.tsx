import { FormEvent, useEffect, useMemo, useState } from 'react';

import { allLeadIds, ANALYSIS_TYPES, api, ApiError, Job, RenderMode, typeLabel } from '../api';
import { useSelection } from '../App';
import { CronField } from '../components/CronField';
import { Link } from '../components/Link';
import { RenderChoice } from '../components/RenderChoice';
import { Empty, ErrorBox, formatTime, Loading } from '../components/States';
import { initialScheduleZone, zoneList } from '../timezone';

// Create (job === null) or edit a scheduled job.
function ScheduleForm({ job, onDone, onCancel }: {
  job: Job | null;
  onDone: (message: string) => void;
  onCancel: () => void;
}) {
  const { ids: selected } = useSelection();
  const [name, setName] = useState(job?.job_name ?? '');
  const [type, setType] = useState(job?.job_type ?? 'full_analysis');
  const [render, setRender] = useState<RenderMode>('auto');
  const [scope, setScope] = useState<'selected' | 'all'>(selected.size > 0 ? 'selected' : 'all');
  const [cron, setCron] = useState(job?.schedule_cron ?? '0 6 * * MON');
  const [zone, setZone] = useState(() => initialScheduleZone(job?.timezone));
  const [enabled, setEnabled] = useState(job?.enabled ?? true);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const zones = useMemo(zoneList, []);
  const prefix = job ? `edit-${job.id}` : 'new';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      if (job) {
        await api('PATCH', `/api/batch-analysis/jobs/${job.id}`, {
          job_name: name.trim() || job.job_name,
          schedule_cron: cron.trim(),
          timezone: zone.trim(),
          enabled,
        });
        onDone(`Saved “${name.trim() || job.job_name}”.`);
      } else {
        const lead_ids = scope === 'selected' ? [...selected] : await allLeadIds({});
        if (lead_ids.length === 0) {
          throw new ApiError(400, 'empty_lead_ids',
                             scope === 'selected' ? 'Select leads on the Leads page first.'
                                                  : 'There are no leads yet.');
        }
        await api('POST', '/api/batch-analysis/jobs', {
          job_name: name.trim() || undefined,
          job_type: type,
          lead_ids,
          is_scheduled: true,
          schedule_cron: cron.trim(),
          timezone: zone.trim(),
          enabled,
          analysis_config: { render },
        });
        onDone('Scheduled job created.');
      }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="schedule-form" onSubmit={submit}
          aria-label={job ? `Edit ${job.job_name}` : 'New scheduled job'}>
      <h2>{job ? `Edit “${job.job_name}”` : 'New scheduled job'}</h2>
      <label htmlFor={`${prefix}-name`}>Name</label>
      <input id={`${prefix}-name`} value={name} onChange={(e) => setName(e.target.value)}
             placeholder="e.g. Weekly full analysis" />
      {job ? (
        <p className="hint">{typeLabel(job.job_type)} of {job.total_leads} leads (fixed when the job
          was created).</p>
      ) : (
        <>
          <label htmlFor={`${prefix}-type`}>Job type</label>
          <select id={`${prefix}-type`} value={type} onChange={(e) => setType(e.target.value)}>
            {ANALYSIS_TYPES.map((t) => <option key={t.type} value={t.type}>{t.label}</option>)}
          </select>
          <RenderChoice id={`${prefix}-render`} value={render} onChange={setRender} />
          <fieldset>
            <legend>Leads</legend>
            <label>
              <input type="radio" name={`${prefix}-scope`} checked={scope === 'selected'}
                     onChange={() => setScope('selected')} disabled={selected.size === 0} />
              The {selected.size} selected leads
            </label>
            <label>
              <input type="radio" name={`${prefix}-scope`} checked={scope === 'all'}
                     onChange={() => setScope('all')} />
              All leads
            </label>
          </fieldset>
        </>
      )}
      <label htmlFor={`${prefix}-zone`}>Time zone</label>
      <input id={`${prefix}-zone`} list="zones" value={zone}
             onChange={(e) => setZone(e.target.value)} autoComplete="off" />
      <datalist id="zones">
        {zones.map((z) => <option key={z} value={z} />)}
      </datalist>
      <CronField id={`${prefix}-cron`} value={cron} onChange={setCron} timezone={zone.trim()} />
      <label className="inline">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
        Enabled
      </label>
      <ErrorBox error={error} />
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {job ? 'Save schedule' : 'Create schedule'}
        </button>
        <button type="button" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}

export function SchedulesPage() {
  const [jobs, setJobs] = useState<Job[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [message, setMessage] = useState('');
  const [editing, setEditing] = useState<Job | 'new' | null>(null);
  const [confirmDelete, setConfirmDelete] = useState<string | null>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    api<{ jobs: Job[] }>('GET', '/api/batch-analysis/jobs?is_scheduled=true&limit=200')
      .then((r) => {
        setJobs(r.jobs);
        setError(null);
      }, setError);
  }, [tick]);

  const act = async (what: () => Promise<unknown>, done: string) => {
    setActionError(null);
    setMessage('');
    try {
      await what();
      setMessage(done);
      setTick((n) => n + 1);
    } catch (e) {
      setActionError(e);
    }
  };

  return (
    <main>
      <h1>Scheduled jobs</h1>
      {editing === null && (
        <button type="button" className="primary" onClick={() => setEditing('new')}>
          New scheduled job
        </button>
      )}
      {editing !== null && (
        <ScheduleForm
          key={editing === 'new' ? 'new' : editing.id}
          job={editing === 'new' ? null : editing}
          onDone={(m) => {
            setEditing(null);
            setMessage(m);
            setTick((n) => n + 1);
          }}
          onCancel={() => setEditing(null)}
        />
      )}
      {message && <p role="status" className="state ok">{message}</p>}
      <ErrorBox error={actionError} />
      {error ? (
        <ErrorBox error={error} retry={() => setTick((n) => n + 1)} />
      ) : jobs === null ? (
        <Loading what="scheduled jobs" />
      ) : jobs.length === 0 ? (
        <Empty>No scheduled jobs yet.</Empty>
      ) : (
        <table className="grid">
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Type</th>
              <th scope="col">Cron</th>
              <th scope="col">Zone</th>
              <th scope="col">Next run</th>
              <th scope="col">Last run</th>
              <th scope="col">Enabled</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {jobs.map((j) => (
              <tr key={j.id}>
                <td><Link href={`/jobs/${j.id}`}>{j.job_name}</Link></td>
                <td>{typeLabel(j.job_type)}</td>
                <td><code>{j.schedule_cron}</code></td>
                <td>{j.timezone}</td>
                <td>{j.enabled ? formatTime(j.next_run_at, j.timezone) : 'disabled'}</td>
                <td>{formatTime(j.last_run_at, j.timezone)}</td>
                <td>
                  <input type="checkbox" checked={j.enabled} aria-label={`Enabled: ${j.job_name}`}
                         onChange={(e) => act(
                           () => api('PATCH', `/api/batch-analysis/jobs/${j.id}`,
                                     { enabled: e.target.checked }),
                           `${e.target.checked ? 'Enabled' : 'Disabled'} “${j.job_name}”.`)} />
                </td>
                <td className="row-actions">
                  <button type="button" aria-label={`Run ${j.job_name} now`}
                          onClick={() => act(
                            () => api('POST', `/api/batch-analysis/jobs/${j.id}/trigger`),
                            `Started “${j.job_name}”.`)}>
                    Run now
                  </button>
                  <button type="button" aria-label={`Edit ${j.job_name}`}
                          onClick={() => setEditing(j)}>
                    Edit
                  </button>
                  {confirmDelete === j.id ? (
                    <>
                      <button type="button" className="danger"
                              aria-label={`Confirm delete ${j.job_name}`}
                              onClick={() => {
                                setConfirmDelete(null);
                                void act(() => api('DELETE', `/api/batch-analysis/jobs/${j.id}`),
                                         `Deleted “${j.job_name}”.`);
                              }}>
                        Confirm delete
                      </button>
                      <button type="button" onClick={() => setConfirmDelete(null)}>
                        Keep
                      </button>
                    </>
                  ) : (
                    <button type="button" aria-label={`Delete ${j.job_name}`}
                            onClick={() => setConfirmDelete(j.id)}>
                      Delete
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
