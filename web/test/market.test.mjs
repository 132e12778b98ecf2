// Unit tests of the dashboard's data shaping (src/market.ts), compiled in memory with Vite's
// esbuild. Run: node --test web/test/   (CTest: web.unit)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { transform } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const source = readFileSync(join(here, '..', 'src', 'market.ts'), 'utf8');
const { code } = await transform(source, { loader: 'ts', format: 'esm' });
const {
  shareBars, shareSummary, weekSeries, timelineProviders, timelineTableRows, timelineSummary,
  switchBars, addDays, formatPercent, weekStart, weekWindow,
} = await import('data:text/javascript;base64,' + Buffer.from(code).toString('base64'));

test('shares sort largest first, ties by name, as a percent of analysed leads', () => {
  const bars = shareBars([{ name: 'Walley', count: 1 }, { name: 'Klarna Checkout', count: 2 },
                          { name: 'Adyen', count: 1 }, { name: 'Gone', count: 0 }], 3);
  assert.deepEqual(bars, [
    { name: 'Klarna Checkout', count: 2, percent: 66.7 },
    { name: 'Adyen', count: 1, percent: 33.3 },
    { name: 'Walley', count: 1, percent: 33.3 },
  ]);
  assert.deepEqual(shareBars(undefined, 3), []);
  assert.equal(shareBars([{ name: 'A', count: 2 }], 0)[0].percent, 0);
  assert.equal(formatPercent(50), '50 %');
  assert.equal(formatPercent(33.3), '33.3 %');
});

test('a share chart has a one-sentence summary', () => {
  const bars = shareBars([{ name: 'Shopify', count: 5 }, { name: 'WooCommerce', count: 4 },
                          { name: 'Magento', count: 2 }, { name: 'Wix', count: 1 }], 12);
  assert.equal(shareSummary('E-commerce platforms', bars, 12),
               'E-commerce platforms among 12 analysed leads: Shopify 5 (41.7 %), ' +
               'WooCommerce 4 (33.3 %), Magento 2 (16.7 %), and 1 more.');
  assert.equal(shareSummary('Carriers', [], 12), 'Carriers: none found among 12 analysed leads.');
});

const timeline = [
  { week_start: '2025-03-03', field: 'checkout_solutions', name: 'Klarna Checkout', added: 0, removed: 2 },
  { week_start: '2025-03-03', field: 'checkout_solutions', name: 'Walley', added: 2, removed: 0 },
  { week_start: '2025-03-17', field: 'carriers', name: 'PostNord', added: 1, removed: 0 },
  { week_start: '2025-02-24', field: 'checkout_solutions', name: 'Walley', added: 1, removed: 1 },
];

test('the week series fills gaps with zero weeks and sums the providers', () => {
  assert.equal(addDays('2025-12-29', 7), '2026-01-05');
  assert.equal(addDays('2025-03-31', -7), '2025-03-24');
  assert.deepEqual(weekSeries(timeline), [
    { week_start: '2025-02-24', added: 1, removed: 1, removed_down: -1 },
    { week_start: '2025-03-03', added: 2, removed: 2, removed_down: -2 },
    { week_start: '2025-03-10', added: 0, removed: 0, removed_down: -0 },
    { week_start: '2025-03-17', added: 1, removed: 0, removed_down: -0 },
  ]);
  assert.deepEqual(weekSeries(timeline, 'checkout_solutions', 'Walley').map((p) => p.added), [1, 2]);
  assert.deepEqual(weekSeries(timeline, 'carriers').map((p) => p.week_start), ['2025-03-17']);
  assert.deepEqual(weekSeries([]), []);
});

test('the series spans the whole window of weeks when given one', () => {
  assert.equal(weekStart(new Date('2025-03-19T12:00:00Z')), '2025-03-17');
  assert.equal(weekStart(new Date('2025-03-17T00:00:00Z')), '2025-03-17');
  assert.equal(weekStart(new Date('2025-03-23T23:59:59Z')), '2025-03-17');
  assert.equal(weekStart(new Date('2026-01-01T08:00:00Z')), '2025-12-29');
  const w = weekWindow(new Date('2025-03-26T09:00:00Z'), 6);
  assert.deepEqual(w, { from: '2025-02-17', to: '2025-03-24' });
  const s = weekSeries(timeline, '', '', w);
  assert.equal(s.length, 6);
  assert.equal(s[0].week_start, '2025-02-17');
  assert.equal(s[5].week_start, '2025-03-24');
  assert.equal(s[1].added, 1);
  // No rows at all: nothing to draw, whatever the window.
  assert.deepEqual(weekSeries([], '', '', w), []);
});

test('providers are ordered by activity; the table is newest first', () => {
  assert.deepEqual(timelineProviders(timeline).map((p) => [p.name, p.added, p.removed]), [
    ['Walley', 3, 1], ['Klarna Checkout', 0, 2], ['PostNord', 1, 0]]);
  assert.deepEqual(timelineTableRows(timeline).map((r) => `${r.week_start} ${r.name}`), [
    '2025-03-17 PostNord', '2025-03-03 Klarna Checkout', '2025-03-03 Walley', '2025-02-24 Walley']);
  assert.equal(timelineTableRows(timeline, 'carriers').length, 1);
});

test('the timeline summary names the totals and the busiest week', () => {
  assert.equal(timelineSummary(weekSeries(timeline), 'all providers'),
               'Changes of all providers per week from 2025-02-24 to 2025-03-17: 4 added and 3 ' +
               'removed in all; the busiest week began 2025-03-03 (2 added, 2 removed).');
  assert.equal(timelineSummary([], 'Walley'), 'No changes of Walley in these weeks.');
});

test('switches: most frequent first, with an arrow label', () => {
  const s = switchBars([
    { field: 'checkout_solutions', from: 'Klarna Checkout', to: 'Walley', count: 1 },
    { field: 'ecommerce_platform', from: 'WooCommerce', to: 'Shopify', count: 3 },
    { field: 'carriers', from: 'DHL', to: 'PostNord', count: 0 },
  ]);
  assert.deepEqual(s.map((x) => x.label), ['WooCommerce → Shopify', 'Klarna Checkout → Walley']);
});
