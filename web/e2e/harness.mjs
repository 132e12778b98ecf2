// Shared set-up for end-to-end scripts in headless Chromium (Debian's package, driven by
// playwright-core; no browser is downloaded): starts the fake internet and `leadscan serve` on
// loopback, opens a signed-in page, and cleans everything up on every exit path.
//
// Options every script takes: --leadscan BIN --fakenet BIN [--sites DIR] [--web-dir DIR]
// [--artifacts DIR] [--chromium /usr/bin/chromium] [--timeout-s 300]
// Exit status: 0 when the script passed; 1 on the first failure (with the reason); 77 when
// Chromium is missing (CTest reports the test as skipped).

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

export const opts = {
  leadscan: arg('leadscan', join(repo, 'build/src/cli/leadscan')),
  fakenet: arg('fakenet', join(repo, 'build/tests/fakenet/leadscan-fakenet')),
  sites: arg('sites', join(repo, 'tests/fakenet/sites')),
  webDir: arg('web-dir', join(repo, 'web/dist')),
  artifacts: arg('artifacts', join(repo, 'build/e2e-artifacts')),
  chromium: arg('chromium', '/usr/bin/chromium'),
  timeoutS: Number(arg('timeout-s', '300')),
};

const children = [];
let browser = null;
let failPage = null;
let workDir = null;
let finished = false;

export function log(...a) {
  console.log(`[e2e ${new Date().toISOString().slice(11, 19)}]`, ...a);
}

async function cleanup() {
  if (browser) {
    const b = browser;
    browser = null;
    await Promise.race([b.close().catch(() => {}), new Promise((r) => setTimeout(r, 5000))]);
  }
  for (const c of children.reverse()) {
    if (c.exitCode !== null || c.signalCode !== null) continue;
    c.kill('SIGTERM');
    const exited = await Promise.race([
      new Promise((r) => c.once('exit', () => r(true))),
      new Promise((r) => setTimeout(() => r(false), 5000)),
    ]);
    if (!exited) c.kill('SIGKILL');
  }
  if (workDir) rmSync(workDir, { recursive: true, force: true });
}

export async function finish(code, message) {
  if (finished) return;
  finished = true;
  if (message) (code === 0 ? log : console.error)(message);
  await cleanup();
  process.exit(code);
}

export function check(cond, message) {
  if (!cond) throw new Error(`check failed: ${message}`);
}

export async function streamText(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

// Starts a process and resolves with the first stdout match of `pattern`.
function start(name, bin, args, pattern, waitMs = 30000) {
  return new Promise((resolveStart, rejectStart) => {
    log(`start ${name}: ${bin} ${args.join(' ')}`);
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    let err = '';
    const timer = setTimeout(
      () => rejectStart(new Error(`${name} did not start in ${waitMs} ms:\n${out}\n${err}`)),
      waitMs);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(pattern);
      if (m) {
        clearTimeout(timer);
        resolveStart(m);
      }
    });
    child.stderr.on('data', (d) => {
      err += d;
      if (err.length > 200000) err = err.slice(-100000);
    });
    child.on('exit', (code, sig) => {
      clearTimeout(timer);
      if (!finished) rejectStart(new Error(`${name} exited (${code ?? sig}):\n${out}\n${err.slice(-4000)}`));
    });
    child.on('error', (e) => rejectStart(e));
  });
}

// Runs `body(env)` with the fake internet, a fresh `leadscan serve` and a signed-in page;
// exits the process with the outcome. env: { page, context, base, token, workDir, api, shot,
// waitJob, pageErrors, cspViolations, httpPort, httpsPort } (the fake internet's ports).
export async function run(name, body) {
  process.on('SIGINT', () => finish(1, 'interrupted'));
  process.on('SIGTERM', () => finish(1, 'terminated'));
  process.on('unhandledRejection', (e) => finish(1, `FAIL: ${e?.stack ?? e}`));
  const overall = setTimeout(() => finish(1, `FAIL: overall timeout of ${opts.timeoutS} s`),
                             opts.timeoutS * 1000);
  overall.unref();
  try {
    if (!existsSync(opts.chromium)) {
      console.error(`SKIP: ${opts.chromium} is missing (apt-get install chromium)`);
      return finish(77);
    }
    for (const [what, p] of [['leadscan', opts.leadscan], ['fakenet', opts.fakenet],
                             ['web UI (run web/build.sh)', join(opts.webDir, 'index.html')]]) {
      check(existsSync(p), `${what} not found at ${p}`);
    }
    const { chromium } = await import('playwright-core');
    mkdirSync(opts.artifacts, { recursive: true });
    workDir = mkdtempSync(join(tmpdir(), 'leadscan-e2e-'));

    const [, httpPort, httpsPort, caFile] = await start(
      'fakenet', opts.fakenet,
      ['--sites', opts.sites, '--address', '127.0.0.1', '--ca-out', join(workDir, 'ca.pem')],
      /fakenet http=127\.0\.0\.1:(\d+) https=127\.0\.0\.1:(\d+) ca=(\S+)/);
    const tokenFile = join(workDir, 'first-admin-token');
    await start('leadscan serve', opts.leadscan, [
      'serve', '--db', `sqlite://${join(workDir, 't.db')}`, '--listen', '127.0.0.1:0',
      '--web-dir', opts.webDir, '--connect-to', `:80:127.0.0.1:${httpPort}`,
      '--connect-to', `:443:127.0.0.1:${httpsPort}`, '--allow-net', '127.0.0.1/32',
      '--ca-file', caFile, '--politeness-ms', '0', '--default-timezone', 'Europe/Stockholm',
      '--first-token-file', tokenFile,
    ], /the sign-in link is in (\S+) \(mode 0600\)/);
    const serve = readFileSync(tokenFile, 'utf8')
      .match(/Sign in: (http:\/\/127\.0\.0\.1:(\d+)\/#token=(\S+))/);
    check(serve !== null, `no sign-in link in ${tokenFile}`);
    const [, signInUrl, port, token] = serve;
    const base = `http://127.0.0.1:${port}`;
    log(`server at ${base}`);

    const context = await chromium.launchPersistentContext(join(workDir, 'chromium-profile'), {
      executablePath: opts.chromium,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
             '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1360, height: 900 },
      timezoneId: 'Europe/Stockholm',
      acceptDownloads: true,
    });
    browser = context;
    const page = await context.newPage();
    failPage = page;
    page.setDefaultTimeout(15000);
    const pageErrors = [];
    const cspViolations = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) {
        cspViolations.push(m.text());
        log(`CSP violation: ${m.text()}`);
      }
    });
    page.on('pageerror', (e) => {
      pageErrors.push(String(e));
      log(`page error: ${e.stack ?? e}`);
    });
    await context.route(/^(?!http:\/\/127\.0\.0\.1[:/]).*/, (route) => route.abort());

    // Saves a screenshot and checks that every control on the screen has an accessible name.
    const shot = async (file) => {
      await page.screenshot({ path: join(opts.artifacts, `${file}.png`), fullPage: true,
                             animations: 'disabled' });
      log(`screenshot ${file}.png`);
      const unnamed = await page.evaluate(() => {
        const bad = [];
        for (const el of document.querySelectorAll('button, input, select, textarea, a[href]')) {
          if (el.getAttribute('type') === 'hidden') continue;
          const named = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') ||
            (el.labels && el.labels.length > 0) || (el.textContent ?? '').trim();
          if (!named) bad.push(el.outerHTML.slice(0, 100));
        }
        return bad;
      });
      check(unnamed.length === 0, `${file}: controls without a name: ${unnamed.join(' | ')}`);
    };
    // The API with the admin token, straight from the test (set-up, not what is tested).
    const api = async (method, path, json) => {
      const res = await fetch(base + path, {
        method,
        headers: { Authorization: `Bearer ${token}`,
                   ...(json === undefined ? {} : { 'Content-Type': 'application/json' }) },
        body: json === undefined ? undefined : JSON.stringify(json),
      });
      const text = await res.text();
      let parsed = null;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        parsed = text;
      }
      return { status: res.status, body: parsed };
    };
    // Waits for a job to reach a final status; returns the job.
    const waitJob = async (jobId, timeoutMs = 120000) => {
      const t0 = Date.now();
      for (;;) {
        const r = await api('GET', `/api/batch-analysis/jobs/${jobId}`);
        check(r.status === 200, `job ${jobId}: HTTP ${r.status}`);
        const job = r.body.job ?? r.body;
        if (['completed', 'failed', 'cancelled'].includes(job.status)) return job;
        check(Date.now() - t0 < timeoutMs, `job ${jobId} did not finish in ${timeoutMs} ms`);
        await new Promise((r2) => setTimeout(r2, 250));
      }
    };

    await page.goto(signInUrl);
    await page.getByRole('heading', { name: 'Leads' }).waitFor();
    await body({ page, context, base, token, workDir, api, shot, waitJob, pageErrors,
                 cspViolations, httpPort, httpsPort });
    check(pageErrors.length === 0, `no script errors in the page: ${pageErrors.join(' | ')}`);
    check(cspViolations.length === 0,
          `nothing blocked by the Content-Security-Policy: ${cspViolations.join(' | ')}`);
    await finish(0, `PASS: ${name} (screenshots in ${opts.artifacts})`);
  } catch (e) {
    if (failPage) {
      await failPage.screenshot({ path: join(opts.artifacts, `FAILED-${name.replace(/\W+/g, '-')}.png`),
                                  fullPage: true }).catch(() => {});
      log(`at ${failPage.url()}`);
    }
    await finish(1, `FAIL: ${e?.stack ?? e}`);
  }
}
