import { ChangeEvent, useCallback, useEffect, useRef, useState } from 'react';

import {
  allLeadIds,
  ANALYSIS_TYPES,
  api,
  apiText,
  download,
  Finding,
  Lead,
  RenderMode,
} from '../api';
import { useSelection } from '../App';
import { LeadFilterForm } from '../components/LeadFilterForm';
import { Link } from '../components/Link';
import { RenderChoice } from '../components/RenderChoice';
import { Empty, ErrorBox, formatTime, Loading } from '../components/States';
import { Delimiter, exportPath, filterToApiQuery, hasFilter, withParams } from '../leadFilter';
import { navigate } from '../router';
import { useFindingNames } from '../useFindingNames';
import { useLeadFilter } from '../useLeadFilter';

const PAGE_SIZE = 50;

interface ImportReport {
  created: number;
  updated: number;
  rejected_count: number;
  rejected: { line: number; reason: string }[];
}

function findingNames(f: Finding | Finding[] | null | undefined): string {
  if (!f) return '';
  const list = Array.isArray(f) ? f : [f];
  return list.map((x) => x.name).join(', ');
}

export function LeadsPage() {
  const { draft, setDraft, filter, query } = useLeadFilter();
  const names = useFindingNames();
  const [crmDelimiter, setCrmDelimiter] = useState<Delimiter>(';');
  const [offset, setOffset] = useState(0);
  const [leads, setLeads] = useState<Lead[] | null>(null);
  const [total, setTotal] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [reload, setReload] = useState(0);
  const [actionError, setActionError] = useState<unknown>(null);
  const [busy, setBusy] = useState('');
  const [render, setRender] = useState<RenderMode>('auto');
  const [report, setReport] = useState<ImportReport | null>(null);
  const fileRef = useRef<HTMLInputElement>(null);
  const { ids: selected, set: setSelected } = useSelection();

  useEffect(() => setOffset(0), [filter]);

  useEffect(() => {
    const ctl = new AbortController();
    const q = filterToApiQuery(filter);
    q.set('limit', String(PAGE_SIZE));
    q.set('offset', String(offset));
    setLoading(true);
    setError(null);
    api<{ leads: Lead[]; total: number }>('GET', withParams('/api/leads', q), undefined, ctl.signal)
      .then((r) => {
        setLeads(r.leads);
        setTotal(r.total);
        setLoading(false);
      })
      .catch((e) => {
        if ((e as Error).name === 'AbortError') return;
        setError(e);
        setLoading(false);
      });
    return () => ctl.abort();
  }, [filter, offset, reload]);

  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  const pageIds = leads?.map((l) => l.id) ?? [];
  const allOnPage = pageIds.length > 0 && pageIds.every((id) => selected.has(id));
  const togglePage = () => {
    const next = new Set(selected);
    for (const id of pageIds) {
      if (allOnPage) next.delete(id);
      else next.add(id);
    }
    setSelected(next);
  };

  const selectAllMatching = async () => {
    setBusy('select');
    setActionError(null);
    try {
      setSelected(new Set(await allLeadIds(filterToApiQuery(filter))));
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy('');
    }
  };

  const runAnalysis = async (type: string) => {
    setBusy(type);
    setActionError(null);
    try {
      const r = await api<{ job_id: string }>('POST', '/api/batch-analysis/quick-analyze', {
        lead_ids: [...selected],
        analysis_type: type,
        analysis_config: { render },
      });
      navigate(`/jobs/${r.job_id}`);
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy('');
    }
  };

  const importCsv = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    if (!file) return;
    setBusy('import');
    setActionError(null);
    setReport(null);
    try {
      const text = await file.text();
      setReport((await apiText('POST', '/api/leads/import', text, 'text/csv')) as ImportReport);
      setReload((n) => n + 1);
    } catch (err) {
      setActionError(err);
    } finally {
      setBusy('');
      if (fileRef.current) fileRef.current.value = '';
    }
  };

  const exportCsv = useCallback(async (crm: boolean) => {
    setActionError(null);
    try {
      await download(crm ? exportPath(filter, 'crm', crmDelimiter) : exportPath(filter),
                     crm ? 'leads-crm.csv' : 'leads.csv');
    } catch (e) {
      setActionError(e);
    }
  }, [filter, crmDelimiter]);

  const n = selected.size;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const pageNo = Math.floor(offset / PAGE_SIZE) + 1;

  return (
    <main>
      <h1>Leads</h1>
      <section className="toolbar" aria-label="Import and export">
        <label className="button" htmlFor="import-file">
          {busy === 'import' ? 'Importing…' : 'Import CSV'}
        </label>
        <input
          id="import-file"
          ref={fileRef}
          className="visually-hidden"
          type="file"
          accept=".csv,text/csv"
          onChange={importCsv}
        />
        <button type="button" onClick={() => exportCsv(false)}>
          Export CSV
        </button>
        <span className="crm-export">
          <label>
            CRM delimiter
            <select value={crmDelimiter} onChange={(e) => setCrmDelimiter(e.target.value as Delimiter)}>
              <option value=";">; semicolon (Swedish Excel)</option>
              <option value=",">, comma</option>
            </select>
          </label>
          <button type="button" onClick={() => exportCsv(true)}
                  title="HubSpot and Pipedrive import it without mapping columns by hand">
            Export for CRM
          </button>
        </span>
        <Link className="button" href={query ? `/dashboard?${query}` : '/dashboard'}>
          {hasFilter(filter) ? 'Dashboard of these leads' : 'Dashboard'}
        </Link>
      </section>
      <p className="hint">Exports and the dashboard follow the filters below.</p>
      {report && (
        <section className="report" aria-label="Import report" role="status">
          <p>
            Imported: {report.created} new, {report.updated} updated, {report.rejected_count}{' '}
            rejected.
          </p>
          {report.rejected.length > 0 && (
            <ul className="rejected">
              {report.rejected.map((r) => (
                <li key={r.line}>
                  Line {r.line}: {r.reason}
                </li>
              ))}
            </ul>
          )}
          <button type="button" onClick={() => setReport(null)}>
            Dismiss report
          </button>
        </section>
      )}

      <LeadFilterForm draft={draft} setDraft={setDraft} names={names} />

      <section className="actions" aria-label="Batch actions">
        <span className="count" aria-live="polite">
          {n} selected
        </span>
        <RenderChoice id="batch-render" value={render} onChange={setRender} />
        {ANALYSIS_TYPES.map((t, i) => (
          <button
            key={t.type}
            type="button"
            className={i === 0 ? 'primary' : undefined}
            disabled={n === 0 || busy !== ''}
            onClick={() => runAnalysis(t.type)}
          >
            {i === 0 ? `${t.label} (${n} leads)` : t.label}
          </button>
        ))}
        <button type="button" onClick={selectAllMatching} disabled={busy !== '' || total === 0}>
          {busy === 'select' ? 'Selecting…' : `Select all ${total} matching`}
        </button>
        <button type="button" onClick={() => setSelected(new Set())} disabled={n === 0}>
          Clear selection
        </button>
      </section>
      <ErrorBox error={actionError} />

      {error ? (
        <ErrorBox error={error} retry={() => setReload((x) => x + 1)} />
      ) : leads === null ? (
        <Loading what="leads" />
      ) : leads.length === 0 ? (
        <Empty>
          {total === 0 && !hasFilter(filter)
            ? 'No leads yet. Import a CSV file with company_name and domain columns.'
            : 'No leads match these filters.'}
        </Empty>
      ) : (
        <>
          <table className="grid" aria-busy={loading}>
            <caption className="visually-hidden">Leads, page {pageNo} of {pages}</caption>
            <thead>
              <tr>
                <th scope="col">
                  <input type="checkbox" aria-label="Select all leads on this page"
                         checked={allOnPage} onChange={togglePage} />
                </th>
                <th scope="col">Company</th>
                <th scope="col">Domain</th>
                <th scope="col">Platform</th>
                <th scope="col">Checkout</th>
                <th scope="col">Carriers</th>
                <th scope="col">Last analysed</th>
              </tr>
            </thead>
            <tbody>
              {leads.map((l) => (
                <tr key={l.id} className={selected.has(l.id) ? 'selected' : undefined}>
                  <td>
                    <input type="checkbox" aria-label={`Select ${l.company_name}`}
                           checked={selected.has(l.id)} onChange={() => toggle(l.id)} />
                  </td>
                  <td>
                    <Link href={`/leads/${l.id}`}>{l.company_name}</Link>
                  </td>
                  <td>
                    {l.domain ?? (l.domain_suggestion?.status === 'suggested' ? (
                      <span className="suggested" title="Found by a web search; accept it on the lead's page">
                        <em>suggested:</em> {l.domain_suggestion.domain}
                      </span>
                    ) : l.domain_suggestion?.status === 'not_found' ? (
                      <em>no domain (search found none)</em>
                    ) : (
                      <em>no domain</em>
                    ))}
                  </td>
                  <td>{findingNames(l.ecommerce_platform)}</td>
                  <td>{findingNames(l.checkout_solutions)}</td>
                  <td>{findingNames(l.carriers)}</td>
                  <td>{l.last_analyzed_at ? formatTime(l.last_analyzed_at) : 'never'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <nav className="pager" aria-label="Pages">
            <button type="button" disabled={offset === 0}
                    onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}>
              Previous page
            </button>
            <span>
              Page {pageNo} of {pages} · {total} leads
            </span>
            <button type="button" disabled={offset + PAGE_SIZE >= total}
                    onClick={() => setOffset(offset + PAGE_SIZE)}>
              Next page
            </button>
          </nav>
        </>
      )}
    </main>
  );
}
