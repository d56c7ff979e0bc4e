// A parameter study on a cluster: start a Redis and `memograph worker`s (on this machine
// or others that reach the Redis), then run this. Its tasks run on the workers; results
// live in the Redis, so a second run, from any machine, is served from there.
//
//   redis-server --port 6379 --requirepass secret &
//   npx memograph worker --redis redis://:secret@localhost:6379 --concurrency 2 &   # as many as you like
//   MEMOGRAPH_EXAMPLE_REDIS=redis://:secret@localhost:6379 npx tsx examples/cluster.ts
import { delayed, shutdown, startRun } from 'memograph';

const redis = process.env.MEMOGRAPH_EXAMPLE_REDIS ?? 'redis://localhost:6379';

/** A slow, seeded estimate: each point of the study is one call. */
const trial = delayed(function trial(seed: number, rate: number) {
  let state = seed || 1;
  let hits = 0;
  for (let i = 0; i < 2_000_000; i++) {
    state = (state * 48271) % 2147483647;
    if (state / 2147483647 < rate) hits++;
  }
  return { seed, rate, observed: hits / 2_000_000, pid: process.pid };
});
const report = delayed(function report(...trials: { rate: number; observed: number; pid: number }[]) {
  const workers = new Set(trials.map((t) => t.pid)).size;
  const worst = Math.max(...trials.map((t) => Math.abs(t.observed - t.rate)));
  return `${trials.length} trials on ${workers} worker process(es), largest error ${worst.toExponential(2)}`;
});

const points = [0.1, 0.25, 0.5, 0.75].flatMap((rate) => [1, 2, 3].map((seed) => trial(seed, rate)));
const run = startRun([report(...points)], { cluster: { redis } });
// Where each task ran: a `cluster` event names each worker's threads before the task events that give them.
const where = new Map<number, string>();
const tasksOn = new Map<string, number>();
run.onEvent((event) => {
  if (event.type === 'cluster') for (const w of event.workers) for (const thread of w.threads) where.set(thread, `${w.host} pid ${w.pid}`);
  if (event.type === 'finished' && event.workerId !== undefined) {
    const machine = where.get(event.workerId) ?? 'this process';
    tasksOn.set(machine, (tasksOn.get(machine) ?? 0) + 1);
  }
});
const [summary] = await run.result;
console.log(`${summary} (${run.counts.executed} executed here and there, ${run.counts.cached} from the cache)`);
console.log(`tasks by machine: ${[...tasksOn].map(([machine, n]) => `${machine} ${n}`).join(', ') || 'none ran'}`);
await shutdown();
