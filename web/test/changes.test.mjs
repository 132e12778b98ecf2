// Unit tests of the change feed's filter and row helpers (src/changes.ts), bundled in memory
// with Vite's esbuild. Run: node --test web/test/   (CTest: web.unit)
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const out = await build({ entryPoints: [join(here, '..', 'src', 'changes.ts')], bundle: true,
                          write: false, format: 'esm', logLevel: 'silent' });
const { parseFeed, feedToQuery, feedApiPath, previousName, evidenceLines, EMPTY_FEED } =
  await import('data:text/javascript;base64,' + Buffer.from(out.outputFiles[0].text).toString('base64'));

test('the feed filter round-trips through the address', () => {
  const q = 'lead_id=L1&since=2025-03-01&until=2025-03-31&field=checkout_solutions&name=Walley&change=added&limit=10';
  assert.equal(feedToQuery(parseFeed(q)).toString(), q);
  assert.equal(feedToQuery(parseFeed('')).toString(), '');
});

test('unknown fields, changes and days are dropped', () => {
  const f = parseFeed('field=secrets&change=maybe&since=2025-13-01&until=yesterday&name=X');
  assert.deepEqual(f, { ...EMPTY_FEED, name: 'X' });
});

test('the API gets the local day bounds, the until day included, limit and cursor', () => {
  const path = feedApiPath(parseFeed('since=2025-03-01&until=2025-03-31&name=%20Walley%20&lead_id=L1&limit=25'),
                           'abc+/=');
  const q = new URLSearchParams(path.split('?')[1]);
  assert.ok(path.startsWith('/api/changes?'));
  assert.equal(new Date(q.get('since')).getTime(), new Date(2025, 2, 1).getTime());
  assert.equal(new Date(q.get('until')).getTime(), new Date(2025, 3, 1).getTime());
  assert.equal(q.get('name'), 'Walley');
  assert.equal(q.get('lead_id'), 'L1');
  assert.equal(q.get('limit'), '25');
  assert.equal(q.get('cursor'), 'abc+/=');
  assert.equal(feedApiPath(EMPTY_FEED), '/api/changes?limit=50');
});

test('the page size comes from the address within the API bounds', () => {
  assert.equal(parseFeed('limit=2').limit, 2);
  assert.equal(feedToQuery(parseFeed('limit=2')).toString(), 'limit=2');
  for (const bad of ['0', '501', '2.5', '-1', 'ten', '']) {
    assert.equal(parseFeed(`limit=${bad}`).limit, 50, bad);
  }
  assert.equal(feedToQuery(parseFeed('limit=50')).toString(), '');
});

test('previous platform and evidence read as text', () => {
  assert.equal(previousName('WooCommerce'), 'WooCommerce');
  assert.equal(previousName({ name: 'Magento' }), 'Magento');
  assert.equal(previousName(null), '');
  assert.deepEqual(evidenceLines([{ page: 'https://a.test/checkout', field: 'script', matched: 'walley.js' },
                                  'plain', { other: 1 }]),
                   ['https://a.test/checkout · script · walley.js', 'plain', '{"other":1}']);
  assert.deepEqual(evidenceLines(null), []);
  assert.equal(evidenceLines(Array(20).fill('x')).length, 10);
});
