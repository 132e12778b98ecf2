// Unit tests of the lead filter <-> address/API query (src/leadFilter.ts), compiled in memory
// with Vite's esbuild. Run: node --test web/test/   (CTest: web.unit)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { transform } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const source = readFileSync(join(here, '..', 'src', 'leadFilter.ts'), 'utf8');
const { code } = await transform(source, { loader: 'ts', format: 'esm' });
const {
  parseFilter, filterToQuery, filterToApiQuery, exportPath, apiPath, describeFilter, hasFilter,
  dayStartIso, validDay, EMPTY_FILTER,
} = await import('data:text/javascript;base64,' + Buffer.from(code).toString('base64'));

test('conditions keep their order and kinds, and repeat', () => {
  const f = parseFilter('uses=Klarna+Checkout&not_uses=Shopify&uses=PostNord&added=Walley' +
                        '&removed=Klarna&since=2025-03-01&search=kaffe');
  assert.deepEqual(f.conditions, [
    { kind: 'uses', name: 'Klarna Checkout' },
    { kind: 'not_uses', name: 'Shopify' },
    { kind: 'uses', name: 'PostNord' },
    { kind: 'added', name: 'Walley' },
    { kind: 'removed', name: 'Klarna' },
  ]);
  assert.equal(f.since, '2025-03-01');
  assert.equal(f.search, 'kaffe');
});

test('the address query round-trips', () => {
  const q = 'search=kaffe&platform=Shopify&analysed=true&uses=Klarna+Checkout&not_uses=Shopify' +
            '&added=Walley&since=2025-03-01';
  assert.equal(filterToQuery(parseFilter(q)).toString(), q);
  assert.equal(filterToQuery(parseFilter('')).toString(), '');
});

test('malformed values are dropped, not passed on', () => {
  const f = parseFilter('analysed=maybe&since=2025-02-30&uses=&uses=%20%20&bogus=1&added=X');
  assert.equal(f.analysed, '');
  assert.equal(f.since, '');
  assert.deepEqual(f.conditions, [{ kind: 'added', name: 'X' }]);
  assert.equal(filterToQuery(f).toString(), 'added=X');
  assert.equal(validDay('2024-02-29'), '2024-02-29');
  assert.equal(validDay('2023-02-29'), '');
  assert.equal(validDay('2025-3-1'), '');
});

test('the same condition twice (any case) is kept once', () => {
  const f = parseFilter('uses=Klarna&uses=klarna&not_uses=Klarna');
  assert.deepEqual(f.conditions, [{ kind: 'uses', name: 'Klarna' }, { kind: 'not_uses', name: 'Klarna' }]);
});

test('empty condition rows and a since without added/removed stay out of queries', () => {
  const f = { ...EMPTY_FILTER, conditions: [{ kind: 'uses', name: '  ' }, { kind: 'uses', name: ' Walley ' }],
              since: '2025-01-01' };
  assert.equal(filterToQuery(f).toString(), 'uses=Walley');
  assert.equal(filterToApiQuery(f).toString(), 'uses=Walley');
  assert.ok(hasFilter(f));
  assert.ok(!hasFilter({ ...EMPTY_FILTER, conditions: [{ kind: 'added', name: '' }] }));
});

test('the API gets since as the instant the local day starts', () => {
  const f = parseFilter('added=Walley&since=2025-03-01&search=%20kaffe%20');
  const q = filterToApiQuery(f);
  assert.equal(q.get('since'), dayStartIso('2025-03-01'));
  assert.equal(new Date(q.get('since')).getTime(), new Date(2025, 2, 1).getTime());
  assert.equal(q.get('search'), 'kaffe');
  assert.deepEqual(q.getAll('added'), ['Walley']);
});

test('export paths carry the filter and the CRM layout with its delimiter', () => {
  const f = parseFilter('uses=Klarna+Checkout&not_uses=Shopify');
  assert.equal(exportPath(f), '/api/leads/export?uses=Klarna+Checkout&not_uses=Shopify');
  assert.equal(exportPath(f, 'crm', ';'),
               '/api/leads/export?uses=Klarna+Checkout&not_uses=Shopify&layout=crm&delimiter=%3B');
  assert.equal(exportPath(EMPTY_FILTER, 'crm', ','), '/api/leads/export?layout=crm&delimiter=%2C');
  assert.equal(apiPath('/api/market', f, { weeks: 12 }),
               '/api/market?uses=Klarna+Checkout&not_uses=Shopify&weeks=12');
});

test('the filter reads as words', () => {
  assert.equal(describeFilter(EMPTY_FILTER), '');
  assert.equal(
    describeFilter(parseFilter('uses=Klarna+Checkout&not_uses=Shopify&added=Walley&since=2025-03-01')),
    'using Klarna Checkout, not using Shopify, that added Walley since 1 Mar 2025');
  assert.equal(describeFilter(parseFilter('removed=Klarna&analysed=false')),
               'not analysed yet, that removed Klarna');
});
