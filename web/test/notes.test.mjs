// Unit tests of the lead page's analysis notes (src/notes.ts), compiled in memory with Vite's
// esbuild. Run: node --test web/test/   (CTest: web.unit)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { transform } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const source = readFileSync(join(here, '..', 'src', 'notes.ts'), 'utf8');
const { code } = await transform(source, { loader: 'ts', format: 'esm' });
const { analysisNotes, describeError, describeRender } = await import(
  'data:text/javascript;base64,' + Buffer.from(code).toString('base64'));

// A result as AnalysisResult::ToJson writes it (fields that do not matter here left out).
const result = {
  domain: 'kaffebonan.test',
  site_kind: {
    kind: 'shop',
    reasons: ['an e-commerce platform was detected', 'links to a cart or checkout',
              'links to a cart or checkout', 'a cart page'],
  },
  set_aside: [],
  errors: [
    { code: 'http_404', message: 'https://kaffebonan.test/frakt: HTTP 404',
      url: 'https://kaffebonan.test/frakt' },
    { code: 'renderer_unavailable',
      message: 'use_puppeteer: no browser renderer is configured; analysed with plain HTTP' },
  ],
};

test('a shop: why it looks like one, each reason once, then the errors as sentences', () => {
  const notes = analysisNotes(result);
  assert.deepEqual(notes.map((n) => n.kind), ['site', 'error', 'error']);
  assert.equal(notes[0].text, 'This looks like a web shop: an e-commerce platform was detected, ' +
    'links to a cart or checkout and a cart page.');
  assert.equal(notes[1].text, 'The page /frakt was not read: it does not exist (HTTP 404).');
  assert.match(notes[2].text,
               /^A browser was asked for \(render always or use_puppeteer\), but none is configured/);
});

test('no raw JSON and no braces in any note', () => {
  const odd = {
    site_kind: { kind: 'provider', reasons: ['the site is a known provider: klarna.com'] },
    set_aside: [{ name: 'Klarna Checkout', slug: 'klarna-checkout', field: 'checkout_solutions',
                  evidence: [{ page: 'x', field: 'html', matched: '{"a":1}' }] }],
    errors: [{ code: 'weird_new_code', message: 'something new happened' }, 42, null,
             { nested: { a: 1 } }, 'a plain string note'],
  };
  const notes = analysisNotes(odd);
  for (const n of notes) {
    assert.doesNotMatch(n.text, /[{}[\]]/, n.text);
    assert.match(n.text, /[.]$/, n.text);
  }
  assert.deepEqual(notes.map((n) => n.text), [
    'This looks like the site of a provider (payments, shipping or shop software), not a shop: ' +
      'the site is a known provider: klarna.com.',
    'Klarna Checkout was seen but not counted as a checkout solution, because the site looks ' +
      'like the provider’s own, not a shop using it.',
    'Something new happened.',
    'A plain string note.',
  ]);
});

test('page errors without a known code use the message without repeating the URL', () => {
  assert.equal(
    describeError({ code: 'fetch_error', message: 'https://x.test/kassa: connection closed early',
                    url: 'https://x.test/kassa' }),
    'The page /kassa was not read: connection closed early.');
  assert.equal(
    describeError({ code: 'timeout', url: 'https://x.test/', message: 'timed out' }),
    'The page x.test was not read: it took too long.');
  assert.equal(
    describeError({ code: 'timeout', message: "the lead's time budget ran out: 2 fetched page(s) " +
                    'were not analysed' }),
    "The time for this lead ran out: the lead's time budget ran out: 2 fetched page(s) were not " +
      'analysed.');
  assert.equal(
    describeError({ code: 'https_fallback', message: 'https was given up (tls); analysed over http',
                    url: 'https://x.test/' }),
    'The site could not be read over HTTPS, so it was analysed over plain HTTP.');
});

test('nothing to say: no result, or a result without notes', () => {
  assert.deepEqual(analysisNotes(undefined), []);
  assert.deepEqual(analysisNotes(null), []);
  assert.deepEqual(analysisNotes('text'), []);
  assert.deepEqual(analysisNotes({ errors: [], set_aside: [] }), []);
  const unknown = analysisNotes({ site_kind: { kind: 'unknown', reasons: [] } });
  assert.deepEqual(unknown.map((n) => n.text), ['It is not clear what kind of site this is.']);
});

test('why the home page was rendered in a browser, or why not', () => {
  const say = (r) => describeRender({ mode: 'auto', rendered: false, error_code: null, ...r });
  assert.equal(say({ rendered: true, reason: 'auto: script shell (12 characters of text)' }),
               'The home page was also rendered in a browser, because its HTML is a script shell ' +
               '(12 characters of text).');
  assert.equal(say({ rendered: true, reason: 'auto: no platform in the HTTP page (900 characters ' +
                     'of text)' }),
               'The home page was also rendered in a browser, because its HTML names no shop ' +
               'platform.');
  assert.equal(say({ mode: 'always', rendered: true, reason: 'render always' }),
               'The home page was also rendered in a browser, because the job asks for it.');
  assert.equal(say({ reason: 'auto: not needed (2400 characters of text; the HTTP page names ' +
                     'its platform, Shopify)' }),
               'The home page was not rendered in a browser: not needed (2400 characters of ' +
               'text; the HTTP page names its platform, Shopify).');
  assert.equal(say({ mode: 'always', reason: 'render always; not rendered: no browser in this ' +
                     'process' }),
               'The home page was to be rendered in a browser (the job asks for it), but it was ' +
               'not: no browser in this process.');
  assert.equal(say({ mode: 'always', reason: 'render always', error_code: 'bot_challenge' }),
               'The home page was to be rendered in a browser (the job asks for it), but a bot ' +
               'protection service (such as Cloudflare) showed a challenge instead.');
  assert.equal(say({ mode: 'never', reason: 'render never' }),
               'The home page was not rendered in a browser: the job turns it off.');
  // In a result, the note comes after the site kind.
  const notes = analysisNotes({ site_kind: { kind: 'shop', reasons: [] },
                                render: { mode: 'auto', rendered: true, error_code: null,
                                          reason: 'auto: script shell (3 characters of text)' },
                                errors: [] });
  assert.deepEqual(notes.map((n) => n.kind), ['site', 'render']);
});

test('mentions on a site of no clear kind, and a site that sells on a marketplace', () => {
  const mention = analysisNotes({
    site_kind: { kind: 'unknown', reasons: ['no sign of a shop, documentation or an article'] },
    set_aside: [{ name: 'PostNord', field: 'carriers', evidence: [] }],
    errors: [],
  });
  assert.equal(mention[1].text, 'PostNord was seen but not counted as a carrier, because it is ' +
    'only named in the text of a site that shows no sign of a shop.');
  const elsewhere = analysisNotes({
    site_kind: { kind: 'sells_elsewhere',
                 reasons: ['its products are bought elsewhere ("auf amazon kaufen")'] },
    set_aside: [{ name: 'Visa', field: 'payment_methods', evidence: [] }],
    errors: [],
  });
  assert.equal(elsewhere[0].text, 'This site sends its buyers to a marketplace; it has no cart ' +
    'of its own: its products are bought elsewhere ("auf amazon kaufen").');
  assert.match(elsewhere[1].text, /because buyers pay on the marketplace, not on this site\.$/);
});

test('an event\'s site names its sponsors', () => {
  const event = analysisNotes({
    site_kind: { kind: 'event',
                 reasons: ['an event\'s site: "konferencj", "prelegenci", "sponsorzy", "bilety"'] },
    set_aside: [{ name: 'PayU', field: 'checkout_solutions', evidence: [] }],
    errors: [],
  });
  assert.equal(event[0].text, 'This looks like the site of an event (a conference or a fair), ' +
    'not a shop: an event\'s site: "konferencj", "prelegenci", "sponsorzy", "bilety".');
  assert.equal(event[1].text, 'PayU was seen but not counted as a checkout solution, because ' +
    'the event only names it (a sponsor, an exhibitor or a speaker’s firm).');
});
