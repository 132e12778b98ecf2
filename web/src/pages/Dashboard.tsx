import { useEffect, useMemo, useState } from 'react';

import { api } from '../api';
import { LeadFilterForm } from '../components/LeadFilterForm';
import { Link } from '../components/Link';
import { ShareChart, SwitchChart, TimelineChart } from '../components/MarketCharts';
import { ErrorBox, Loading } from '../components/States';
import { fieldTitle, FIELDS } from '../fields';
import { apiPath, describeFilter, filterToQuery, LeadFilter, withParams } from '../leadFilter';
import {
  addDays,
  Market,
  SHARE_FIELDS,
  shareBars,
  switchBars,
  timelineProviders,
  timelineTableRows,
  weekSeries,
  weekWindow,
} from '../market';
import { replaceQuery, useLocation } from '../router';
import { useFindingNames } from '../useFindingNames';
import { useLeadFilter } from '../useLeadFilter';

const WEEK_CHOICES = [4, 12, 26, 52];
const DEFAULT_WEEKS = 12;

function leadsWith(filter: LeadFilter, name: string): string {
  const f = { ...filter, conditions: [...filter.conditions, { kind: 'uses' as const, name }] };
  return withParams('/leads', filterToQuery(f));
}

// The market over the filtered lead list (GET /api/market): shares of each finding field, adds
// and removals per week, and switches. Loaded on demand (the chart library is its own chunk).
export function DashboardPage() {
  const { draft, setDraft, filter, query } = useLeadFilter();
  const names = useFindingNames();
  const { search } = useLocation();
  const weeksParam = Number(search.get('weeks'));
  const weeks = WEEK_CHOICES.includes(weeksParam) ? weeksParam : DEFAULT_WEEKS;
  const [market, setMarket] = useState<Market | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [reload, setReload] = useState(0);
  const [loading, setLoading] = useState(true);
  const [field, setField] = useState('');
  const [provider, setProvider] = useState('');

  useEffect(() => {
    const ctl = new AbortController();
    setLoading(true);
    setError(null);
    api<Market>('GET', apiPath('/api/market', filter, { weeks }), undefined, ctl.signal)
      .then((m) => {
        setMarket(m);
        setLoading(false);
      })
      .catch((e) => {
        if ((e as Error).name === 'AbortError') return;
        setError(e);
        setLoading(false);
      });
    return () => ctl.abort();
  }, [filter, weeks, reload]);

  const timeline = market?.timeline ?? [];
  const providers = useMemo(
    () => timelineProviders(timeline).filter((p) => !field || p.field === field), [timeline, field]);
  // A provider the new data or field no longer has falls back to all.
  const providerName = providers.some((p) => p.name === provider) ? provider : '';
  // The server's window when it says (its clock and week), else this browser's.
  const windowStart = market?.window_start;
  const points = useMemo(() => {
    const w = weekWindow(new Date(), weeks);
    return weekSeries(timeline, field, providerName,
                      windowStart ? { from: windowStart, to: w.to } : w);
  }, [timeline, field, providerName, weeks, windowStart]);
  const rows = useMemo(() => timelineTableRows(timeline, field, providerName),
                       [timeline, field, providerName]);
  const what = providerName || (field ? fieldTitle(field).toLowerCase() : 'all findings');
  const described = describeFilter(filter);

  const timelineTools = (
    <div className="filters chart-tools">
      <label>
        Field
        <select value={field} onChange={(e) => { setField(e.target.value); setProvider(''); }}>
          <option value="">All fields</option>
          {FIELDS.map((f) => (
            <option key={f.key} value={f.key}>{f.title}</option>
          ))}
        </select>
      </label>
      <label>
        Provider
        <select value={providerName} onChange={(e) => setProvider(e.target.value)}>
          <option value="">All providers</option>
          {providers.map((p) => (
            <option key={`${p.field}|${p.name}`} value={p.name}>
              {p.name} (+{p.added} −{p.removed})
            </option>
          ))}
        </select>
      </label>
    </div>
  );

  return (
    <main className="dashboard">
      <h1>Market dashboard</h1>
      <LeadFilterForm draft={draft} setDraft={setDraft} names={names} />
      <div className="filters">
        <label>
          Weeks of changes
          <select value={weeks}
                  onChange={(e) => replaceQuery(['weeks'],
                                                new URLSearchParams(e.target.value === String(DEFAULT_WEEKS)
                                                  ? '' : `weeks=${e.target.value}`))}>
            {WEEK_CHOICES.map((w) => (
              <option key={w} value={w}>Last {w} weeks</option>
            ))}
          </select>
        </label>
        <Link className="button" href={query ? `/leads?${query}` : '/leads'}>
          Open these leads in the list
        </Link>
        <Link className="button" href="/changes">Change feed</Link>
      </div>
      {error ? (
        <ErrorBox error={error} retry={() => setReload((n) => n + 1)} />
      ) : market === null ? (
        <Loading what="the market" />
      ) : (
        <div aria-busy={loading}>
          <p className="market-count" role="status">
            <strong>{market.lead_count}</strong> leads{described ? ` ${described}` : ''};{' '}
            <strong>{market.analysed_count}</strong> analysed.
          </p>
          <section aria-labelledby="h-shares">
            <h2 id="h-shares">Shares</h2>
            <p className="hint">
              Share of the analysed leads that use each one; a lead can use several checkouts,
              payment methods or carriers, so those add up to more than 100 %.
            </p>
            <div className="chart-grid">
              {SHARE_FIELDS.map((f) => (
                <ShareChart key={f.key} title={f.title}
                            bars={shareBars(market.shares[f.key], market.analysed_count)}
                            analysed={market.analysed_count}
                            linkFor={(name) => leadsWith(filter, name)} />
              ))}
            </div>
          </section>
          <TimelineChart what={what} points={points} rows={rows} tools={timelineTools}
                         feedLink={(r) => `/changes?${new URLSearchParams({
                           since: r.week_start, until: addDays(r.week_start, 6), field: r.field,
                           name: r.name }).toString()}`} />
          <SwitchChart bars={switchBars(market.switches)}
                       feedLink={(s) => `/changes?${new URLSearchParams({
                         field: s.field, name: s.to, change: 'added' }).toString()}`} />
        </div>
      )}
    </main>
  );
}
