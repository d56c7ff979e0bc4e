/**
 * One process of the `shared` scenario:
 *
 *   node --import tsx bench/shared-child.ts '{"cacheDir":"…","leaves":10000,"from":0}'
 *
 * It gets ready (its worker threads started and warm, the shared cache
 * joined), prints READY_LINE, and waits for GO_LINE on stdin (shared-protocol.ts), which the harness
 * sends to every process of a measurement at once. Then it builds the tree from
 * `from` and computes it on the shared cache, prints RESULT_PREFIX and a
 * SharedChildResult, and keeps the cache joined until the harness closes its
 * stdin: a process that had finished and left would make the others elect a
 * new leader, and the measurement would be of that hand-over, not of sharing.
 */
import { createInterface } from 'node:readline';
import { compute, shutdown, startRun } from '../src/index.js';
import { acquireStore } from '../src/store/open.js';
import { RESULT_PREFIX } from './child.js';
import { onWorkers, tree } from './graphs.js';
import { GO_LINE, READY_LINE, type SharedChildJob, type SharedChildResult } from './shared-protocol.js';

const job = JSON.parse(process.argv[2] ?? '') as SharedChildJob;
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

// Not timed: starting the worker threads and compiling the engine's hot paths,
// off the cache, so that no other process meets these calls.
await compute(tree(onWorkers, 1_000).target, { cache: false });
// Joined before GO, so that every process is leader or follower when the clock starts.
const lease = await acquireStore(job.cacheDir);
try {
  process.stdout.write(`${READY_LINE}\n`);
  const go = await lines.next();
  if (go.done || go.value !== GO_LINE) throw new Error(`expected ${GO_LINE} on stdin, got ${go.done ? 'its end' : go.value}`);

  const startedAt = performance.timeOrigin + performance.now();
  const { target } = tree(onWorkers, job.leaves, job.from);
  const run = startRun([target], { cacheDir: job.cacheDir });
  const [value] = await run.result;
  const endedAt = performance.timeOrigin + performance.now();

  const result: SharedChildResult = {
    startedAt,
    endedAt,
    executed: run.counts.executed,
    cached: run.counts.cached,
    value: value - job.leaves * job.from,
    leads: lease.store.leads,
  };
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
  // Stay until the harness has every result (it then closes stdin).
  while (!(await lines.next()).done);
} finally {
  await lease.release();
  await shutdown();
}
