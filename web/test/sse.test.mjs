// Unit tests of the event-stream parser (src/sse.ts), compiled in memory with Vite's esbuild.
// Run: node --test web/test/   (CTest: web.unit)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { transform } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const source = readFileSync(join(here, '..', 'src', 'sse.ts'), 'utf8');
const { code } = await transform(source, { loader: 'ts', format: 'esm' });
const { createSseParser } = await import(
  'data:text/javascript;base64,' + Buffer.from(code).toString('base64'));

function parseAll(chunks) {
  const events = [];
  const push = createSseParser((e) => events.push(e));
  for (const c of chunks) push(c);
  return events;
}

test('named events with JSON data', () => {
  const events = parseAll(['event: counters\ndata: {"progress":3,"total_leads":5}\nid: 7\n\n']);
  assert.deepEqual(events, [{ event: 'counters', data: { progress: 3, total_leads: 5 }, id: '7' }]);
});

test('an event split across chunks is delivered once, when complete', () => {
  const text = 'event: item_completed\ndata: {"item_id":"a","status":"completed"}\n\n';
  for (let cut = 1; cut < text.length; cut++) {
    const events = parseAll([text.slice(0, cut), text.slice(cut)]);
    assert.equal(events.length, 1, `cut at ${cut}`);
    assert.deepEqual(events[0].data, { item_id: 'a', status: 'completed' });
  }
});

test('CRLF and CR line endings, even split between chunks', () => {
  assert.deepEqual(parseAll(['event: a\r\ndata: 1\r', '\n\r\n']),
                   [{ event: 'a', data: 1 }]);
  assert.deepEqual(parseAll(['event: b\rdata: 2\r\r']), [{ event: 'b', data: 2 }]);
});

test('heartbeat comments and events without data are ignored', () => {
  const events = parseAll([': heartbeat\n\n', 'event: lonely\n\n', 'data: x\n\n']);
  assert.deepEqual(events, [{ event: 'message', data: 'x' }]);
});

test('multi-line data joins with newlines; non-JSON stays text', () => {
  assert.deepEqual(parseAll(['data: line one\ndata: line two\n\n']),
                   [{ event: 'message', data: 'line one\nline two' }]);
});

test('several events in one chunk keep their order', () => {
  const events = parseAll(['event: snapshot\ndata: {"status":"running"}\n\n' +
                           'event: job_status\ndata: {"status":"completed"}\n\n']);
  assert.deepEqual(events.map((e) => [e.event, e.data.status]),
                   [['snapshot', 'running'], ['job_status', 'completed']]);
});
