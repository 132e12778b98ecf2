// An analysis's notes as sentences for people: what kind of site it looked like and why
// (site_kind), what was seen but not counted (set_aside) and what went wrong on the way
// (errors). The shapes are AnalysisResult::ToJson's (src/analysis/analysis_result.cc;
// docs/openapi.json, schema AnalysisResult). Pure: no React, no fetch; unit-tested in
// web/test/notes.test.mjs. Anything unexpected in the result is skipped, never shown raw.

export interface AnalysisError {
  code: string;
  message: string;
  url?: string;
}

export interface SetAside {
  name: string;
  field: string;
}

export interface SiteKind {
  kind: string;
  reasons: string[];
}

export interface RenderDecision {
  mode: string;
  rendered: boolean;
  reason: string;
  error_code: string | null;
}

export interface Note {
  kind: 'site' | 'render' | 'set_aside' | 'error';
  text: string;
}

const FIELD_NAMES: Record<string, string> = {
  ecommerce_platform: 'the e-commerce platform',
  checkout_solutions: 'a checkout solution',
  payment_methods: 'a payment method',
  carriers: 'a carrier',
  shipping_software: 'shipping software',
  technologies: 'a technology',
};

const KIND_SENTENCES: Record<string, string> = {
  shop: 'This looks like a web shop',
  provider:
    'This looks like the site of a provider (payments, shipping or shop software), not a shop',
  documentation: 'This looks like documentation or a help centre, not a shop',
  article: 'This looks like an article or a blog, not a shop',
  sells_elsewhere: 'This site sends its buyers to a marketplace; it has no cart of its own',
  event: 'This looks like the site of an event (a conference or a fair), not a shop',
  unknown: 'It is not clear what kind of site this is',
};

// Why a page was not read, by error code (src/fetch/errors.h); the message is used otherwise.
const PAGE_REASONS: Record<string, string> = {
  http_401: 'it needs a login (HTTP 401)',
  http_403: 'the site refused it (HTTP 403)',
  http_404: 'it does not exist (HTTP 404)',
  http_410: 'it has been removed (HTTP 410)',
  http_429: 'the site asked us to slow down (HTTP 429)',
  http_5xx: 'the site had a server error',
  robots_disallowed: 'the site’s robots.txt asks crawlers not to read it',
  not_html: 'it is not a web page (an image, a file or similar)',
  body_too_large: 'it is larger than the limit',
  too_many_redirects: 'it redirects too many times',
  timeout: 'it took too long',
  connect_timeout: 'the site did not answer in time',
  connect_refused: 'the site refused the connection',
  connection_reset: 'the connection was dropped',
  dns_not_found: 'the domain does not exist',
  tls_error: 'its secure connection (TLS) failed',
  blocked_address: 'it points to a private or blocked address',
  lead_budget_exceeded: 'the byte budget for this lead was already spent',
  provider_auth: 'Firecrawl refused the configured API key',
  provider_quota: 'the Firecrawl credits or daily quota are used up',
  provider_rate_limited: 'Firecrawl asked us to slow down',
  provider_unavailable: 'Firecrawl could not be reached or failed',
  provider_bad_response: 'Firecrawl gave an answer that could not be read',
  provider_rejected: 'Firecrawl refused to read it',
  bot_challenge: 'a bot protection service (such as Cloudflare) showed a challenge instead',
};

const GENERAL: Record<string, (e: AnalysisError) => string> = {
  renderer_unavailable: () =>
    'A browser was asked for (render always or use_puppeteer), but none is configured, so the ' +
    'site was read as plain HTML.',
  firecrawl_unavailable: () =>
    'Firecrawl was asked for (use_firecrawl), but it is not configured, so the site was read ' +
    'as plain HTML.',
  https_fallback: () =>
    'The site could not be read over HTTPS, so it was analysed over plain HTTP.',
  html_truncated: (e) =>
    `${e.url ? `The page ${shortUrl(e.url)}` : 'A page'} is very large and was only partly read ` +
    `(${sentenceBody(e.message)}).`,
  timeout: (e) => `The time for this lead ran out: ${sentenceBody(e.message)}.`,
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

// "the lead's time budget ran out: 2 ..." -> without a trailing period, so it can be embedded.
function sentenceBody(text: string): string {
  return text.trim().replace(/[.\s]+$/, '');
}

function capitalise(text: string): string {
  return text.length === 0 ? text : text[0].toUpperCase() + text.slice(1);
}

// The path of a URL for a shorter sentence ("https://x.se/frakt" -> "/frakt"); the URL itself
// when it cannot be parsed.
function shortUrl(url: string): string {
  try {
    const u = new URL(url);
    const path = u.pathname + u.search;
    return path === '/' ? u.host : path;
  } catch {
    return url;
  }
}

// Fetch messages start with the URL ("https://x/y: HTTP 404"); drop it when the sentence names it.
function withoutUrl(message: string, url: string): string {
  const m = message.trim();
  return url && m.startsWith(url + ':') ? m.slice(url.length + 1).trim() : m;
}

function joinList(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return items.slice(0, -1).join(', ') + ' and ' + items[items.length - 1];
}

export function describeError(e: AnalysisError): string {
  const url = str(e.url);
  const general = GENERAL[e.code];
  if (general && !(url && e.code === 'timeout')) return general(e);
  if (!url) return capitalise(sentenceBody(e.message) || e.code) + '.';
  const reason = PAGE_REASONS[e.code] || sentenceBody(withoutUrl(e.message, url)) || e.code;
  return `The page ${shortUrl(url)} was not read: ${reason}.`;
}

export function describeSiteKind(site: SiteKind): string {
  const start = KIND_SENTENCES[site.kind] ?? KIND_SENTENCES.unknown;
  const reasons = [...new Set(site.reasons.map((r) => sentenceBody(r)).filter((r) => r))];
  if (reasons.length === 0) return start + '.';
  return `${start}: ${joinList(reasons)}.`;
}

export function describeSetAside(f: SetAside, siteKind: string): string {
  const what = FIELD_NAMES[f.field] ?? f.field;
  const why = siteKind === 'provider'
    ? 'the site looks like the provider’s own, not a shop using it'
    : siteKind === 'documentation' ? 'it is only mentioned in documentation'
    : siteKind === 'article' ? 'it is only mentioned in an article'
    : siteKind === 'sells_elsewhere' ? 'buyers pay on the marketplace, not on this site'
    : siteKind === 'event' ? 'the event only names it (a sponsor, an exhibitor or a speaker’s firm)'
    : siteKind === 'unknown' ? 'it is only named in the text of a site that shows no sign of a shop'
    : 'of the kind of site this is';
  return `${f.name} was seen but not counted as ${what}, because ${why}.`;
}

// Why the home page was (or was not) rendered in a browser, from the result's `render`
// (AnalysisResult::ToJson; reasons as src/analysis/analyzer.cc words them).
export function describeRender(r: RenderDecision): string {
  const reason = sentenceBody(r.reason);
  const because = (why: string): string => {
    const shell = why.match(/^auto: script shell \((\d+) characters of text\)/);
    if (shell) return `its HTML is a script shell (${shell[1]} characters of text)`;
    const none = why.match(/^auto: no platform in the HTTP page/);
    if (none) return 'its HTML names no shop platform';
    if (why.startsWith('render always') || why.startsWith('use_puppeteer'))
      return 'the job asks for it';
    return why;
  };
  if (r.mode === 'never') return 'The home page was not rendered in a browser: the job turns it off.';
  if (r.rendered) return `The home page was also rendered in a browser, because ${because(reason)}.`;
  if (r.error_code) {
    const what = PAGE_REASONS[r.error_code] ?? r.error_code;
    return `The home page was to be rendered in a browser (${because(reason)}), but ${what}.`;
  }
  const cut = reason.indexOf('; not rendered: ');
  if (cut >= 0) {
    const why = reason.slice(cut + '; not rendered: '.length);
    return `The home page was to be rendered in a browser (${because(reason.slice(0, cut))}), ` +
      `but it was not: ${why}.`;
  }
  const needless = reason.match(/^auto: not needed \((.*)\)$/);
  if (needless) return `The home page was not rendered in a browser: not needed (${needless[1]}).`;
  return `The home page was not rendered in a browser (${reason}).`;
}

// Every note of one analysis result, site kind first, then rendering, then what was set aside,
// then errors.
export function analysisNotes(result: unknown): Note[] {
  if (!isObject(result)) return [];
  const notes: Note[] = [];
  let kind = 'unknown';
  const site = result.site_kind;
  if (isObject(site) && typeof site.kind === 'string') {
    kind = site.kind;
    const reasons = Array.isArray(site.reasons)
      ? site.reasons.filter((r) => typeof r === 'string')
      : [];
    notes.push({ kind: 'site', text: describeSiteKind({ kind, reasons: reasons as string[] }) });
  }
  const render = result.render;
  if (isObject(render) && str(render.mode) && str(render.reason)) {
    notes.push({
      kind: 'render',
      text: describeRender({
        mode: str(render.mode),
        rendered: render.rendered === true,
        reason: str(render.reason),
        error_code: str(render.error_code) || null,
      }),
    });
  }
  if (Array.isArray(result.set_aside)) {
    for (const f of result.set_aside) {
      if (isObject(f) && str(f.name) && str(f.field)) {
        const text = describeSetAside({ name: str(f.name), field: str(f.field) }, kind);
        notes.push({ kind: 'set_aside', text });
      }
    }
  }
  if (Array.isArray(result.errors)) {
    for (const e of result.errors) {
      if (typeof e === 'string' && e.trim()) {
        notes.push({ kind: 'error', text: capitalise(sentenceBody(e)) + '.' });
      } else if (isObject(e) && (str(e.code) || str(e.message))) {
        notes.push({
          kind: 'error',
          text: describeError({ code: str(e.code), message: str(e.message), url: str(e.url) }),
        });
      }
    }
  }
  return notes;
}
