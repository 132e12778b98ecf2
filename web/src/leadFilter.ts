// The lead-list filter as one value: read from and written to the address bar (so a filtered
// list, dashboard or export can be bookmarked and shared) and turned into the API's query
// (GET /api/leads, /api/leads/export, /api/market). Pure: no React, no DOM.

// "uses X", "does not use X", "added X since D", "removed X since D" (docs/openapi.json).
export type ConditionKind = 'uses' | 'not_uses' | 'added' | 'removed';

export interface Condition {
  kind: ConditionKind;
  name: string;
}

export interface LeadFilter {
  search: string;
  platform: string;
  checkout: string;
  carrier: string;
  analysed: '' | 'true' | 'false';
  // In the order the user wrote them; each kind may repeat.
  conditions: Condition[];
  // YYYY-MM-DD (a local calendar day) or ''; applies to the added/removed conditions.
  since: string;
}

export const CONDITION_KINDS: { kind: ConditionKind; label: string; phrase: string }[] = [
  { kind: 'uses', label: 'Uses', phrase: 'using' },
  { kind: 'not_uses', label: 'Does not use', phrase: 'not using' },
  { kind: 'added', label: 'Added', phrase: 'that added' },
  { kind: 'removed', label: 'Removed', phrase: 'that removed' },
];

const KINDS = new Set<string>(CONDITION_KINDS.map((k) => k.kind));
const TEXT_KEYS = ['search', 'platform', 'checkout', 'carrier'] as const;

// Every address key the filter owns (a page may keep others of its own beside them).
export const FILTER_KEYS: readonly string[] = [...TEXT_KEYS, 'analysed', 'since', ...KINDS];

export const EMPTY_FILTER: LeadFilter = {
  search: '', platform: '', checkout: '', carrier: '', analysed: '', conditions: [], since: '',
};

// A real calendar day written YYYY-MM-DD, else ''.
export function validDay(s: string | null | undefined): string {
  if (!s || !/^\d{4}-\d{2}-\d{2}$/.test(s)) return '';
  const [y, m, d] = s.split('-').map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d
    ? s
    : '';
}

// The filter in an address's query; unknown keys and malformed values are ignored.
export function parseFilter(query: URLSearchParams | string): LeadFilter {
  const q = typeof query === 'string' ? new URLSearchParams(query) : query;
  const f: LeadFilter = { ...EMPTY_FILTER, conditions: [] };
  for (const [key, raw] of q) {
    const value = raw.trim();
    if ((TEXT_KEYS as readonly string[]).includes(key)) {
      f[key as (typeof TEXT_KEYS)[number]] = raw;
    } else if (key === 'analysed') {
      f.analysed = value === 'true' || value === 'false' ? value : '';
    } else if (key === 'since') {
      f.since = validDay(value);
    } else if (KINDS.has(key) && value !== '') {
      const c = { kind: key as ConditionKind, name: value };
      if (!f.conditions.some((x) => x.kind === c.kind && x.name.toLowerCase() === value.toLowerCase())) {
        f.conditions.push(c);
      }
    }
  }
  return f;
}

// The conditions that say something (a row whose name is still empty is left out).
export function activeConditions(f: LeadFilter): Condition[] {
  return f.conditions
    .map((c) => ({ kind: c.kind, name: c.name.trim() }))
    .filter((c) => c.name !== '');
}

export function usesSince(f: LeadFilter): boolean {
  return activeConditions(f).some((c) => c.kind === 'added' || c.kind === 'removed');
}

// The filter as an address query (the inverse of parseFilter for everything it keeps).
export function filterToQuery(f: LeadFilter): URLSearchParams {
  const q = new URLSearchParams();
  for (const key of TEXT_KEYS) {
    if (f[key].trim() !== '') q.append(key, f[key]);
  }
  if (f.analysed) q.append('analysed', f.analysed);
  for (const c of activeConditions(f)) q.append(c.kind, c.name);
  if (validDay(f.since) && usesSince(f)) q.append('since', f.since);
  return q;
}

// Local midnight of a YYYY-MM-DD day as ISO 8601 (UTC), as the API's `since` takes it.
export function dayStartIso(day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y, m - 1, d).toISOString();
}

// The filter as the API's query: text filters trimmed, `since` as an instant.
export function filterToApiQuery(f: LeadFilter): URLSearchParams {
  const q = new URLSearchParams();
  for (const key of TEXT_KEYS) {
    const v = f[key].trim();
    if (v !== '') q.append(key, v);
  }
  if (f.analysed) q.append('analysed', f.analysed);
  for (const c of activeConditions(f)) q.append(c.kind, c.name);
  if (validDay(f.since) && usesSince(f)) q.append('since', dayStartIso(f.since));
  return q;
}

export function hasFilter(f: LeadFilter): boolean {
  return filterToQuery(f).toString() !== '';
}

export function withParams(path: string, q: URLSearchParams): string {
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

export type ExportLayout = 'standard' | 'crm';
export type Delimiter = ',' | ';';

// GET /api/leads/export with the filter; the CRM layout takes a delimiter.
export function exportPath(f: LeadFilter, layout: ExportLayout = 'standard',
                           delimiter: Delimiter = ';'): string {
  const q = filterToApiQuery(f);
  if (layout === 'crm') {
    q.append('layout', 'crm');
    q.append('delimiter', delimiter);
  }
  return withParams('/api/leads/export', q);
}

// The API path of another page's data with the same filter plus its own parameters.
export function apiPath(path: string, f: LeadFilter, extra: Record<string, string | number> = {}): string {
  const q = filterToApiQuery(f);
  for (const [k, v] of Object.entries(extra)) q.append(k, String(v));
  return withParams(path, q);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function formatDay(day: string): string {
  if (!validDay(day)) return day;
  const [y, m, d] = day.split('-').map(Number);
  return `${d} ${MONTHS[m - 1]} ${y}`;
}

// The filter in words ("leads using Klarna Checkout, not using Shopify, that added Walley
// since 1 Mar 2025"), for headings and for screen readers; '' when nothing filters.
export function describeFilter(f: LeadFilter): string {
  const parts: string[] = [];
  if (f.search.trim()) parts.push(`matching “${f.search.trim()}”`);
  if (f.platform.trim()) parts.push(`on platform ${f.platform.trim()}`);
  if (f.checkout.trim()) parts.push(`with checkout ${f.checkout.trim()}`);
  if (f.carrier.trim()) parts.push(`with carrier ${f.carrier.trim()}`);
  if (f.analysed === 'true') parts.push('analysed');
  if (f.analysed === 'false') parts.push('not analysed yet');
  const since = validDay(f.since) ? ` since ${formatDay(f.since)}` : '';
  for (const c of activeConditions(f)) {
    const k = CONDITION_KINDS.find((x) => x.kind === c.kind)!;
    const when = c.kind === 'added' || c.kind === 'removed' ? since : '';
    parts.push(`${k.phrase} ${c.name}${when}`);
  }
  return parts.join(', ');
}
