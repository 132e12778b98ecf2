import { useEffect, useMemo, useRef, useState } from 'react';

import { FILTER_KEYS, filterToQuery, LeadFilter, parseFilter } from './leadFilter';
import { replaceQuery, useLocation } from './router';

const WRITE_DELAY_MS = 250;

// The lead filter kept in the address bar. `draft` follows the form as the user types; the
// address (and so `filter`, which pages fetch with) follows the draft after a short pause. A
// change of the address from outside (back button, a link) replaces the draft.
export function useLeadFilter(): {
  draft: LeadFilter;
  setDraft: (f: LeadFilter) => void;
  filter: LeadFilter;
  query: string;
} {
  const { search } = useLocation();
  const query = filterToQuery(parseFilter(search)).toString();
  const [draft, setDraft] = useState<LeadFilter>(() => parseFilter(query));
  const written = useRef(query);

  useEffect(() => {
    if (query === written.current) return;
    written.current = query;
    setDraft(parseFilter(query));
  }, [query]);

  const draftQuery = filterToQuery(draft).toString();
  useEffect(() => {
    if (draftQuery === written.current) return;
    const t = setTimeout(() => {
      written.current = draftQuery;
      replaceQuery(FILTER_KEYS, new URLSearchParams(draftQuery));
    }, WRITE_DELAY_MS);
    return () => clearTimeout(t);
  }, [draftQuery]);

  const filter = useMemo(() => parseFilter(query), [query]);
  return { draft, setDraft, filter, query };
}
