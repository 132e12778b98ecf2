import { useEffect, useState } from 'react';

import {
  ANALYSIS_TYPES, api, Evidence, EvidenceOrigin, Finding, FindingPresence, LeadDetail, typeLabel,
} from '../api';
import { DomainSuggestionPanel } from '../components/DomainSuggestionPanel';
import { Link } from '../components/Link';
import { Empty, ErrorBox, formatTime, Loading } from '../components/States';
import { analysisNotes } from '../notes';
import { navigate } from '../router';

const SECTIONS: { key: keyof LeadDetail; title: string }[] = [
  { key: 'ecommerce_platform', title: 'E-commerce platform' },
  { key: 'checkout_solutions', title: 'Checkout solutions' },
  { key: 'payment_methods', title: 'Payment methods' },
  { key: 'carriers', title: 'Carriers' },
  { key: 'shipping_software', title: 'Shipping software' },
  { key: 'technologies', title: 'Technologies' },
];

const FIELD_TITLES: Record<string, string> = Object.fromEntries(
  SECTIONS.map((s) => [s.key as string, s.title]));

function asList(v: unknown): Finding[] {
  if (!v) return [];
  return (Array.isArray(v) ? v : [v]) as Finding[];
}

// Where a match came from, in the order the labels are listed.
const ORIGINS: { origin: EvidenceOrigin; label: string; title: string }[] = [
  { origin: 'http', label: 'HTTP page', title: 'The page as fetched over HTTP, before any script ran' },
  { origin: 'dom', label: 'Rendered DOM', title: 'The page as the browser built it, after its scripts ran' },
  { origin: 'js', label: 'JS global', title: 'A JavaScript variable of the rendered page' },
  { origin: 'network', label: 'Network',
    title: 'What the browser saw on the wire: requests the page made, response headers, cookies' },
];

function originOf(e: Evidence): (typeof ORIGINS)[number] {
  return ORIGINS.find((o) => o.origin === e.origin) ?? ORIGINS[0];
}

function dayOf(iso: string): string {
  return formatTime(iso).slice(0, 10);
}

function FindingCard({ f, seen }: { f: Finding; seen?: FindingPresence }) {
  const evidence = f.evidence ?? [];
  const origins = ORIGINS.filter((o) => evidence.some((e) => originOf(e).origin === o.origin));
  return (
    <li className="finding">
      <div className="finding-head">
        <strong>{f.name}</strong>
        {f.version && <span className="version">{f.version}</span>}
        {typeof f.confidence === 'number' && (
          <span className="confidence" title="Confidence">
            confidence {f.confidence}%
          </span>
        )}
        {seen && (
          <span className="seen">
            first seen {dayOf(seen.first_seen)} · last seen {dayOf(seen.last_seen)}
          </span>
        )}
      </div>
      {origins.length > 0 && (
        <p className="found-in">
          Found in:{' '}
          {origins.map((o) => (
            <span key={o.origin} className={`origin origin-${o.origin}`} title={o.title}>
              {o.label}
            </span>
          ))}
        </p>
      )}
      {evidence.length > 0 && (
        <details>
          <summary>Evidence ({evidence.length})</summary>
          <ul className="evidence">
            {evidence.map((e, i) => (
              <li key={i}>
                <span className={`origin origin-${originOf(e).origin}`}
                      title={originOf(e).title}>{originOf(e).label}</span>{' '}
                <span className="ev-page">{e.page}</span>{' '}
                <span className="ev-field">{e.field}</span>{' '}
                <code className="ev-matched">{e.matched}</code>
              </li>
            ))}
          </ul>
        </details>
      )}
    </li>
  );
}

export function LeadDetailPage({ id }: { id: string }) {
  const [lead, setLead] = useState<LeadDetail | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [reload, setReload] = useState(0);
  const [actionError, setActionError] = useState<unknown>(null);

  useEffect(() => {
    const ctl = new AbortController();
    setError(null);
    api<{ lead: LeadDetail }>('GET', `/api/leads/${encodeURIComponent(id)}`, undefined, ctl.signal)
      .then((r) => setLead(r.lead))
      .catch((e) => {
        if ((e as Error).name !== 'AbortError') setError(e);
      });
    return () => ctl.abort();
  }, [id, reload]);

  const analyse = async (type: string) => {
    setActionError(null);
    try {
      const r = await api<{ job_id: string }>('POST', '/api/batch-analysis/quick-analyze', {
        lead_ids: [id],
        analysis_type: type,
      });
      navigate(`/jobs/${r.job_id}`);
    } catch (e) {
      setActionError(e);
    }
  };

  if (error) {
    return (
      <main>
        <p>
          <Link href="/leads">← Leads</Link>
        </p>
        <ErrorBox error={error} retry={() => setReload((n) => n + 1)} />
      </main>
    );
  }
  if (!lead) {
    return (
      <main>
        <Loading what="the lead" />
      </main>
    );
  }
  const latest = lead.history[0];
  const presence = lead.finding_history ?? [];
  const seenOf = (field: string, name: string) => presence.find(
    (p) => p.field === field && p.name.toLowerCase() === name.toLowerCase());
  const gone = presence.filter((p) => !p.present);
  const changesHref = `/changes?lead_id=${encodeURIComponent(lead.id)}`;
  const notes = analysisNotes(latest?.result);
  return (
    <main>
      <p>
        <Link href="/leads">← Leads</Link>
      </p>
      <h1>{lead.company_name}</h1>
      <p className="meta">
        {lead.domain ?? 'no domain'} · last analysed{' '}
        {lead.last_analyzed_at ? formatTime(lead.last_analyzed_at) : 'never'}
      </p>
      <section className="actions" aria-label="Analyse this lead">
        {ANALYSIS_TYPES.map((t) => (
          <button key={t.type} type="button" onClick={() => analyse(t.type)}
                  disabled={!lead.domain}>
            {t.label}
          </button>
        ))}
      </section>
      <ErrorBox error={actionError} />
      {!lead.domain && lead.domain_suggestion && (
        <DomainSuggestionPanel leadId={lead.id} suggestion={lead.domain_suggestion}
                               onDecided={() => setReload((n) => n + 1)} />
      )}
      {notes.length > 0 && (
        <section className={notes.some((n) => n.kind === 'error') ? 'state warn' : 'state info'}
                 aria-label="Analysis notes">
          <h2>Notes from the last analysis</h2>
          <ul className="notes">
            {notes.map((n, i) => (
              <li key={i} className={`note note-${n.kind}`}>{n.text}</li>
            ))}
          </ul>
        </section>
      )}
      <div className="findings">
        {SECTIONS.map((s) => {
          const list = asList(lead[s.key]);
          return (
            <section key={s.key as string} aria-labelledby={`h-${s.key as string}`}>
              <h2 id={`h-${s.key as string}`}>{s.title}</h2>
              {list.length === 0 ? (
                <Empty>{lead.last_analyzed_at ? 'None found.' : 'Not analysed yet.'}</Empty>
              ) : (
                <ul className="finding-list">
                  {list.map((f) => (
                    <FindingCard key={f.slug ?? f.name} f={f} seen={seenOf(s.key as string, f.name)} />
                  ))}
                </ul>
              )}
            </section>
          );
        })}
      </div>
      {gone.length > 0 && (
        <section aria-labelledby="h-gone">
          <h2 id="h-gone">No longer found</h2>
          <ul className="gone">
            {gone.map((p) => (
              <li key={`${p.field}|${p.name}`}>
                <strong>{p.name}</strong> ({FIELD_TITLES[p.field] ?? p.field}): seen{' '}
                {dayOf(p.first_seen)} – {dayOf(p.last_seen)}
                {p.removed_at && <>, removed {dayOf(p.removed_at)}</>}
              </li>
            ))}
          </ul>
        </section>
      )}
      <section aria-labelledby="h-history">
        <h2 id="h-history">History of analyses</h2>
        <p>
          <Link href={changesHref}>Changes of this lead</Link>
          {' '}(every finding added or removed, with evidence)
        </p>
        {lead.history.length === 0 ? (
          <Empty>No analyses yet.</Empty>
        ) : (
          <table className="grid">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Type</th>
                <th scope="col">Job</th>
                <th scope="col">What changed</th>
              </tr>
            </thead>
            <tbody>
              {lead.history.map((h) => (
                <tr key={h.id}>
                  <td>{formatTime(h.analyzed_at)}</td>
                  <td>{typeLabel(h.job_type)}</td>
                  <td>{h.job_id ? <Link href={`/jobs/${h.job_id}`}>job</Link> : 'direct'}</td>
                  <td>
                    {h.changes === null ? (
                      'first analysis'
                    ) : Object.keys(h.changes).length === 0 ? (
                      'no changes'
                    ) : (
                      <ul className="changes">
                        {Object.entries(h.changes).map(([field, c]) => (
                          <li key={field}>
                            {FIELD_TITLES[field] ?? field}:{' '}
                            {c.added.map((a) => (
                              <span key={`+${a}`} className="added">+{a} </span>
                            ))}
                            {c.removed.map((r) => (
                              <span key={`-${r}`} className="removed">−{r} </span>
                            ))}
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {lead.history_total > lead.history.length && (
          <p>
            Showing the latest {lead.history.length} of {lead.history_total} analyses.
          </p>
        )}
      </section>
    </main>
  );
}
