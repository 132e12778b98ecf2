import { useCallback, useEffect, useRef, useState } from 'react';

import {
  api,
  ApiError,
  download,
  FINAL_STATUSES,
  Item,
  JobDetail,
  Run,
  SseEvent,
  streamEvents,
  typeLabel,
} from '../api';
import { Link } from '../components/Link';
import { Empty, ErrorBox, formatTime, Loading, ProgressBar, StatusBadge } from '../components/States';

const POLL_MS = 2000;
const REFETCH_DELAY_MS = 400;
const RECONNECT_MS = 500;
// GET job returns at most this many items by default (items_limit).
const PAGE_ROWS = 1000;
const MAX_STREAM_FAILURES = 3;

interface Counters {
  status?: JobDetail['status'];
  successful_count?: number;
  failed_count?: number;
  total_leads?: number;
  progress?: number;
  error_message?: string;
}

interface ItemEvent {
  item_id: string;
  lead_id: string;
  status: Item['status'];
  duration_seconds?: number;
  error_code?: string;
  error_message?: string;
  retry_count?: number;
}

export function JobDetailPage({ id }: { id: string }) {
  const [job, setJob] = useState<JobDetail | null>(null);
  const [runs, setRuns] = useState<Run[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [live, setLive] = useState<'connecting' | 'live' | 'polling' | 'off'>('off');
  const [message, setMessage] = useState('');
  const refetchTimer = useRef<number | undefined>(undefined);
  const itemIds = useRef(new Set<string>());
  const path = `/api/batch-analysis/jobs/${encodeURIComponent(id)}`;

  // Loads may overlap (a refetch while an earlier one is slow): only the newest may set the
  // job, or an older answer would undo what later events and loads showed.
  const loadSeq = useRef(0);
  const load = useCallback(async (): Promise<JobDetail | null> => {
    const seq = ++loadSeq.current;
    try {
      const r = await api<{ job: JobDetail }>('GET', path);
      if (seq !== loadSeq.current) return r.job;
      itemIds.current = new Set(r.job.items.map((it) => it.id));
      setJob(r.job);
      setError(null);
      if (r.job.is_scheduled) {
        const rr = await api<{ runs: Run[] }>('GET', `${path}/runs?limit=10`);
        setRuns(rr.runs);
      }
      return r.job;
    } catch (e) {
      setError(e);
      return null;
    }
  }, [path]);

  const refetchSoon = useCallback(() => {
    if (refetchTimer.current !== undefined) return;
    refetchTimer.current = window.setTimeout(() => {
      refetchTimer.current = undefined;
      void load();
    }, REFETCH_DELAY_MS);
  }, [load]);

  useEffect(() => {
    setJob(null);
    void load();
    return () => window.clearTimeout(refetchTimer.current);
  }, [load]);

  const finished = job ? FINAL_STATUSES.includes(job.status) : true;

  // Live updates: Server-Sent Events read through fetch() (it can send the token); when the
  // stream cannot be opened, poll instead.
  useEffect(() => {
    if (!job || finished) {
      setLive('off');
      return;
    }
    const ctl = new AbortController();
    let pollTimer: number | undefined;
    setLive('connecting');
    const applyCounters = (c: Counters) =>
      setJob((j) => (j ? {
        ...j,
        status: c.status ?? j.status,
        successful_count: c.successful_count ?? j.successful_count,
        failed_count: c.failed_count ?? j.failed_count,
        total_leads: c.total_leads ?? j.total_leads,
        progress: c.progress ?? j.progress,
        error_message: c.error_message ?? j.error_message,
      } : j));
    const onEvent = ({ event, data }: SseEvent) => {
      setLive('live');
      switch (event) {
        case 'snapshot':
        case 'counters':
          applyCounters(data as Counters);
          break;
        case 'job_status':
        case 'run_started':
          applyCounters(data as Counters);
          refetchSoon();
          break;
        case 'run_skipped':
          setMessage(`A scheduled run was skipped: ${(data as Counters).error_message ?? ''}`);
          break;
        case 'item_completed':
        case 'item_failed':
        case 'item_retrying': {
          const e = data as ItemEvent;
          setJob((j) => {
            if (!j) return j;
            const items = j.items.map((it) => {
              if (it.id !== e.item_id) return it;
              return {
                ...it,
                status: e.status,
                duration_seconds: e.duration_seconds ?? it.duration_seconds,
                error_code: e.error_code ?? (e.status === 'completed' ? null : it.error_code),
                error_message: e.error_message ?? it.error_message,
                retry_count: e.retry_count ?? it.retry_count,
              };
            });
            return { ...j, items };
          });
          // A row this page has not loaded yet (a new run, or beyond the first page).
          if (!itemIds.current.has(e.item_id) && itemIds.current.size < PAGE_ROWS) refetchSoon();
          break;
        }
        case 'error':
          setActionError(new ApiError(0, 'stream', String((data as { message?: string }).message)));
          break;
      }
    };
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    // The server closes a stream when the job ends or when this client falls behind; reopen
    // it (with a fresh snapshot) while the job still runs. Repeated failures fall back to
    // polling.
    const follow = async () => {
      let failures = 0;
      while (!ctl.signal.aborted) {
        try {
          await streamEvents(`${path}/events`, onEvent, ctl.signal);
          failures = 0;
        } catch (e) {
          if (ctl.signal.aborted) return;
          if (++failures >= MAX_STREAM_FAILURES) {
            setLive('polling');
            if (e instanceof ApiError && e.code !== 'offline') setActionError(e);
            const poll = () => {
              void load();
              pollTimer = window.setTimeout(poll, POLL_MS);
            };
            pollTimer = window.setTimeout(poll, POLL_MS);
            return;
          }
        }
        if (ctl.signal.aborted) return;
        const j = await load();
        if (j && FINAL_STATUSES.includes(j.status)) return;
        await sleep(RECONNECT_MS);
      }
    };
    void follow();
    return () => {
      ctl.abort();
      window.clearTimeout(pollTimer);
    };
    // Reconnect only when the job moves between running and finished.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [path, job === null, finished]);

  const cancel = async () => {
    setActionError(null);
    try {
      const r = await api<{ message: string; status: string }>('POST', `${path}/cancel`);
      setMessage(r.message);
      await load();
    } catch (e) {
      setActionError(e);
    }
  };

  const trigger = async () => {
    setActionError(null);
    try {
      const r = await api<{ message: string }>('POST', `${path}/trigger`);
      setMessage(r.message);
      await load();
    } catch (e) {
      setActionError(e);
    }
  };

  const exportAs = async (format: 'csv' | 'jsonl') => {
    setActionError(null);
    try {
      await download(`${path}/results?format=${format}`, `job-${id}.${format}`);
    } catch (e) {
      setActionError(e);
    }
  };

  if (error && !job) {
    return (
      <main>
        <p><Link href="/jobs">← Jobs</Link></p>
        <ErrorBox error={error} retry={() => void load()} />
      </main>
    );
  }
  if (!job) {
    return (
      <main>
        <Loading what="the job" />
      </main>
    );
  }
  const running = !finished && job.status !== 'scheduled';
  return (
    <main>
      <p><Link href="/jobs">← Jobs</Link></p>
      <h1>{job.job_name}</h1>
      <p className="meta">
        {typeLabel(job.job_type)} · <StatusBadge status={job.status} /> · created{' '}
        {formatTime(job.created_at)}
        {job.completed_at && <> · finished {formatTime(job.completed_at)}</>}
        {job.is_scheduled && (
          <> · schedule <code>{job.schedule_cron}</code> ({job.timezone}), next{' '}
            {formatTime(job.next_run_at, job.timezone)}</>
        )}
      </p>
      <ProgressBar value={job.progress} max={job.total_leads} label="Job progress" />
      <dl className="counts">
        <div><dt>Successful</dt><dd data-testid="successful">{job.successful_count}</dd></div>
        <div><dt>Failed</dt><dd data-testid="failed">{job.failed_count}</dd></div>
        <div><dt>Total</dt><dd>{job.total_leads}</dd></div>
        <div><dt>Updates</dt><dd>{live === 'live' ? 'live' : live === 'connecting' ? 'connecting…'
                                 : live === 'polling' ? 'every 2 s' : 'finished'}</dd></div>
      </dl>
      {job.error_message && <p className="state warn">{job.error_message}</p>}
      <section className="actions" aria-label="Job actions">
        {running && (
          <button type="button" className="danger" onClick={cancel}>Cancel job</button>
        )}
        {job.is_scheduled && (
          <button type="button" onClick={trigger}>Run now</button>
        )}
        <button type="button" onClick={() => exportAs('csv')}>Export results (CSV)</button>
        <button type="button" onClick={() => exportAs('jsonl')}>Export results (JSONL)</button>
      </section>
      {message && <p role="status" className="state ok">{message}</p>}
      <ErrorBox error={actionError} />
      {error ? <ErrorBox error={error} retry={() => void load()} /> : null}

      <section aria-labelledby="h-items">
        <h2 id="h-items">Leads in this run</h2>
        {job.items.length === 0 ? (
          <Empty>{job.is_scheduled ? 'This job has not run yet.' : 'No items.'}</Empty>
        ) : (
          <table className="grid">
            <thead>
              <tr>
                <th scope="col">Lead</th>
                <th scope="col">Domain</th>
                <th scope="col">Status</th>
                <th scope="col">Duration</th>
                <th scope="col">Error</th>
                <th scope="col">Retries</th>
              </tr>
            </thead>
            <tbody>
              {job.items.map((it) => (
                <tr key={it.id} data-status={it.status}>
                  <td><Link href={`/leads/${it.lead_id}`}>{it.company_name}</Link></td>
                  <td>{it.domain ?? '—'}</td>
                  <td><StatusBadge status={it.status} /></td>
                  <td>{it.duration_seconds != null ? `${it.duration_seconds.toFixed(2)} s` : '—'}</td>
                  <td>{it.error_code ? <code title={it.error_message ?? ''}>{it.error_code}</code>
                                     : '—'}
                    {(it.error_details?.candidates?.length ?? 0) > 0 && (
                      <details className="candidates">
                        <summary>Search candidates ({it.error_details!.candidates!.length})</summary>
                        <ul>
                          {it.error_details!.candidates!.map((c) => (
                            <li key={c.url}>
                              {c.url}{c.score != null && ` — score ${c.score}`}
                              {c.title && <span className="muted"> ({c.title})</span>}
                            </li>
                          ))}
                        </ul>
                      </details>
                    )}</td>
                  <td>{it.retry_count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {job.items_total > job.items.length && (
          <p>Showing {job.items.length} of {job.items_total} leads; export for all.</p>
        )}
      </section>

      {job.is_scheduled && (
        <section aria-labelledby="h-runs">
          <h2 id="h-runs">Runs</h2>
          {runs.length === 0 ? <Empty>No runs yet.</Empty> : (
            <table className="grid">
              <thead>
                <tr>
                  <th scope="col">Started</th><th scope="col">Trigger</th>
                  <th scope="col">Status</th><th scope="col">Successful</th>
                  <th scope="col">Failed</th><th scope="col">Total</th>
                </tr>
              </thead>
              <tbody>
                {runs.map((r) => (
                  <tr key={r.id}>
                    <td>{formatTime(r.started_at, job.timezone)}</td><td>{r.trigger}</td>
                    <td><StatusBadge status={r.status} /></td><td>{r.successful_count}</td>
                    <td>{r.failed_count}</td><td>{r.total_items}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      )}
    </main>
  );
}
