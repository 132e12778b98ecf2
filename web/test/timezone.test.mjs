// Unit tests of the schedule form's time zone (src/timezone.ts), compiled in memory with
// Vite's esbuild. Run: node --test web/test/   (CTest: web.unit)
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { transform } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const source = readFileSync(join(here, '..', 'src', 'timezone.ts'), 'utf8');
const { code } = await transform(source, { loader: 'ts', format: 'esm' });
const moduleUrl = 'data:text/javascript;base64,' + Buffer.from(code).toString('base64');
const { browserTimeZone, initialScheduleZone, zoneList } = await import(moduleUrl);

test('a new schedule starts in the browser zone, an edited one in its own', () => {
  const stockholm = () => 'Europe/Stockholm';
  assert.equal(initialScheduleZone(undefined, stockholm), 'Europe/Stockholm');
  assert.equal(initialScheduleZone(null, stockholm), 'Europe/Stockholm');
  assert.equal(initialScheduleZone('', stockholm), 'Europe/Stockholm');
  assert.equal(initialScheduleZone('Europe/Helsinki', stockholm), 'Europe/Helsinki');
});

test('UTC only when the browser cannot tell', () => {
  assert.equal(browserTimeZone(() => undefined), 'UTC');
  assert.equal(browserTimeZone(() => ''), 'UTC');
  assert.equal(browserTimeZone(() => { throw new RangeError('no Intl'); }), 'UTC');
});

test('without a resolver it reads the real Intl zone (a process started with TZ set)', () => {
  // Intl reads TZ when the process starts, so ask a fresh node with the module loaded.
  const script = `import(${JSON.stringify(moduleUrl)}).then((m) => {
    process.stdout.write(m.browserTimeZone() + ' ' + m.initialScheduleZone(undefined)); })`;
  for (const zone of ['Europe/Oslo', 'America/New_York']) {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script],
                             { env: { ...process.env, TZ: zone } }).toString();
    assert.equal(out, `${zone} ${zone}`);
  }
});

test('zone suggestions fall back to the Nordic zones', () => {
  assert.ok(zoneList().includes('Europe/Stockholm'));
  assert.deepEqual(zoneList(() => { throw new Error('old browser'); }),
                   ['UTC', 'Europe/Stockholm', 'Europe/Oslo', 'Europe/Copenhagen',
                    'Europe/Helsinki']);
});
