import { createSseParser, SseEvent } from './sse';

// The API client: every call carries the stored bearer token; errors become ApiError with the
// server's message. Network failures become ApiError with code "offline".

const TOKEN_KEY = 'leadscan.token';

export function getToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setToken(token: string | null): void {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
  window.dispatchEvent(new Event('leadscan-auth'));
}

// Takes "#token=..." from the address, stores it and removes it from the address bar.
export function takeTokenFromFragment(): boolean {
  const hash = window.location.hash;
  if (!hash.startsWith('#')) return false;
  const params = new URLSearchParams(hash.slice(1));
  const token = params.get('token');
  if (!token) return false;
  // Clear the address first: setToken notifies listeners synchronously.
  window.history.replaceState(null, '', window.location.pathname + window.location.search);
  setToken(token);
  return true;
}

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public field?: string,
  ) {
    super(message);
  }
}

type Query = Record<string, string | number | boolean | undefined | null>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    p.set(k, String(v));
  }
  const s = p.toString();
  return s ? `${path}?${s}` : path;
}

async function raw(method: string, path: string, body?: BodyInit, contentType?: string,
                   signal?: AbortSignal): Promise<Response> {
  const headers: Record<string, string> = {};
  const token = getToken();
  if (token) headers['Authorization'] = `Bearer ${token}`;
  if (contentType) headers['Content-Type'] = contentType;
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body, signal });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'offline',
                       navigator.onLine ? 'Cannot reach the leadscan server.' : 'You are offline.');
  }
  if (!res.ok) {
    let code = `http_${res.status}`;
    let message = `The server answered ${res.status} ${res.statusText}`.trim();
    let field: string | undefined;
    try {
      const j = await res.json();
      if (j && j.error) {
        code = j.error.code ?? code;
        message = j.error.message ?? message;
        field = j.error.field ?? undefined;
      }
    } catch {
      // Not JSON: keep the status line.
    }
    if (res.status === 401) window.dispatchEvent(new Event('leadscan-unauthorized'));
    throw new ApiError(res.status, code, message, field);
  }
  return res;
}

export async function api<T>(method: string, path: string, json?: unknown,
                             signal?: AbortSignal): Promise<T> {
  const res = await raw(method, path, json === undefined ? undefined : JSON.stringify(json),
                        json === undefined ? undefined : 'application/json', signal);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export async function apiText(method: string, path: string, body: string,
                              contentType: string): Promise<unknown> {
  const res = await raw(method, path, body, contentType);
  return res.json();
}

// Downloads an authenticated file (the browser cannot add the header to a plain link).
export async function download(path: string, filename: string): Promise<void> {
  const res = await raw('GET', path);
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

export type { SseEvent } from './sse';

// Server-Sent Events over fetch() so the Authorization header can be sent (EventSource cannot).
// Resolves when the stream ends; rejects on HTTP or network errors.
export async function streamEvents(path: string, onEvent: (e: SseEvent) => void,
                                   signal: AbortSignal): Promise<void> {
  const res = await raw('GET', path, undefined, undefined, signal);
  if (!res.body) throw new ApiError(0, 'no_stream', 'The browser cannot read event streams.');
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const push = createSseParser(onEvent);
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    push(value);
  }
}

// ---- Shapes (see src/api/*.cc) ----

// Where a match came from (src/analysis/analysis_result.h, FindingToJson).
export type EvidenceOrigin = 'http' | 'dom' | 'js' | 'network';

export interface Evidence {
  page: string;
  field: string;
  matched: string;
  origin?: EvidenceOrigin;  // absent in results stored before it existed: the HTTP page
  source?: string;
}

export interface Finding {
  name: string;
  slug?: string;
  categories?: (string | number)[];
  confidence?: number;
  version?: string | null;
  evidence?: Evidence[];
}

// A site a web search considered for a lead without a domain (issue 12).
export interface DomainCandidate {
  url: string;
  domain: string;
  title: string;
  rank: number;
  score: number;
  why: string[];
  chosen: boolean;
  skipped: string | null;
  home_page: string | null;
}

// The domain a web search found for a lead, for a user to accept or correct.
export interface DomainSuggestion {
  domain: string | null;
  confidence: number;
  min_confidence: number;
  source: string;
  provider: string;
  status: 'suggested' | 'not_found' | 'accepted' | 'corrected';
  decided_domain: string | null;
  decided_at: string | null;
  candidates: DomainCandidate[];
  created_at: string;
  updated_at: string;
}

export interface Lead {
  id: string;
  company_name: string;
  domain: string | null;
  domain_suggestion?: DomainSuggestion | null;
  extra: Record<string, unknown>;
  ecommerce_platform: Finding | null;
  checkout_solutions: Finding[];
  payment_methods: Finding[];
  carriers: Finding[];
  shipping_software: Finding[];
  technologies: Finding[];
  last_analyzed_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface Change {
  added: string[];
  removed: string[];
}

export interface HistoryRow {
  id: string;
  analyzed_at: string;
  job_id: string | null;
  run_id: string | null;
  job_type: string;
  domain: string;
  result: Record<string, unknown> & { errors?: unknown[]; final_url?: string };
  changes: Record<string, Change> | null;
}

// One finding the lead has had (GET /api/leads/:id's finding_history).
export interface FindingPresence {
  field: string;
  name: string;
  first_seen: string;
  last_seen: string;
  present: boolean;
  added_by: string | null;
  removed_at: string | null;
  removed_by: string | null;
}

export interface LeadDetail extends Lead {
  history: HistoryRow[];
  history_total: number;
  finding_history?: FindingPresence[];
}

export interface Page<T> {
  total: number;
  limit: number;
  offset: number;
  rows: T[];
}

export type JobStatus = 'pending' | 'scheduled' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface Job {
  id: string;
  job_name: string;
  job_type: string;
  status: JobStatus;
  progress: number;
  total_leads: number;
  successful_count: number;
  failed_count: number;
  analysis_config: Record<string, unknown>;
  is_scheduled: boolean;
  schedule_cron: string | null;
  timezone: string;
  enabled: boolean;
  next_run_at: string | null;
  last_run_at: string | null;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  error_message: string | null;
  current_run_id: string | null;
}

export type ItemStatus = 'pending' | 'processing' | 'completed' | 'failed' | 'cancelled';

export interface Item {
  id: string;
  lead_id: string;
  run_id: string;
  company_name: string;
  domain: string | null;
  status: ItemStatus;
  retry_count: number;
  error_code: string | null;
  error_message: string | null;
  // domain_not_found: the web search's candidates ({candidates: [{url, title, score, ...}]}).
  error_details?: { candidates?: { url: string; title?: string; score?: number }[] } | null;
  started_at: string | null;
  completed_at: string | null;
  duration_seconds: number | null;
}

export interface JobDetail extends Job {
  items: Item[];
  items_total: number;
}

export interface Run {
  id: string;
  trigger: string;
  status: string;
  scheduled_for: string | null;
  started_at: string;
  completed_at: string | null;
  total_items: number;
  successful_count: number;
  failed_count: number;
  progress: number;
  error_message: string | null;
}

export interface Me {
  org_id: string;
  role: 'admin' | 'member';
  subject: string;
}

export interface CronPreview {
  expression: string;
  timezone: string;
  description: string;
  next_runs: string[];
}

// analysis_config.render: whether a job also renders home pages in headless Chromium.
export type RenderMode = 'auto' | 'always' | 'never';

export const RENDER_MODES: { mode: RenderMode; label: string }[] = [
  { mode: 'auto', label: 'When needed (auto)' },
  { mode: 'always', label: 'Always' },
  { mode: 'never', label: 'Never' },
];

export const ANALYSIS_TYPES: { type: string; label: string }[] = [
  { type: 'tech_analysis', label: 'Tech Analysis' },
  { type: 'checkout_scraping', label: 'Checkout Scraping' },
  { type: 'full_analysis', label: 'Full Analysis' },
  { type: 'ecommerce_detection', label: 'E-commerce Detection' },
  { type: 'carrier_detection', label: 'Carrier Detection' },
];

export function typeLabel(type: string): string {
  return ANALYSIS_TYPES.find((t) => t.type === type)?.label ?? type;
}

export const FINAL_STATUSES: JobStatus[] = ['completed', 'failed', 'cancelled'];

// Every lead id matching a filter, page by page (the API pages at most 1,000 at a time).
// `filter` may repeat keys (uses=A&uses=B), so it may come as URLSearchParams.
export async function allLeadIds(filter: Query | URLSearchParams): Promise<string[]> {
  const ids: string[] = [];
  const limit = 1000;
  for (let offset = 0; ; offset += limit) {
    const q = filter instanceof URLSearchParams ? new URLSearchParams(filter)
                                                : new URLSearchParams(withQuery('', filter).slice(1));
    q.set('limit', String(limit));
    q.set('offset', String(offset));
    const page = await api<{ leads: Lead[]; total: number }>('GET', `/api/leads?${q.toString()}`);
    for (const l of page.leads) ids.push(l.id);
    if (page.leads.length === 0 || ids.length >= page.total) break;
  }
  return ids;
}
