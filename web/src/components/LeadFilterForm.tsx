import { useEffect, useId, useRef, useState } from 'react';

import {
  CONDITION_KINDS,
  ConditionKind,
  describeFilter,
  EMPTY_FILTER,
  hasFilter,
  LeadFilter,
  usesSince,
} from '../leadFilter';

// The lead-list filter form shared by the Leads page and the dashboard: the plain filters
// (search, platform, checkout, carrier, analysed) and any number of technology conditions
// ("uses X", "does not use X", "added X since D", "removed X since D"). `names` suggests
// finding names for the conditions.
export function LeadFilterForm({
  draft,
  setDraft,
  names = [],
  showAnalysed = true,
}: {
  draft: LeadFilter;
  setDraft: (f: LeadFilter) => void;
  names?: string[];
  showAnalysed?: boolean;
}) {
  const id = useId();
  const listId = `${id}-names`;
  const addRef = useRef<HTMLButtonElement>(null);
  const [focusRow, setFocusRow] = useState<number | null>(null);
  const rowRefs = useRef<(HTMLSelectElement | null)[]>([]);

  useEffect(() => {
    if (focusRow === null) return;
    rowRefs.current[focusRow]?.focus();
    setFocusRow(null);
  }, [focusRow]);

  const set = (patch: Partial<LeadFilter>) => setDraft({ ...draft, ...patch });
  const setCondition = (i: number, patch: { kind?: ConditionKind; name?: string }) =>
    set({ conditions: draft.conditions.map((c, j) => (j === i ? { ...c, ...patch } : c)) });
  const addCondition = () => {
    set({ conditions: [...draft.conditions, { kind: 'uses', name: '' }] });
    setFocusRow(draft.conditions.length);
  };
  const removeCondition = (i: number) => {
    set({ conditions: draft.conditions.filter((_, j) => j !== i) });
    addRef.current?.focus();
  };
  const sinceMatters = usesSince(draft) ||
                       draft.conditions.some((c) => c.kind === 'added' || c.kind === 'removed');
  const summary = describeFilter(draft);

  return (
    <form className="lead-filter" role="search" aria-label="Filter leads"
          onSubmit={(e) => e.preventDefault()}>
      <div className="filters">
        <label>
          Search
          <input type="search" value={draft.search} onChange={(e) => set({ search: e.target.value })}
                 placeholder="Company or domain" />
        </label>
        <label>
          Platform
          <input value={draft.platform} onChange={(e) => set({ platform: e.target.value })}
                 placeholder="e.g. WooCommerce" />
        </label>
        <label>
          Checkout
          <input value={draft.checkout} onChange={(e) => set({ checkout: e.target.value })}
                 placeholder="e.g. Klarna Checkout" />
        </label>
        <label>
          Carrier
          <input value={draft.carrier} onChange={(e) => set({ carrier: e.target.value })}
                 placeholder="e.g. PostNord" />
        </label>
        {showAnalysed && (
          <label>
            Analysed
            <select value={draft.analysed}
                    onChange={(e) => set({ analysed: e.target.value as LeadFilter['analysed'] })}>
              <option value="">Any</option>
              <option value="true">Analysed</option>
              <option value="false">Not analysed</option>
            </select>
          </label>
        )}
      </div>
      <fieldset className="conditions">
        <legend>Technology conditions (all must hold)</legend>
        {draft.conditions.length === 0 && (
          <p className="hint">
            None. Add one to find leads that use, do not use, added or removed a platform,
            checkout, payment method, carrier or any other finding.
          </p>
        )}
        <ol className="condition-list">
          {draft.conditions.map((c, i) => (
            <li key={i} className="condition">
              <span className="field">
                <label htmlFor={`${id}-kind-${i}`}>Condition {i + 1}</label>
                <select id={`${id}-kind-${i}`} ref={(el) => { rowRefs.current[i] = el; }}
                        value={c.kind}
                        onChange={(e) => setCondition(i, { kind: e.target.value as ConditionKind })}>
                  {CONDITION_KINDS.map((k) => (
                    <option key={k.kind} value={k.kind}>{k.label}</option>
                  ))}
                </select>
              </span>
              <span className="field">
                <label htmlFor={`${id}-name-${i}`}>Finding name {i + 1}</label>
                <input id={`${id}-name-${i}`} value={c.name}
                       list={names.length > 0 ? listId : undefined} placeholder="e.g. Walley"
                       onChange={(e) => setCondition(i, { name: e.target.value })} />
              </span>
              <button type="button" onClick={() => removeCondition(i)}
                      aria-label={`Remove condition ${i + 1}`}>
                Remove
              </button>
            </li>
          ))}
        </ol>
        <div className="condition-tools">
          <button ref={addRef} type="button" onClick={addCondition}>
            Add condition
          </button>
          <label>
            Added or removed since
            <input type="date" value={draft.since} disabled={!sinceMatters}
                   aria-describedby={`${id}-since-hint`}
                   onChange={(e) => set({ since: e.target.value })} />
          </label>
          <span id={`${id}-since-hint`} className="hint">
            {sinceMatters
              ? 'Applies to the “Added” and “Removed” conditions; empty means any time.'
              : 'Used by “Added” and “Removed” conditions.'}
          </span>
          <button type="button" disabled={!hasFilter(draft) && draft.conditions.length === 0}
                  onClick={() => setDraft({ ...EMPTY_FILTER, conditions: [] })}>
            Clear filters
          </button>
        </div>
      </fieldset>
      {names.length > 0 && (
        <datalist id={listId}>
          {names.map((n) => (
            <option key={n} value={n} />
          ))}
        </datalist>
      )}
      <p className="filter-summary">
        {summary ? `Showing leads ${summary}.` : 'Showing all leads.'}
      </p>
    </form>
  );
}
