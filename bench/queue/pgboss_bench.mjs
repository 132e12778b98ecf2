// The queue benchmark's peer: pg-boss on the same PostgreSQL as leadscan's run.
// node pgboss_bench.mjs --url URL --items N --workers W [--batch B] [--complete batch|each]
// Sends N jobs in one insert, then W worker processes (node, one PgBoss each) fetch up to B jobs
// at a time and complete them (all fetched ids in one call, or one call per job), until the
// queue is empty. The window runs from the first fetch to the last completion of any worker.
// Prints one line: "pgboss workers=W items=N seconds=S transitions_per_s=T".
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import PgBoss from 'pg-boss';

function args(argv) {
  const out = { items: 10000, workers: 1, batch: 16, complete: 'batch', schema: '' };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in out) && key !== 'url' && key !== 'role' && key !== 'queue') {
      throw new Error(`unknown option ${argv[i]}`);
    }
    out[key] = argv[i + 1];
  }
  if (!out.url) throw new Error('--url is required');
  out.items = Number(out.items);
  out.workers = Number(out.workers);
  out.batch = Number(out.batch);
  if (!(out.items > 0 && out.workers > 0 && out.batch > 0)) throw new Error('bad numbers');
  if (out.complete !== 'batch' && out.complete !== 'each') throw new Error('--complete batch|each');
  return out;
}

function boss(o, extra) {
  const b = new PgBoss({ connectionString: o.url, schema: o.schema, max: 4, ...extra });
  b.on('error', (e) => console.error('pg-boss error:', e.message));
  return b;
}

async function worker(o) {
  // Workers neither migrate nor run maintenance: the parent did that once.
  const b = boss(o, { supervise: false, schedule: false, migrate: false });
  await b.start();
  process.send({ ready: true });
  await new Promise((resolve) => process.once('message', resolve));
  let first = 0;
  let last = 0;
  let done = 0;
  let empty = 0;
  while (true) {
    const jobs = await b.fetch(o.queue, { batchSize: o.batch });
    if (!first) first = Date.now();
    if (!jobs || jobs.length === 0) {
      // Another worker may still hold a batch it has not completed; the queue is empty for us.
      if (++empty >= 3) break;
      continue;
    }
    empty = 0;
    if (o.complete === 'batch') {
      await b.complete(o.queue, jobs.map((j) => j.id));
    } else {
      for (const j of jobs) await b.complete(o.queue, j.id);
    }
    done += jobs.length;
    last = Date.now();
  }
  await b.stop({ graceful: false, wait: true });
  process.send({ first, last, done });
}

async function main(o) {
  // A schema and a queue of its own per run: earlier runs' completed jobs do not slow this one.
  const queue = `bench_${process.pid}`;
  o.schema = `pgboss_bench_${process.pid}`;
  const b = boss(o, { supervise: false, schedule: false });
  await b.start();
  await b.createQueue(queue);
  const chunk = 5000;
  for (let i = 0; i < o.items; i += chunk) {
    const jobs = [];
    for (let k = i; k < Math.min(o.items, i + chunk); ++k) jobs.push({ name: queue, data: { k } });
    await b.insert(jobs);
  }
  const self = fileURLToPath(import.meta.url);
  const children = [];
  for (let w = 0; w < o.workers; ++w) {
    const argv = ['--role', 'worker', '--queue', queue, '--url', o.url, '--schema', o.schema,
      '--batch', String(o.batch), '--complete', o.complete, '--items', String(o.items),
      '--workers', String(o.workers)];
    const child = fork(self, argv, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(child);
  }
  const ready = children.map((c) => new Promise((resolve) => c.once('message', resolve)));
  await Promise.all(ready);
  const results = children.map((c) => new Promise((resolve, reject) => {
    c.once('message', resolve);
    c.once('exit', (code) => (code ? reject(new Error(`worker exited ${code}`)) : null));
  }));
  for (const c of children) c.send('go');
  const r = await Promise.all(results);
  const first = Math.min(...r.map((x) => x.first));
  const last = Math.max(...r.map((x) => x.last));
  const done = r.reduce((a, x) => a + x.done, 0);
  const completed = await b.getQueueSize(queue, { before: 'completed' });
  await b.stop({ graceful: false, wait: true });
  const seconds = (last - first) / 1000;
  if (done !== o.items || completed !== 0) {
    throw new Error(`pg-boss completed ${done} of ${o.items} (left before completed: ${completed})`);
  }
  console.log(`pgboss workers=${o.workers} items=${o.items} batch=${o.batch} ` +
    `complete=${o.complete} seconds=${seconds.toFixed(3)} ` +
    `transitions_per_s=${Math.round((2 * done) / seconds)}`);
}

const o = args(process.argv.slice(2));
(o.role === 'worker' ? worker(o) : main(o)).catch((e) => {
  console.error(`pgboss_bench: ${e.stack || e}`);
  process.exit(1);
});
