import { useEffect, useId, useState } from 'react';

import { api, ApiError, CronPreview, withQuery } from '../api';
import { formatTime } from './States';

const PREVIEW_DELAY_MS = 200;

// A cron input that shows, as the user types, the server's plain reading of the expression
// and its next five runs in the job's time zone, or the server's error message.
export function CronField({ value, onChange, timezone, id }: {
  value: string;
  onChange: (v: string) => void;
  timezone: string;
  id: string;
}) {
  const [preview, setPreview] = useState<CronPreview | null>(null);
  const [error, setError] = useState<string>('');
  const [pending, setPending] = useState(false);
  const previewId = useId();

  useEffect(() => {
    const expr = value.trim();
    if (!expr) {
      setPreview(null);
      setError('');
      return;
    }
    const ctl = new AbortController();
    setPending(true);
    const t = setTimeout(() => {
      api<CronPreview>('GET', withQuery('/api/cron/preview', { expr, tz: timezone, n: 5 }),
                       undefined, ctl.signal)
        .then((p) => {
          setPreview(p);
          setError('');
          setPending(false);
        })
        .catch((e) => {
          if ((e as Error).name === 'AbortError') return;
          setPreview(null);
          setError(e instanceof ApiError ? e.message : String(e));
          setPending(false);
        });
    }, PREVIEW_DELAY_MS);
    return () => {
      clearTimeout(t);
      ctl.abort();
    };
  }, [value, timezone]);

  return (
    <div className="cron-field">
      <label htmlFor={id}>Cron expression</label>
      <input
        id={id}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-describedby={previewId}
        aria-invalid={error ? true : undefined}
        placeholder="0 6 * * MON-FRI"
        spellCheck={false}
        autoComplete="off"
      />
      <div id={previewId} className="cron-preview" aria-live="polite" data-pending={pending}>
        {error ? (
          <p className="cron-error" role="alert">{error}</p>
        ) : preview ? (
          <>
            <p className="cron-description">{preview.description}</p>
            <p className="cron-zone">Next runs ({preview.timezone}):</p>
            <ol className="cron-next" aria-label="Next runs">
              {preview.next_runs.map((r) => (
                <li key={r}>
                  <time dateTime={r}>{formatTime(r, preview.timezone)}</time>
                </li>
              ))}
            </ol>
          </>
        ) : (
          <p className="hint">Five fields: minute hour day-of-month month day-of-week, or @daily.</p>
        )}
      </div>
    </div>
  );
}
