import { useEffect, useRef, useState } from 'react';

import { api, Lead } from '../api';
import { Link } from '../components/Link';
import { Empty, ErrorBox, formatTime, Loading } from '../components/States';
import {
  ChangesPage,
  EMPTY_FEED,
  evidenceLines,
  FeedFilter,
  feedApiPath,
  feedToQuery,
  parseFeed,
  previousName,
} from '../changes';
import { fieldTitle, FIELDS } from '../fields';
import { replaceQuery, useLocation } from '../router';

const FEED_KEYS = ['since', 'until', 'field', 'name', 'change', 'lead_id', 'limit'];
const PAGE_SIZES = [10, 25, 50, 100, 200];
const WRITE_DELAY_MS = 250;

// The change feed (GET /api/changes): added and removed findings, newest first, with the API's
// filters kept in the address and paged by the server's cursor.
export function ChangeFeedPage() {
  const { search } = useLocation();
  const query = feedToQuery(parseFeed(search)).toString();
  const filter = parseFeed(query);
  const [draft, setDraft] = useState<FeedFilter>(filter);
  const written = useRef(query);
  // The cursor of each page up to this one (the first page has none), for this query only.
  const [paging, setPaging] = useState<{ query: string; cursors: (string | null)[] }>(
    { query, cursors: [null] });
  const cursors = paging.query === query ? paging.cursors : [null];
  const setCursors = (c: (string | null)[]) => setPaging({ query, cursors: c });
  const [page, setPage] = useState<ChangesPage | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [reload, setReload] = useState(0);
  const [lead, setLead] = useState<Lead | null>(null);

  // The address changed from outside (back button, a link): take it.
  useEffect(() => {
    if (query === written.current) return;
    written.current = query;
    setDraft(parseFeed(query));
  }, [query]);

  // The form changed: write the address after a pause in typing.
  const draftQuery = feedToQuery(draft).toString();
  useEffect(() => {
    if (draftQuery === written.current) return;
    const t = setTimeout(() => {
      written.current = draftQuery;
      replaceQuery(FEED_KEYS, new URLSearchParams(draftQuery));
    }, WRITE_DELAY_MS);
    return () => clearTimeout(t);
  }, [draftQuery]);

  const cursor = cursors[cursors.length - 1];

  useEffect(() => {
    const ctl = new AbortController();
    setLoading(true);
    setError(null);
    api<ChangesPage>('GET', feedApiPath(parseFeed(query), cursor), undefined, ctl.signal)
      .then((p) => {
        setPage(p);
        setLoading(false);
      })
      .catch((e) => {
        if ((e as Error).name === 'AbortError') return;
        setError(e);
        setLoading(false);
      });
    return () => ctl.abort();
  }, [query, cursor, reload]);

  const leadId = filter.lead_id;
  useEffect(() => {
    setLead(null);
    if (!leadId) return;
    const ctl = new AbortController();
    api<{ lead: Lead }>('GET', `/api/leads/${encodeURIComponent(leadId)}`, undefined, ctl.signal)
      .then((r) => setLead(r.lead))
      .catch(() => {});
    return () => ctl.abort();
  }, [leadId]);

  const set = (patch: Partial<FeedFilter>) => setDraft({ ...draft, ...patch });
  const leadName = lead?.company_name ?? page?.changes[0]?.company_name ?? 'this lead';
  const pageNo = cursors.length;

  return (
    <main>
      {leadId && (
        <p>
          <Link href={`/leads/${encodeURIComponent(leadId)}`}>← {leadName}</Link>
        </p>
      )}
      <h1>{leadId ? `Changes of ${leadName}` : 'Changes'}</h1>
      <p className="hint">
        Findings added or removed by an analysis, newest first. A finding missing because a page
        did not load is not counted as removed.
      </p>
      <form className="filters" role="search" aria-label="Filter changes"
            onSubmit={(e) => e.preventDefault()}>
        <label>
          From
          <input type="date" value={draft.since} onChange={(e) => set({ since: e.target.value })} />
        </label>
        <label>
          To
          <input type="date" value={draft.until} onChange={(e) => set({ until: e.target.value })} />
        </label>
        <span className="field">
          <label htmlFor="feed-field">Field</label>
          <select id="feed-field" value={draft.field} onChange={(e) => set({ field: e.target.value })}>
            <option value="">Any field</option>
            {FIELDS.map((f) => (
              <option key={f.key} value={f.key}>{f.title}</option>
            ))}
          </select>
        </span>
        <label>
          Finding
          <input value={draft.name} placeholder="e.g. Walley"
                 onChange={(e) => set({ name: e.target.value })} />
        </label>
        <span className="field">
          <label htmlFor="feed-change">Change</label>
          <select id="feed-change" value={draft.change}
                  onChange={(e) => set({ change: e.target.value as FeedFilter['change'] })}>
            <option value="">Added or removed</option>
            <option value="added">Added</option>
            <option value="removed">Removed</option>
          </select>
        </span>
        {draft.lead_id && (
          <button type="button" onClick={() => set({ lead_id: '' })}>
            Show every lead’s changes
          </button>
        )}
        <span className="field">
          <label htmlFor="feed-limit">Rows per page</label>
          <select id="feed-limit" value={draft.limit}
                  onChange={(e) => set({ limit: Number(e.target.value) })}>
            {[...new Set([...PAGE_SIZES, draft.limit])].sort((a, b) => a - b).map((n) => (
              <option key={n} value={n}>{n}</option>
            ))}
          </select>
        </span>
        <button type="button"
                disabled={feedToQuery({ ...draft, limit: EMPTY_FEED.limit }).toString() === ''}
                onClick={() => setDraft({ ...EMPTY_FEED, limit: draft.limit })}>
          Clear filters
        </button>
      </form>

      {error ? (
        <ErrorBox error={error} retry={() => setReload((n) => n + 1)} />
      ) : page === null ? (
        <Loading what="changes" />
      ) : page.changes.length === 0 ? (
        <Empty>
          {pageNo > 1 ? 'No older changes.' : query ? 'No changes match these filters.'
                                                   : 'No changes yet: they appear once a lead is analysed a second time.'}
        </Empty>
      ) : (
        <table className="grid" aria-busy={loading}>
          <caption className="visually-hidden">Changes, page {pageNo}, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              {!leadId && <th scope="col">Lead</th>}
              <th scope="col">Field</th>
              <th scope="col">Change</th>
              <th scope="col">Job</th>
              <th scope="col">Evidence</th>
            </tr>
          </thead>
          <tbody>
            {page.changes.map((c) => {
              const prev = previousName(c.previous);
              const evidence = evidenceLines(c.evidence);
              return (
                <tr key={c.id} data-id={c.id} data-change={c.change}>
                  <td>{formatTime(c.detected_at)}</td>
                  {!leadId && (
                    <td>
                      <Link href={`/leads/${encodeURIComponent(c.lead_id)}`}>{c.company_name}</Link>
                      {c.domain && <div className="meta">{c.domain}</div>}
                    </td>
                  )}
                  <td>{fieldTitle(c.field)}</td>
                  <td>
                    {c.change === 'added' ? (
                      <span className="added">+ added {c.name}</span>
                    ) : (
                      <span className="removed">− removed {c.name}</span>
                    )}
                    {prev && <div className="meta">before: {prev}</div>}
                  </td>
                  <td>{c.job_id ? <Link href={`/jobs/${c.job_id}`}>job</Link> : 'direct'}</td>
                  <td>
                    {evidence.length === 0 ? (
                      '—'
                    ) : (
                      <details>
                        <summary>Evidence ({evidence.length})</summary>
                        <ul className="evidence">
                          {evidence.map((e, i) => (
                            <li key={i}>{e}</li>
                          ))}
                        </ul>
                      </details>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {page && (pageNo > 1 || page.next_cursor) && (
        <nav className="pager" aria-label="Pages">
          <button type="button" disabled={pageNo === 1}
                  onClick={() => setCursors(cursors.slice(0, -1))}>
            Newer changes
          </button>
          <span>Page {pageNo}</span>
          <button type="button" disabled={!page.next_cursor}
                  onClick={() => page.next_cursor && setCursors([...cursors, page.next_cursor])}>
            Older changes
          </button>
        </nav>
      )}
    </main>
  );
}
