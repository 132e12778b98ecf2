import { useEffect, useState } from 'react';

import { api } from './api';
import { Market } from './market';

// Finding names seen across the organisation's leads (from GET /api/market's shares), sorted,
// to suggest in filter inputs. Empty until loaded, or when the call fails: suggestions only.
export function useFindingNames(): string[] {
  const [names, setNames] = useState<string[]>([]);
  useEffect(() => {
    const ctl = new AbortController();
    api<Market>('GET', '/api/market?weeks=1', undefined, ctl.signal)
      .then((m) => {
        const all = new Set<string>();
        for (const list of Object.values(m.shares ?? {})) {
          for (const x of list ?? []) all.add(x.name);
        }
        setNames([...all].sort((a, b) => a.localeCompare(b)));
      })
      .catch(() => {});
    return () => ctl.abort();
  }, []);
  return names;
}
