// The change feed (GET /api/changes): its rows, and its filter read from and written to the
// address bar and turned into the API's query. Pure: no React, no DOM.

import { validDay } from './leadFilter';

export interface ChangeEvidence {
  page?: string;
  field?: string;
  matched?: string;
}

export interface ChangeRow {
  id: string;
  lead_id: string;
  company_name: string;
  domain: string | null;
  field: string;
  name: string;
  change: 'added' | 'removed';
  detected_at: string;
  job_id: string | null;
  previous: unknown;
  evidence: unknown;
}

export interface ChangesPage {
  changes: ChangeRow[];
  next_cursor: string | null;
}

export interface FeedFilter {
  since: string; // YYYY-MM-DD local day or ''
  until: string; // YYYY-MM-DD local day (inclusive) or ''
  field: string;
  name: string;
  change: '' | 'added' | 'removed';
  lead_id: string;
  limit: number; // rows per page
}

export const DEFAULT_FEED_LIMIT = 50;
export const MAX_FEED_LIMIT = 500;

export const EMPTY_FEED: FeedFilter = {
  since: '', until: '', field: '', name: '', change: '', lead_id: '', limit: DEFAULT_FEED_LIMIT,
};

const FIELD_KEYS = new Set([
  'ecommerce_platform', 'checkout_solutions', 'payment_methods', 'carriers', 'shipping_software',
  'technologies',
]);

const day = (s: string | null) => validDay(s);

function limitOf(s: string | null): number {
  const n = Number(s);
  return s && /^\d+$/.test(s) && n >= 1 && n <= MAX_FEED_LIMIT ? n : DEFAULT_FEED_LIMIT;
}

export function parseFeed(query: URLSearchParams | string): FeedFilter {
  const q = typeof query === 'string' ? new URLSearchParams(query) : query;
  const change = q.get('change') ?? '';
  const field = q.get('field') ?? '';
  return {
    since: day(q.get('since')),
    until: day(q.get('until')),
    field: FIELD_KEYS.has(field) ? field : '',
    name: q.get('name') ?? '',
    change: change === 'added' || change === 'removed' ? change : '',
    lead_id: (q.get('lead_id') ?? '').trim(),
    limit: limitOf(q.get('limit')),
  };
}

// The feed filter as an address query, keys in a fixed order.
export function feedToQuery(f: FeedFilter): URLSearchParams {
  const q = new URLSearchParams();
  if (f.lead_id) q.set('lead_id', f.lead_id);
  if (day(f.since)) q.set('since', f.since);
  if (day(f.until)) q.set('until', f.until);
  if (f.field) q.set('field', f.field);
  if (f.name.trim()) q.set('name', f.name);
  if (f.change) q.set('change', f.change);
  if (f.limit !== DEFAULT_FEED_LIMIT) q.set('limit', String(f.limit));
  return q;
}

function localMidnightIso(d: string, plusDays = 0): string {
  const [y, m, dd] = d.split('-').map(Number);
  return new Date(y, m - 1, dd + plusDays).toISOString();
}

// GET /api/changes for the filter: `since` is the start of its local day, `until` the start of
// the day after (so the day itself is included), plus the page size and cursor.
export function feedApiPath(f: FeedFilter, cursor?: string | null): string {
  const q = new URLSearchParams();
  if (day(f.since)) q.set('since', localMidnightIso(f.since));
  if (day(f.until)) q.set('until', localMidnightIso(f.until, 1));
  if (f.field) q.set('field', f.field);
  if (f.name.trim()) q.set('name', f.name.trim());
  if (f.change) q.set('change', f.change);
  if (f.lead_id) q.set('lead_id', f.lead_id);
  q.set('limit', String(f.limit));
  if (cursor) q.set('cursor', cursor);
  return `/api/changes?${q.toString()}`;
}

// "Klarna Checkout → Walley" for a platform change with its previous platform, else ''.
export function previousName(previous: unknown): string {
  if (typeof previous === 'string') return previous;
  if (previous && typeof previous === 'object' && 'name' in previous &&
      typeof (previous as { name: unknown }).name === 'string') {
    return (previous as { name: string }).name;
  }
  return '';
}

// The evidence of a change as a list of readable lines (its shape is free-form JSON).
export function evidenceLines(evidence: unknown, max = 10): string[] {
  const list = Array.isArray(evidence) ? evidence : evidence ? [evidence] : [];
  const out: string[] = [];
  for (const e of list.slice(0, max)) {
    if (typeof e === 'string') {
      out.push(e);
    } else if (e && typeof e === 'object') {
      const o = e as ChangeEvidence;
      const parts = [o.page, o.field, o.matched].filter((x) => typeof x === 'string' && x);
      out.push(parts.length > 0 ? parts.join(' · ') : JSON.stringify(e));
    }
  }
  return out;
}
