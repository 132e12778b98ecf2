import {
  Bar,
  BarChart,
  CartesianGrid,
  LabelList,
  Legend,
  ReferenceLine,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';

import { fieldTitle } from '../fields';
import {
  formatPercent,
  ShareBar,
  shareSummary,
  SwitchBar,
  TimelineRow,
  timelineSummary,
  WeekPoint,
} from '../market';
import { ChartFigure } from './ChartFigure';
import { Link } from './Link';

// The dashboard's charts (Recharts, docs/decisions/chart-library.md). Each one is a
// ChartFigure: heading, summary sentence, the chart (keyboard: focus it, then the left and
// right arrow keys step through the bars and the tooltip is read out) and its data table.

const BAR = '#0a58ca';
const ADDED = '#0a58ca';
const REMOVED = '#c2410c';
const GRID = '#e6e9ee';
const AXIS_TICK = { fontSize: 13, fill: '#1b1f24' };
const SHOWN_BARS = 10;
const ROW_PX = 30;

const keysHint = 'Focus the chart and use the left and right arrow keys to read each bar.';

function barsHeight(n: number): number {
  return 40 + Math.max(1, n) * ROW_PX;
}

// "2025-03-03" -> "3 Mar"
export function shortDay(day: string): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const [, m, d] = day.split('-').map(Number);
  return m >= 1 && m <= 12 ? `${d} ${months[m - 1]}` : day;
}

export function ShareChart({
  title,
  bars,
  analysed,
  linkFor,
}: {
  title: string;
  bars: ShareBar[];
  analysed: number;
  linkFor: (name: string) => string;
}) {
  const summary = shareSummary(title, bars, analysed);
  const shown = bars.slice(0, SHOWN_BARS).map((b) => ({
    ...b,
    label: `${b.count} · ${formatPercent(b.percent)}`,
  }));
  return (
    <ChartFigure
      title={title}
      summary={summary}
      chart={({ summaryId }) =>
        bars.length === 0 ? (
          <p className="state empty">None found.</p>
        ) : (
          <BarChart data={shown} layout="vertical" responsive
                    style={{ width: '100%', height: barsHeight(shown.length) }}
                    margin={{ top: 4, right: 96, bottom: 4, left: 4 }}
                    aria-label={`${title}, bar chart. ${keysHint}`} aria-describedby={summaryId}>
            <CartesianGrid horizontal={false} stroke={GRID} />
            <XAxis type="number" allowDecimals={false} tick={AXIS_TICK} />
            <YAxis type="category" dataKey="name" width={140} interval={0} tick={AXIS_TICK} />
            <Tooltip cursor={{ fill: '#eef5ff' }}
                     formatter={(v, _n, item) =>
                       [`${v} leads (${formatPercent((item.payload as ShareBar).percent)})`, 'Leads']} />
            <Bar dataKey="count" name="Leads" fill={BAR} isAnimationActive={false} maxBarSize={22}>
              <LabelList dataKey="label" position="right" fill="#1b1f24" fontSize={13} />
            </Bar>
          </BarChart>
        )
      }
      table={
        <table className="grid compact">
          <caption>
            {title} among {analysed} analysed leads
            {bars.length > SHOWN_BARS ? ` (the chart shows the top ${SHOWN_BARS})` : ''}
          </caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Leads</th>
              <th scope="col">Share of analysed leads</th>
            </tr>
          </thead>
          <tbody>
            {bars.length === 0 ? (
              <tr><td colSpan={3}>None found.</td></tr>
            ) : bars.map((b) => (
              <tr key={b.name}>
                <th scope="row"><Link href={linkFor(b.name)}>{b.name}</Link></th>
                <td>{b.count}</td>
                <td>{formatPercent(b.percent)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      }
    />
  );
}

export function TimelineChart({
  what,
  points,
  rows,
  tools,
  feedLink,
}: {
  what: string;
  points: WeekPoint[];
  rows: TimelineRow[];
  tools: React.ReactNode;
  feedLink: (r: TimelineRow) => string;
}) {
  const title = 'Changes per week';
  return (
    <ChartFigure
      title={title}
      level={2}
      tools={tools}
      summary={timelineSummary(points, what)}
      chart={({ summaryId }) =>
        points.length === 0 ? (
          <p className="state empty">No changes in these weeks.</p>
        ) : (
          <BarChart data={points} stackOffset="sign" responsive
                    style={{ width: '100%', height: 300 }}
                    margin={{ top: 8, right: 16, bottom: 4, left: 0 }}
                    aria-label={`Added and removed ${what} per week, bar chart. ${keysHint}`}
                    aria-describedby={summaryId}>
            <CartesianGrid vertical={false} stroke={GRID} />
            <XAxis dataKey="week_start" tickFormatter={shortDay} tick={AXIS_TICK} />
            <YAxis allowDecimals={false} tickFormatter={(v: number) => String(Math.abs(v))}
                   tick={AXIS_TICK} width={40} />
            <ReferenceLine y={0} stroke="#57606a" />
            <Tooltip cursor={{ fill: '#eef5ff' }}
                     labelFormatter={(w) => `Week of ${String(w)}`}
                     formatter={(v, name) => [Math.abs(Number(v)), name]} />
            <Legend />
            <Bar dataKey="added" name="Added" stackId="changes" fill={ADDED}
                 isAnimationActive={false} />
            <Bar dataKey="removed_down" name="Removed" stackId="changes" fill={REMOVED}
                 isAnimationActive={false} />
          </BarChart>
        )
      }
      table={
        <table className="grid compact">
          <caption>Added and removed {what} per week (weeks start on Monday)</caption>
          <thead>
            <tr>
              <th scope="col">Week of</th>
              <th scope="col">Field</th>
              <th scope="col">Name</th>
              <th scope="col">Added</th>
              <th scope="col">Removed</th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 ? (
              <tr><td colSpan={5}>No changes in these weeks.</td></tr>
            ) : rows.map((r) => (
              <tr key={`${r.week_start}|${r.field}|${r.name}`}>
                <td>{r.week_start}</td>
                <td>{fieldTitle(r.field)}</td>
                <th scope="row"><Link href={feedLink(r)}>{r.name}</Link></th>
                <td>{r.added}</td>
                <td>{r.removed}</td>
              </tr>
            ))}
          </tbody>
        </table>
      }
    />
  );
}

export function SwitchChart({
  bars,
  feedLink,
}: {
  bars: SwitchBar[];
  feedLink: (s: SwitchBar) => string;
}) {
  const title = 'Switches';
  const shown = bars.slice(0, SHOWN_BARS);
  const summary = bars.length === 0
    ? 'No switches: no analysis removed one provider and added another in the same field.'
    : `${bars.length} kinds of switch; the most frequent: ` +
      shown.slice(0, 3).map((s) => `${s.label} (${s.count})`).join(', ') + '.';
  return (
    <ChartFigure
      title={title}
      level={2}
      summary={summary}
      chart={({ summaryId }) =>
        bars.length === 0 ? (
          <p className="state empty">No switches in these weeks.</p>
        ) : (
          <BarChart data={shown} layout="vertical" responsive
                    style={{ width: '100%', height: barsHeight(shown.length) }}
                    margin={{ top: 4, right: 48, bottom: 4, left: 4 }}
                    aria-label={`Switches, bar chart. ${keysHint}`} aria-describedby={summaryId}>
            <CartesianGrid horizontal={false} stroke={GRID} />
            <XAxis type="number" allowDecimals={false} tick={AXIS_TICK} />
            <YAxis type="category" dataKey="label" width={300} interval={0} tick={AXIS_TICK} />
            <Tooltip cursor={{ fill: '#eef5ff' }} formatter={(v) => [`${v} leads`, 'Switched']} />
            <Bar dataKey="count" name="Leads" fill={BAR} isAnimationActive={false} maxBarSize={22}>
              <LabelList dataKey="count" position="right" fill="#1b1f24" fontSize={13} />
            </Bar>
          </BarChart>
        )
      }
      table={
        <table className="grid compact">
          <caption>Switches: one provider removed and another added in the same analysis</caption>
          <thead>
            <tr>
              <th scope="col">Field</th>
              <th scope="col">From</th>
              <th scope="col">To</th>
              <th scope="col">Leads</th>
            </tr>
          </thead>
          <tbody>
            {bars.length === 0 ? (
              <tr><td colSpan={4}>No switches.</td></tr>
            ) : bars.map((s) => (
              <tr key={`${s.field}|${s.from}|${s.to}`}>
                <td>{fieldTitle(s.field)}</td>
                <td>{s.from}</td>
                <th scope="row"><Link href={feedLink(s)}>{s.to}</Link></th>
                <td>{s.count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      }
    />
  );
}
