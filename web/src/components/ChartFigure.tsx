import { ReactNode, useId, useState } from 'react';

// A chart with what makes it usable without seeing it: a heading, a one-sentence summary
// (also the chart's accessible description) and its data as a table. The table is always in
// the page for screen readers; "Show data table" makes it visible and a keyboard stop.
export function ChartFigure({
  title,
  summary,
  chart,
  table,
  level = 3,
  tools,
}: {
  title: string;
  summary: string;
  chart: (ids: { summaryId: string; titleId: string }) => ReactNode;
  table: ReactNode;
  level?: 2 | 3;
  tools?: ReactNode;
}) {
  const id = useId();
  const titleId = `${id}-title`;
  const summaryId = `${id}-summary`;
  const tableId = `${id}-table`;
  const [shown, setShown] = useState(false);
  const Heading = level === 2 ? 'h2' : 'h3';
  return (
    <section className="chart" aria-labelledby={titleId}>
      <Heading id={titleId}>{title}</Heading>
      {tools}
      <p id={summaryId} className="chart-summary">{summary}</p>
      <div className="chart-canvas">{chart({ summaryId, titleId })}</div>
      <button type="button" className="table-toggle" aria-expanded={shown} aria-controls={tableId}
              aria-label={`${shown ? 'Hide' : 'Show'} data table: ${title}`}
              onClick={() => setShown(!shown)}>
        {shown ? 'Hide data table' : 'Show data table'}
      </button>
      <div id={tableId} className={shown ? 'chart-table' : 'visually-hidden'} role="region"
           aria-label={`${title}: data table`} tabIndex={shown ? 0 : -1}>
        {table}
      </div>
    </section>
  );
}
