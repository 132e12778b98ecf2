import { useEffect, useState } from 'react';

import { api, FINAL_STATUSES, Job, typeLabel, withQuery } from '../api';
import { Link } from '../components/Link';
import { Empty, ErrorBox, formatTime, Loading, ProgressBar, StatusBadge } from '../components/States';

const PAGE_SIZE = 25;
const REFRESH_MS = 3000;

export function JobsPage() {
  const [status, setStatus] = useState('');
  const [offset, setOffset] = useState(0);
  const [jobs, setJobs] = useState<Job[] | null>(null);
  const [total, setTotal] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    const ctl = new AbortController();
    api<{ jobs: Job[]; total: number }>(
      'GET', withQuery('/api/batch-analysis/jobs', { status, limit: PAGE_SIZE, offset }),
      undefined, ctl.signal)
      .then((r) => {
        setJobs(r.jobs);
        setTotal(r.total);
        setError(null);
      })
      .catch((e) => {
        if ((e as Error).name !== 'AbortError') setError(e);
      });
    return () => ctl.abort();
  }, [status, offset, tick]);

  // The list refreshes while something runs; a job's own page streams its events.
  const active = jobs?.some((j) => !FINAL_STATUSES.includes(j.status) && !j.is_scheduled);
  useEffect(() => {
    if (!active) return;
    const t = setTimeout(() => setTick((n) => n + 1), REFRESH_MS);
    return () => clearTimeout(t);
  }, [active, jobs]);

  return (
    <main>
      <h1>Jobs</h1>
      <div className="filters">
        <label>
          Status
          <select value={status} onChange={(e) => { setStatus(e.target.value); setOffset(0); }}>
            <option value="">Any</option>
            {['pending', 'scheduled', 'running', 'completed', 'failed', 'cancelled'].map((s) => (
              <option key={s} value={s}>{s}</option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => setTick((n) => n + 1)}>Refresh</button>
      </div>
      {error ? (
        <ErrorBox error={error} retry={() => setTick((n) => n + 1)} />
      ) : jobs === null ? (
        <Loading what="jobs" />
      ) : jobs.length === 0 ? (
        <Empty>No jobs yet. Select leads and start an analysis from the Leads page.</Empty>
      ) : (
        <>
          <table className="grid">
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Type</th>
                <th scope="col">Status</th>
                <th scope="col">Progress</th>
                <th scope="col">Successful</th>
                <th scope="col">Failed</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {jobs.map((j) => (
                <tr key={j.id}>
                  <td>
                    <Link href={`/jobs/${j.id}`}>{j.job_name}</Link>
                    {j.is_scheduled && <span className="tag">scheduled</span>}
                  </td>
                  <td>{typeLabel(j.job_type)}</td>
                  <td><StatusBadge status={j.status} /></td>
                  <td>
                    <ProgressBar value={j.progress} max={j.total_leads}
                                 label={`Progress of ${j.job_name}`} />
                  </td>
                  <td>{j.successful_count}</td>
                  <td>{j.failed_count}</td>
                  <td>{formatTime(j.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <nav className="pager" aria-label="Pages">
            <button type="button" disabled={offset === 0}
                    onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}>
              Previous page
            </button>
            <span>
              {offset + 1}–{Math.min(total, offset + PAGE_SIZE)} of {total}
            </span>
            <button type="button" disabled={offset + PAGE_SIZE >= total}
                    onClick={() => setOffset(offset + PAGE_SIZE)}>
              Next page
            </button>
          </nav>
        </>
      )}
    </main>
  );
}
