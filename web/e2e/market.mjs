// End-to-end test of the market views in headless Chromium (issue 14): two analyses of a demo
// shop whose checkout changes between them, then the dashboard's shares, timeline and
// switches, the change feed (also from the lead page), the lead filters in the list, the
// dashboard and both CSV exports, and keyboard access to the charts and every data table.
//
// Usage: node web/e2e/market.mjs --leadscan BIN --fakenet BIN [--sites DIR] [--artifacts DIR]
//        [--chromium /usr/bin/chromium] [--timeout-s 300]      (CTest: e2e.web_market)

import { request } from 'node:http';

import { check, log, run, streamText } from './harness.mjs';

// The demo shop whose checkout changes between the two analyses (tests/fakenet/sites/README.md):
// Kustom Checkout at first, Walley Checkout once the fake internet serves its `walley` variant.
const SWITCHING = 'vaxelboden.test';
const OLD_CHECKOUT = 'Kustom Checkout';
const NEW_CHECKOUT = 'Walley Checkout';
// None of them uses Walley Checkout (tests/fakenet/sites/expected.json).
const STEADY = ['kaffebonan.test', 'tradgardsboden.test', 'verktygsladan.test', 'hundbutiken.test'];

// Switches a fake-internet site to one of its variants (/_fakenet/variant/<name> on its host).
function switchVariant(httpPort, host, variant) {
  return new Promise((resolveSwitch, rejectSwitch) => {
    const req = request({ host: '127.0.0.1', port: httpPort, path: `/_fakenet/variant/${variant}`,
                          headers: { Host: host } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolveSwitch()
        : rejectSwitch(new Error(`variant ${variant} of ${host}: HTTP ${res.statusCode}`))));
    });
    req.on('error', rejectSwitch);
    req.end();
  });
}

run('market views end to end', async ({ page, context, base, api, shot, waitJob, httpPort }) => {
  // Set-up through the API: five leads, one full analysis of all of them.
  log('step: leads and the first analysis');
  const hosts = [SWITCHING, ...STEADY];
  const created = await api('POST', '/api/leads', hosts.map((h) => ({
    company_name: `Shop ${h.replace('.test', '')}`, domain: h,
  })));
  check(created.status === 201, `leads created (HTTP ${created.status})`);
  const ids = Object.fromEntries(created.body.leads.map((l) => [l.domain, l.id]));
  const analyse = async (leadIds) => {
    const r = await api('POST', '/api/batch-analysis/quick-analyze',
                        { lead_ids: leadIds, analysis_type: 'full_analysis' });
    check(r.status === 201, `analysis started (HTTP ${r.status}: ${JSON.stringify(r.body)})`);
    const job = await waitJob(r.body.job_id);
    check(job.status === 'completed', `analysis completed: ${job.status}`);
    return job;
  };
  await analyse(Object.values(ids));
  const before = await api('GET', `/api/leads/${ids[SWITCHING]}`);
  const checkoutsBefore = before.body.lead.checkout_solutions.map((c) => c.name);
  check(checkoutsBefore.includes(OLD_CHECKOUT),
        `the first analysis finds ${OLD_CHECKOUT}: ${checkoutsBefore.join(', ')}`);
  await switchVariant(httpPort, SWITCHING, 'walley');
  // The second analysis runs from the lead page, as a person would.
  log('step: second analysis from the lead page');
  await page.goto(`${base}/leads/${ids[SWITCHING]}`);
  await page.getByRole('heading', { name: `Shop ${SWITCHING.replace('.test', '')}` }).waitFor();
  await page.getByRole('button', { name: 'Full Analysis', exact: true }).click();
  await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
  await page.locator('.meta .badge', { hasText: 'completed' }).waitFor({ timeout: 90000 });

  // The lead page: first/last seen on each finding, and the checkout that is gone.
  log('step: lead page and change feed');
  await page.goto(`${base}/leads/${ids[SWITCHING]}`);
  const checkouts = page.locator('section', { has: page.getByRole('heading', { name: 'Checkout solutions' }) });
  await checkouts.locator('.finding', { hasText: NEW_CHECKOUT }).getByText(/^first seen \d{4}-\d{2}-\d{2} · last seen/)
    .waitFor();
  const gone = page.getByRole('region', { name: 'No longer found' });
  await gone.getByText(OLD_CHECKOUT).waitFor();
  check(/removed \d{4}-\d{2}-\d{2}/.test(await gone.innerText()), 'the gone checkout says when it left');
  // The change feed from the lead page: the checkout that left and the one that came.
  await page.getByRole('link', { name: 'Changes of this lead' }).click();
  await page.waitForURL(/\/changes\?lead_id=/);
  await page.getByRole('heading', { name: /^Changes of Shop / }).waitFor();
  const feed = page.locator('tbody tr');
  await feed.first().waitFor();
  const added = page.locator('tbody tr[data-change=added]', { hasText: NEW_CHECKOUT });
  const removed = page.locator('tbody tr[data-change=removed]', { hasText: OLD_CHECKOUT });
  await added.first().waitFor();
  await removed.first().waitFor();
  await shot('market-01-lead-changes');
  // Cursor paging, one row a page: older pages until the end, then back to the newest.
  const total = await feed.count();
  check(total >= 2, `at least two changes for the lead (${total})`);
  await page.getByLabel('Rows per page').selectOption('10');
  await page.waitForURL(/limit=10/);
  await page.goto(page.url().replace('limit=10', 'limit=1'));
  await page.getByText('Page 1', { exact: true }).waitFor();
  const seenRows = [await feed.first().getAttribute('data-id')];
  for (let n = 2; n <= total; n++) {
    await page.getByRole('button', { name: 'Older changes' }).click();
    await page.getByText(`Page ${n}`, { exact: true }).waitFor();
    await page.waitForFunction((prev) => {
      const tr = document.querySelector('tbody tr');
      return tr && !prev.includes(tr.getAttribute('data-id'));
    }, seenRows);
    seenRows.push(await feed.first().getAttribute('data-id'));
  }
  check(new Set(seenRows).size === total, `each page shows a new change: ${seenRows.join(' ')}`);
  check(await page.getByRole('button', { name: 'Older changes' }).isDisabled(),
        'no older page after the last change');
  await page.getByRole('button', { name: 'Newer changes' }).click();
  await page.getByText(`Page ${total - 1}`, { exact: true }).waitFor();
  await page.goto(page.url().replace('limit=1', 'limit=50'));
  await feed.nth(total - 1).waitFor();
  // The feed's filters narrow it and live in the address.
  await page.getByLabel('Change', { exact: true }).selectOption('removed');
  await page.waitForURL(/change=removed/);
  await page.waitForFunction(() => [...document.querySelectorAll('tbody tr')]
    .every((tr) => tr.getAttribute('data-change') === 'removed'));
  check(await removed.count() >= 1, 'the removal stays under change=removed');
  await page.getByRole('button', { name: 'Show every lead’s changes' }).click();
  await page.waitForURL((u) => !u.search.includes('lead_id'));
  await page.getByRole('heading', { name: 'Changes', exact: true }).waitFor();

  // The dashboard's code is a chunk loaded on demand; when it cannot load (offline, or replaced
  // by a new version) the page says so and offers a way back instead of going blank.
  log('step: dashboard');
  const chunk = /\/assets\/Dashboard-[^/]*\.js$/;
  await context.route(chunk, (route) => route.abort());
  await page.getByRole('link', { name: 'Dashboard', exact: true }).click();
  await page.getByRole('alert').getByText('This page could not be loaded').waitFor();
  await context.unroute(chunk);
  await page.getByRole('button', { name: 'Try again' }).click();
  // The dashboard: shares, the weekly changes and the switch.
  await page.getByRole('heading', { name: 'Market dashboard' }).waitFor();
  await page.getByText(`${hosts.length} leads;`).waitFor();
  for (const title of ['E-commerce platforms', 'Checkout solutions', 'Payment methods', 'Carriers',
                       'Shipping software', 'Changes per week', 'Switches']) {
    await page.getByRole('heading', { name: title, exact: true }).waitFor();
  }
  const platforms = page.getByRole('region', { name: 'E-commerce platforms: data table' });
  await platforms.getByRole('rowheader', { name: 'Shopify' }).waitFor({ state: 'attached' });
  const platformChart = page.getByRole('application', { name: /^E-commerce platforms, bar chart/ });
  check(await platformChart.locator('.recharts-bar-rectangle').count() >= 2,
        'the platform chart draws a bar per platform');
  const timelineSummary = await page.locator('section', {
    has: page.getByRole('heading', { name: 'Changes per week' }) }).locator('.chart-summary').innerText();
  check(/[1-9]\d* added and [1-9]\d* removed/.test(timelineSummary),
        `the timeline counts the change: ${timelineSummary}`);
  const switches = page.getByRole('region', { name: 'Switches: data table' });
  await switches.getByRole('row', { name: new RegExp(`${OLD_CHECKOUT}.*${NEW_CHECKOUT}`) })
    .waitFor({ state: 'attached' });
  await shot('market-02-dashboard');

  // Keyboard: Tab reaches a chart (arrow keys read its bars out) and each data table.
  log('step: keyboard');
  await page.reload();
  await page.getByRole('heading', { name: 'Market dashboard' }).waitFor();
  await page.getByRole('application').first().waitFor();
  const focused = () => page.evaluate(() => {
    const el = document.activeElement;
    return { role: el?.getAttribute('role') ?? el?.tagName.toLowerCase(),
             name: el?.getAttribute('aria-label') ?? (el?.textContent ?? '').trim() };
  });
  let reachedChart = false;
  for (let i = 0; i < 80 && !reachedChart; i++) {
    await page.keyboard.press('Tab');
    const f = await focused();
    reachedChart = f.role === 'application' && f.name.startsWith('E-commerce platforms');
  }
  check(reachedChart, 'Tab reaches the first chart');
  await page.keyboard.press('ArrowRight');
  const tip = page.locator('.recharts-tooltip-wrapper [role=status]').first();
  await tip.waitFor();
  check(/\d+ leads \(\d/.test(await tip.innerText()), 'the arrow key shows a bar’s value');
  // The next stop is the table toggle; Enter shows the table, and the table is the next stop.
  await page.keyboard.press('Tab');
  check((await focused()).name === 'Show data table: E-commerce platforms',
        `after the chart comes its table toggle: ${JSON.stringify(await focused())}`);
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
  const f = await focused();
  check(f.role === 'region' && f.name === 'E-commerce platforms: data table',
        `Enter then Tab lands on the data table: ${JSON.stringify(f)}`);
  await platforms.getByRole('rowheader', { name: 'Shopify' }).waitFor();
  check(await platforms.isVisible(), 'the table is shown');
  // Every other chart's table the same way, Tab after Tab (through the shown tables' links).
  for (const title of ['Checkout solutions', 'Payment methods', 'Carriers', 'Shipping software',
                       'Changes per week', 'Switches']) {
    let onToggle = false;
    for (let i = 0; i < 100 && !onToggle; i++) {
      await page.keyboard.press('Tab');
      onToggle = (await focused()).name === `Show data table: ${title}`;
    }
    check(onToggle, `Tab reaches the table toggle of ${title}`);
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    const t = await focused();
    check(t.role === 'region' && t.name === `${title}: data table`,
          `Enter then Tab lands on the ${title} table: ${JSON.stringify(t)}`);
  }
  await page.getByRole('region', { name: 'Switches: data table' })
    .getByRole('row', { name: new RegExp(`${OLD_CHECKOUT}.*${NEW_CHECKOUT}`) }).waitFor();
  await shot('market-03-dashboard-table');

  // Lead filters: uses / does not use / added since, combinable, in the address, and carried to
  // the dashboard and both exports.
  log('step: lead filters');
  await page.getByRole('link', { name: 'Leads', exact: true }).click();
  await page.getByText(`${hosts.length} leads`).first().waitFor();
  await page.getByRole('button', { name: 'Add condition' }).click();
  await page.getByLabel('Condition 1', { exact: true }).selectOption('uses');
  await page.getByLabel('Finding name 1', { exact: true }).fill(NEW_CHECKOUT);
  await page.getByText('Page 1 of 1 · 1 leads').waitFor();
  await page.waitForURL((u) => u.searchParams.getAll('uses').includes(NEW_CHECKOUT));
  await page.getByRole('link', { name: `Shop ${SWITCHING.replace('.test', '')}` }).waitFor();
  // "Does not use" the new checkout instead: every other lead.
  await page.getByLabel('Condition 1', { exact: true }).selectOption('not_uses');
  await page.getByText(`Page 1 of 1 · ${hosts.length - 1} leads`).waitFor();
  // "Added since today" (the local day): the one lead; with a second condition, still combinable.
  const today = await page.evaluate(() => {
    const d = new Date();
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  });
  await page.getByLabel('Condition 1', { exact: true }).selectOption('added');
  await page.getByLabel('Added or removed since').fill(today);
  await page.getByText('Page 1 of 1 · 1 leads').waitFor();
  await page.getByRole('button', { name: 'Add condition' }).click();
  await page.getByLabel('Condition 2', { exact: true }).selectOption('removed');
  await page.getByLabel('Finding name 2', { exact: true }).fill(OLD_CHECKOUT);
  await page.waitForURL((u) => u.searchParams.get('removed') === OLD_CHECKOUT &&
                               u.searchParams.get('since') === today);
  await page.getByText('Page 1 of 1 · 1 leads').waitFor();
  await shot('market-04-leads-filtered');
  // The address keeps the filter across a reload.
  await page.reload();
  check(await page.getByLabel('Finding name 2', { exact: true }).inputValue() === OLD_CHECKOUT,
        'the filter comes back from the address');
  await page.getByText('Page 1 of 1 · 1 leads').waitFor();
  // Exports follow the filter: the standard CSV and the CRM layout with ',' and with ';'.
  const download = async (button) => {
    const [d] = await Promise.all([page.waitForEvent('download'),
                                   page.getByRole('button', { name: button, exact: true }).click()]);
    return streamText(await d.createReadStream());
  };
  const plain = (await download('Export CSV')).toString('utf8');
  const plainRows = plain.split('\n').filter((l) => l.trim());
  check(plainRows.length === 2 && plainRows[1].includes(SWITCHING),
        `the CSV export follows the filter: ${plainRows.length - 1} rows`);
  await page.getByLabel('CRM delimiter').selectOption(',');
  const crmComma = await download('Export for CRM');
  check(crmComma[0] === 0xef && crmComma[1] === 0xbb && crmComma[2] === 0xbf,
        'the CRM export starts with a UTF-8 byte order mark');
  const commaLines = crmComma.toString('utf8').slice(1).split(/\r?\n/).filter((l) => l.trim());
  check(commaLines.length === 2 && commaLines[0].includes(',') && commaLines[1].includes(SWITCHING),
        `the CRM export (,) has one row for the filtered lead: ${commaLines.join(' | ')}`);
  await page.getByLabel('CRM delimiter').selectOption(';');
  const crmSemi = (await download('Export for CRM')).toString('utf8').slice(1);
  const semiLines = crmSemi.split(/\r?\n/).filter((l) => l.trim());
  check(semiLines.length === 2 && semiLines[0].split(';').length > 3,
        `the CRM export (;) uses semicolons: ${semiLines[0]}`);
  // The dashboard of these leads carries the filter.
  await page.getByRole('link', { name: 'Dashboard of these leads' }).click();
  await page.waitForURL((u) => u.pathname === '/dashboard' &&
                               u.searchParams.get('added') === NEW_CHECKOUT);
  await page.getByText(/^1 leads /).waitFor();
  await page.getByRole('heading', { name: 'Checkout solutions', exact: true }).waitFor();
  await page.getByRole('region', { name: 'Checkout solutions: data table' })
    .getByRole('rowheader', { name: NEW_CHECKOUT }).waitFor({ state: 'attached' });
  await shot('market-05-dashboard-filtered');
});
