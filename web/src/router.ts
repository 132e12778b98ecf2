// A small history-API router: the server answers every non-API path with index.html.
import { useEffect, useState } from 'react';

export function navigate(to: string, replace = false): void {
  if (replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.dispatchEvent(new Event('leadscan-nav'));
  window.scrollTo(0, 0);
}

export function useLocation(): { path: string; search: URLSearchParams } {
  const read = () => ({
    path: window.location.pathname,
    search: new URLSearchParams(window.location.search),
  });
  const [loc, setLoc] = useState(read);
  useEffect(() => {
    const update = () => setLoc(read());
    window.addEventListener('popstate', update);
    window.addEventListener('leadscan-nav', update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener('leadscan-nav', update);
    };
  }, []);
  return loc;
}

// Matches "/jobs/:id" against a path; returns the parameters or null.
export function match(pattern: string, path: string): Record<string, string> | null {
  const a = pattern.split('/').filter(Boolean);
  const b = path.split('/').filter(Boolean);
  if (a.length !== b.length) return null;
  const out: Record<string, string> = {};
  for (let i = 0; i < a.length; i++) {
    if (a[i].startsWith(':')) out[a[i].slice(1)] = decodeURIComponent(b[i]);
    else if (a[i] !== b[i]) return null;
  }
  return out;
}

// Replaces the address's query (keeping the path and any key not in `keys`) without a new
// history entry or a scroll: for filters that follow what the user types.
export function replaceQuery(keys: readonly string[], query: URLSearchParams): void {
  const next = new URLSearchParams(window.location.search);
  for (const k of keys) next.delete(k);
  for (const [k, v] of query) next.append(k, v);
  const s = next.toString();
  const to = window.location.pathname + (s ? `?${s}` : '');
  if (to === window.location.pathname + window.location.search) return;
  window.history.replaceState(null, '', to);
  window.dispatchEvent(new Event('leadscan-nav'));
}
