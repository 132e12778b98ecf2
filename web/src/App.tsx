import {
  createContext, lazy, ReactNode, Suspense, useCallback, useContext, useEffect, useMemo, useState,
} from 'react';

import { api, getToken, Me, setToken, takeTokenFromFragment } from './api';
import { ChunkBoundary } from './components/ChunkBoundary';
import { Link } from './components/Link';
import { Loading } from './components/States';
import { ChangeFeedPage } from './pages/Changes';
import { JobDetailPage } from './pages/JobDetail';
import { JobsPage } from './pages/Jobs';
import { LeadDetailPage } from './pages/LeadDetail';
import { LeadsPage } from './pages/Leads';
import { SchedulerPage } from './pages/Scheduler';
import { SchedulesPage } from './pages/Schedules';
import { SignIn } from './pages/SignIn';
import { match, navigate, useLocation } from './router';

// The dashboard and its chart library load only when it is opened.
const DashboardPage = lazy(() => import('./pages/Dashboard').then((m) => ({ default: m.DashboardPage })));

// The lead selection outlives the Leads page so schedules can be created from it.
interface Selection {
  ids: Set<string>;
  set: (ids: Set<string>) => void;
}

const SelectionContext = createContext<Selection>({ ids: new Set(), set: () => {} });
export const useSelection = () => useContext(SelectionContext);

const MeContext = createContext<Me | null>(null);
export const useMe = () => useContext(MeContext);

function useOnline(): boolean {
  const [online, setOnline] = useState(navigator.onLine);
  useEffect(() => {
    const on = () => setOnline(true);
    const off = () => setOnline(false);
    window.addEventListener('online', on);
    window.addEventListener('offline', off);
    return () => {
      window.removeEventListener('online', on);
      window.removeEventListener('offline', off);
    };
  }, []);
  return online;
}

export function App() {
  const [token, setTok] = useState(getToken());
  const [me, setMe] = useState<Me | null>(null);
  const [ids, setIds] = useState<Set<string>>(new Set());
  const online = useOnline();
  const { path } = useLocation();

  useEffect(() => {
    const update = () => setTok(getToken());
    const hashChanged = () => {
      if (!takeTokenFromFragment()) update();
    };
    const unauthorized = () => {
      setToken(null);
    };
    window.addEventListener('leadscan-auth', update);
    window.addEventListener('hashchange', hashChanged);
    window.addEventListener('leadscan-unauthorized', unauthorized);
    return () => {
      window.removeEventListener('leadscan-auth', update);
      window.removeEventListener('hashchange', hashChanged);
      window.removeEventListener('leadscan-unauthorized', unauthorized);
    };
  }, []);

  useEffect(() => {
    setMe(null);
    if (!token) return;
    api<Me>('GET', '/api/me').then(setMe, () => {});
  }, [token]);

  const selection = useMemo(() => ({ ids, set: setIds }), [ids]);
  const signOut = useCallback(() => {
    setToken(null);
    navigate('/');
  }, []);

  let page: ReactNode;
  let params: Record<string, string> | null;
  if (!token) {
    page = <SignIn />;
  } else if ((params = match('/leads/:id', path))) {
    page = <LeadDetailPage id={params.id} />;
  } else if ((params = match('/jobs/:id', path))) {
    page = <JobDetailPage id={params.id} />;
  } else if (match('/jobs', path)) {
    page = <JobsPage />;
  } else if (match('/dashboard', path)) {
    page = (
      <ChunkBoundary>
        <Suspense fallback={<main><Loading what="the dashboard" /></main>}>
          <DashboardPage />
        </Suspense>
      </ChunkBoundary>
    );
  } else if (match('/changes', path)) {
    page = <ChangeFeedPage />;
  } else if (match('/schedules', path)) {
    page = <SchedulesPage />;
  } else if (match('/scheduler', path)) {
    page = <SchedulerPage />;
  } else if (match('/', path) || match('/leads', path)) {
    page = <LeadsPage />;
  } else {
    page = (
      <main>
        <h1>Page not found</h1>
        <p>
          <Link href="/leads">Go to the leads</Link>
        </p>
      </main>
    );
  }

  const nav = (href: string, label: string) => {
    const current = path === href || (href !== '/leads' && path.startsWith(href + '/')) ||
                    (href === '/leads' && (path === '/' || path.startsWith('/leads')));
    return (
      <li>
        <Link href={href} aria-current={current ? 'page' : undefined}>
          {label}
        </Link>
      </li>
    );
  };

  return (
    <MeContext.Provider value={me}>
      <SelectionContext.Provider value={selection}>
        <a className="skip" href="#content">
          Skip to content
        </a>
        <header className="top">
          <span className="brand">leadscan</span>
          {token && (
            <nav aria-label="Main">
              <ul>
                {nav('/leads', 'Leads')}
                {nav('/dashboard', 'Dashboard')}
                {nav('/changes', 'Changes')}
                {nav('/jobs', 'Jobs')}
                {nav('/schedules', 'Scheduled jobs')}
                {me?.role === 'admin' && nav('/scheduler', 'Scheduler')}
              </ul>
            </nav>
          )}
          {token && (
            <div className="who">
              {me && <span title={`Signed in as ${me.subject}`}>{me.role}</span>}
              <button type="button" onClick={signOut}>
                Sign out
              </button>
            </div>
          )}
        </header>
        {!online && (
          <div className="banner offline" role="alert">
            You are offline. Changes cannot be saved until the connection is back.
          </div>
        )}
        <div id="content">{page}</div>
      </SelectionContext.Provider>
    </MeContext.Provider>
  );
}
