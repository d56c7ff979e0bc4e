import { afterAll, describe, expect, it } from 'vitest';
import { delayed, shutdown, startRun, type Delayed, type RunEvent } from '../../src/index.js';
import { WORK_NAMED } from '../../src/store/work-below.js';
import { tempDir } from '../helpers.js';

const dir = tempDir();
let cacheNumber = 0;
const freshCache = () => `${dir.path}/cache-${cacheNumber++}`;
afterAll(async () => {
  await shutdown();
  dir.remove();
});

/** Busy for about `ms`, so that each call has a duration worth counting. */
function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

const load = delayed(function load(n: number) {
  spin(20);
  return Array.from({ length: n }, (_, i) => i);
}, { mainThread: true });
const fit = delayed(function fit(rows: number[], lambda: number) {
  spin(5);
  return rows.length * lambda;
}, { mainThread: true });
const add = delayed(function add(...xs: number[]) {
  spin(1);
  return xs.reduce((a, b) => a + b, 0);
}, { mainThread: true });
const step = delayed(function step(x: number) {
  spin(1);
  return x + 1;
}, { mainThread: true });

/** Runs `targets`, and gives what its counts say and the compute time of every task it executed, by CID. */
async function run(targets: Delayed<unknown>[], cacheDir: string) {
  const running = startRun(targets, { cacheDir });
  const ran = new Map<string, number>();
  const stop = running.subscribe(() => undefined);
  for await (const event of running.events()) {
    if (event.type === 'finished' && !event.shared) ran.set(event.cid, (event as Extract<RunEvent, { type: 'finished' }>).durationMs);
  }
  stop();
  await running.result;
  const computeMs = [...ran.values()].reduce((a, b) => a + b, 0);
  return { counts: running.counts, ran, computeMs };
}

// Recorded durations are kept to the µs: sums may differ by that much per call.
const closeTo = (actual: number, expected: number, calls: number) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(calls * 0.001 + 1e-9);

describe('what the cache saved', () => {
  it('counts a study over one shared input once, not once per point', async () => {
    const cacheDir = freshCache();
    const rows = load(100);
    const points = [1, 2, 3, 4, 5, 6, 7, 8].map((lambda) => fit(rows, lambda));
    const first = await run(points, cacheDir);
    expect(first.ran.size).toBe(9);
    expect(first.counts.savedMs).toBe(0);

    const again = await run(points, cacheDir);
    expect(again.counts).toMatchObject({ executed: 0, cached: 8, savedExact: true });
    // The load ran once, and was spared once: eight points do not make it eight loads.
    closeTo(again.counts.savedMs, first.computeMs, 9);
  });

  it('counts what is below a result, each call once, in a diamond', async () => {
    const cacheDir = freshCache();
    const base = step(1);
    const top = add(step(base), add(base, 10));
    const first = await run([top], cacheDir);
    expect(first.ran.size).toBe(4);
    const again = await run([top], cacheDir);
    expect(again.counts).toMatchObject({ executed: 0, cached: 1, total: 1, savedExact: true });
    closeTo(again.counts.savedMs, first.computeMs, 4);
  });

  it('stays exact down a chain longer than a record names', async () => {
    const cacheDir = freshCache();
    let x: Delayed<number> = step(0);
    for (let i = 0; i < WORK_NAMED * 2; i++) x = step(x);
    const first = await run([x], cacheDir);
    expect(first.ran.size).toBe(WORK_NAMED * 2 + 1);
    const again = await run([x], cacheDir);
    expect(again.counts.savedExact).toBe(true);
    closeTo(again.counts.savedMs, first.computeMs, WORK_NAMED * 2 + 1);
  });

  it('leaves out what the run executed anyway: a changed step above cached inputs', async () => {
    const cacheDir = freshCache();
    const rows = load(50);
    const before = fit(rows, 1);
    const first = await run([before], cacheDir);
    const loadMs = [...first.ran].find(([cid]) => cid === rows.cid)![1];
    // Another point over the same rows: the rows are served, the point runs.
    const after = await run([fit(rows, 2)], cacheDir);
    expect(after.counts).toMatchObject({ executed: 1, cached: 1, savedExact: true });
    closeTo(after.counts.savedMs, loadMs, 1);
  });

  it('says it is a lower bound, and never claims more than ran, when records name only part of what is below them', async () => {
    const cacheDir = freshCache();
    const leaves = Array.from({ length: WORK_NAMED * 2 }, (_, i) => step(i));
    // Two results over the same many leaves: neither record can name them all.
    const sum = add(...leaves);
    const sumPlusOne = add(...leaves, 1);
    const first = await run([sum, sumPlusOne], cacheDir);
    const again = await run([sum, sumPlusOne], cacheDir);
    expect(again.counts).toMatchObject({ executed: 0, cached: 2, savedExact: false });
    expect(again.counts.savedMs).toBeLessThanOrEqual(first.computeMs + 0.001 * first.ran.size);
    // At least either result's own subgraph.
    const leavesMs = leaves.reduce((total, leaf) => total + first.ran.get(leaf.cid)!, 0);
    expect(again.counts.savedMs).toBeGreaterThanOrEqual(leavesMs + first.ran.get(sum.cid)! - 0.001 * first.ran.size);
  });

  it('never counts a `cache: false` input, which runs every time, as spared', async () => {
    const cacheDir = freshCache();
    const clock = delayed(function clock() {
      spin(3);
      return 7;
    }, { mainThread: true, cache: false });
    const target = step(clock());
    const first = await run([target], cacheDir);
    expect(first.ran.size).toBe(2);
    // The clock runs again and says the same: its dependent is served by the clock's value.
    const again = await run([target], cacheDir);
    expect(again.counts).toMatchObject({ executed: 1, cached: 1, savedExact: true });
    closeTo(again.counts.savedMs, first.ran.get(target.cid)!, 1);
  });

  it('counts the graph a task returned as part of what it stands for', async () => {
    const cacheDir = freshCache();
    const fanOut = delayed(function fanOut(n: number) {
      spin(2);
      return add(...Array.from({ length: n }, (_, i) => step(i)));
    }, { mainThread: true });
    const target = step(fanOut(5));
    const first = await run([target], cacheDir);
    // fanOut, five steps, add, and the step above: eight calls.
    expect(first.ran.size).toBe(8);
    const again = await run([target], cacheDir);
    expect(again.counts).toMatchObject({ executed: 0, cached: 1, savedExact: true });
    closeTo(again.counts.savedMs, first.computeMs, 8);
  });
});
