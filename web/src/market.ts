// GET /api/market's answer and the shapes the dashboard draws from it. Pure: no React, no DOM.

export type ShareField =
  | 'ecommerce_platform'
  | 'checkout_solutions'
  | 'payment_methods'
  | 'carriers'
  | 'shipping_software';

export interface NameCount {
  name: string;
  count: number;
}

export interface TimelineRow {
  week_start: string; // YYYY-MM-DD, a Monday
  field: string;
  name: string;
  added: number;
  removed: number;
}

export interface SwitchRow {
  field: string;
  from: string;
  to: string;
  count: number;
}

export interface Market {
  lead_count: number;
  analysed_count: number;
  weeks?: number;
  window_start?: string; // the Monday (UTC) the timeline and switches start at
  shares: Partial<Record<ShareField, NameCount[]>>;
  timeline: TimelineRow[];
  switches: SwitchRow[];
}

export const SHARE_FIELDS: { key: ShareField; title: string; noun: string }[] = [
  { key: 'ecommerce_platform', title: 'E-commerce platforms', noun: 'platform' },
  { key: 'checkout_solutions', title: 'Checkout solutions', noun: 'checkout' },
  { key: 'payment_methods', title: 'Payment methods', noun: 'payment method' },
  { key: 'carriers', title: 'Carriers', noun: 'carrier' },
  { key: 'shipping_software', title: 'Shipping software', noun: 'shipping software' },
];

export interface ShareBar {
  name: string;
  count: number;
  percent: number; // of the analysed leads, 0..100, one decimal
}

// Every name with its count and share of the analysed leads, largest first, ties by name.
// A lead may use several checkouts, so a list field's shares can add up to more than 100 %.
export function shareBars(list: NameCount[] | undefined, analysed: number): ShareBar[] {
  return [...(list ?? [])]
    .filter((x) => x.count > 0)
    .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name))
    .map((x) => ({
      name: x.name,
      count: x.count,
      percent: analysed > 0 ? Math.round((x.count / analysed) * 1000) / 10 : 0,
    }));
}

export function formatPercent(p: number): string {
  return `${Number.isInteger(p) ? p : p.toFixed(1)} %`;
}

// One sentence that says what a share chart shows, for its accessible name.
export function shareSummary(title: string, bars: ShareBar[], analysed: number, top = 3): string {
  if (bars.length === 0) return `${title}: none found among ${analysed} analysed leads.`;
  const head = bars.slice(0, top).map((b) => `${b.name} ${b.count} (${formatPercent(b.percent)})`);
  const more = bars.length > top ? `, and ${bars.length - top} more` : '';
  return `${title} among ${analysed} analysed leads: ${head.join(', ')}${more}.`;
}

// Adds n days to a YYYY-MM-DD day (calendar arithmetic in UTC, so no zone shifts it).
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

export interface WeekPoint {
  week_start: string;
  added: number;
  removed: number;
  // Negative copy of `removed`, so removals draw below the axis.
  removed_down: number;
}

// The Monday (YYYY-MM-DD, UTC calendar) of the week that contains `now`.
export function weekStart(now: Date): string {
  const day = now.toISOString().slice(0, 10);
  return addDays(day, -((now.getUTCDay() + 6) % 7));
}

// The first and last week of the `weeks` weeks that end with the one containing `now`.
export function weekWindow(now: Date, weeks: number): { from: string; to: string } {
  const to = weekStart(now);
  return { from: addDays(to, -7 * (Math.max(1, weeks) - 1)), to };
}

// Adds and removals per week for the rows that match `field` and `name` ('' = any), oldest
// first, with every week of `window` (and any week outside it that has rows) so gaps read as
// zero.
export function weekSeries(timeline: TimelineRow[], field = '', name = '',
                           window?: { from: string; to: string }): WeekPoint[] {
  const by = new Map<string, { added: number; removed: number }>();
  for (const r of timeline) {
    if (field && r.field !== field) continue;
    if (name && r.name !== name) continue;
    const w = by.get(r.week_start) ?? { added: 0, removed: 0 };
    w.added += r.added;
    w.removed += r.removed;
    by.set(r.week_start, w);
  }
  const weeks = [...by.keys()].sort();
  if (weeks.length === 0) return [];
  const out: WeekPoint[] = [];
  let first = weeks[0];
  let last = weeks[weeks.length - 1];
  if (window) {
    if (window.from < first) first = window.from;
    if (window.to > last) last = window.to;
  }
  // Bounded: the API answers at most a few years of weeks.
  for (let w = first, i = 0; w <= last && i < 1000; w = addDays(w, 7), i++) {
    const v = by.get(w) ?? { added: 0, removed: 0 };
    out.push({ week_start: w, added: v.added, removed: v.removed, removed_down: -v.removed });
  }
  return out;
}

export interface ProviderActivity {
  field: string;
  name: string;
  added: number;
  removed: number;
}

// Every provider in the timeline with its totals, most active first (for the chart's picker).
export function timelineProviders(timeline: TimelineRow[]): ProviderActivity[] {
  const by = new Map<string, ProviderActivity>();
  for (const r of timeline) {
    const k = `${r.field}\u0000${r.name}`;
    const p = by.get(k) ?? { field: r.field, name: r.name, added: 0, removed: 0 };
    p.added += r.added;
    p.removed += r.removed;
    by.set(k, p);
  }
  return [...by.values()].sort((a, b) => b.added + b.removed - (a.added + a.removed) ||
                                        a.field.localeCompare(b.field) || a.name.localeCompare(b.name));
}

// The timeline's rows for a table: newest week first, then field and name.
export function timelineTableRows(timeline: TimelineRow[], field = '', name = ''): TimelineRow[] {
  return timeline
    .filter((r) => (!field || r.field === field) && (!name || r.name === name))
    .filter((r) => r.added > 0 || r.removed > 0)
    .sort((a, b) => b.week_start.localeCompare(a.week_start) || a.field.localeCompare(b.field) ||
                    a.name.localeCompare(b.name));
}

export function timelineSummary(points: WeekPoint[], what: string): string {
  if (points.length === 0) return `No changes of ${what} in these weeks.`;
  const added = points.reduce((s, p) => s + p.added, 0);
  const removed = points.reduce((s, p) => s + p.removed, 0);
  const busiest = points.reduce((a, b) => (b.added + b.removed > a.added + a.removed ? b : a));
  return `Changes of ${what} per week from ${points[0].week_start} to ` +
         `${points[points.length - 1].week_start}: ${added} added and ${removed} removed in all; ` +
         `the busiest week began ${busiest.week_start} (${busiest.added} added, ` +
         `${busiest.removed} removed).`;
}

export interface SwitchBar extends SwitchRow {
  label: string; // "Klarna Checkout → Walley"
}

// Switches, most frequent first; ties by field, then names.
export function switchBars(switches: SwitchRow[]): SwitchBar[] {
  return [...switches]
    .filter((s) => s.count > 0)
    .sort((a, b) => b.count - a.count || a.field.localeCompare(b.field) ||
                    a.from.localeCompare(b.from) || a.to.localeCompare(b.to))
    .map((s) => ({ ...s, label: `${s.from} → ${s.to}` }));
}
