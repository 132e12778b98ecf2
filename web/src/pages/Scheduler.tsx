import { useEffect, useState } from 'react';

import { api } from '../api';
import { useMe } from '../App';
import { Link } from '../components/Link';
import { Empty, ErrorBox, formatTime, Loading } from '../components/States';

interface Status {
  scheduler: { running: boolean; processing: boolean; check_interval_seconds: number };
  upcoming_jobs: {
    id: string;
    job_name: string;
    next_run_at: string | null;
    schedule_cron: string;
    timezone: string;
  }[];
}

export function SchedulerPage() {
  const me = useMe();
  const [status, setStatus] = useState<Status | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    api<Status>('GET', '/api/batch-analysis/scheduler/status').then(
      (s) => {
        setStatus(s);
        setError(null);
      },
      setError);
  }, [tick]);

  return (
    <main>
      <h1>Scheduler</h1>
      {me && me.role !== 'admin' && <p className="state warn">Only admins see the scheduler.</p>}
      <button type="button" onClick={() => setTick((n) => n + 1)}>Refresh</button>
      {error ? (
        <ErrorBox error={error} retry={() => setTick((n) => n + 1)} />
      ) : !status ? (
        <Loading what="the scheduler status" />
      ) : (
        <>
          <dl className="counts">
            <div><dt>Running</dt><dd>{status.scheduler.running ? 'yes' : 'no'}</dd></div>
            <div><dt>Processing</dt><dd>{status.scheduler.processing ? 'yes' : 'no'}</dd></div>
            <div><dt>Check interval</dt><dd>{status.scheduler.check_interval_seconds} s</dd></div>
          </dl>
          <h2>Upcoming jobs</h2>
          {status.upcoming_jobs.length === 0 ? (
            <Empty>No scheduled jobs are due.</Empty>
          ) : (
            <table className="grid">
              <thead>
                <tr>
                  <th scope="col">Job</th><th scope="col">Cron</th>
                  <th scope="col">Zone</th><th scope="col">Next run</th>
                </tr>
              </thead>
              <tbody>
                {status.upcoming_jobs.map((j) => (
                  <tr key={j.id}>
                    <td><Link href={`/jobs/${j.id}`}>{j.job_name}</Link></td>
                    <td><code>{j.schedule_cron}</code></td>
                    <td>{j.timezone}</td>
                    <td>{formatTime(j.next_run_at, j.timezone)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </main>
  );
}
