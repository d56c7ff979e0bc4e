import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { dir, log, marker } from '../fixtures/dynamic-env.js';
import { compute, computeStructure, delayed, shutdown, startRun, visualize, type Delayed, type RunEvent } from '../../src/index.js';
import { closureTask, countedTask, doubledTask, fibTask, givesUpTask, splitAndSumTask, squaresTask, strayCallsTask, summaryTask } from '../fixtures/dynamic-tasks.js';
import { runCli } from '../cli/run-cli.js';

const exec = promisify(execFile);
afterAll(async () => {
  await shutdown();
  dir.remove();
});
beforeEach(() => rmSync(log, { force: true }));

/** How many times each task ran since the log was last cleared. */
function executions(): Record<string, number> {
  const counts: Record<string, number> = {};
  if (!existsSync(log)) return counts;
  for (const name of readFileSync(log, 'utf8').split('\n').filter(Boolean)) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}

let caches = 0;
const freshCache = () => `${dir.path}/cache-${++caches}`;

interface ProcessReport {
  value: unknown;
  counts: { executed: number; cached: number; total: number };
  failures: string[];
}

async function inFreshProcess(cacheDir: string, graph: string, arg: string): Promise<ProcessReport> {
  const script = new URL('../fixtures/dynamic-process.ts', import.meta.url).pathname;
  const { stdout } = await exec(process.execPath, ['--import', 'tsx', script, cacheDir, graph, arg], { env: process.env });
  return JSON.parse(stdout) as ProcessReport;
}

describe('a task on a worker thread that returns a graph', () => {
  it('fans out over as many chunks as the data needs, and the caller gets the final value', async () => {
    const rows = Array.from({ length: 10 }, (_, i) => i + 1);
    const total: Delayed<number> = splitAndSumTask(rows, 3);
    const run = startRun([total], { cacheDir: freshCache() });
    const [value] = await run.result;
    expect(value).toBe(55);
    expect(executions()).toEqual({ splitAndSum: 1, sum: 4, total: 1 });
    // The outer task, the 4 chunks and the total they feed.
    expect(run.counts.total).toBe(6);
    expect(run.counts.executed).toBe(6);
  });

  it('recurses: each call returns the calls it needs, and a call met twice runs once', async () => {
    const [value] = await compute(fibTask(10), { cacheDir: freshCache() });
    expect(value).toBe(55);
    const ran = executions();
    for (let n = 0; n <= 10; n++) expect(ran[`fib(${n})`]).toBe(1);
    expect(ran.add).toBe(9);
  });

  it('returns a structure of nodes and plain values, given back with values', async () => {
    const [value] = await compute(summaryTask([1, 2, 3, 4, 5]), { cacheDir: freshCache() });
    expect(value).toEqual({ count: 5, sums: [3, 12], note: 'halves' });
    const [doubled] = await compute(doubledTask([1, 2, 3]), { cacheDir: freshCache() });
    expect(doubled).toEqual([2, 4, 6]);
  });

  it('is cached like any result: a fresh process runs nothing, and a changed input re-runs only what it touches', async () => {
    const cacheDir = freshCache();
    const rows = JSON.stringify([1, 2, 3, 4, 5, 6, 7]);
    const first = await inFreshProcess(cacheDir, 'split', rows);
    expect(first.value).toBe(28);
    expect(executions()).toEqual({ splitAndSum: 1, sum: 3, total: 1 });

    rmSync(log, { force: true });
    const again = await inFreshProcess(cacheDir, 'split', rows);
    expect(again.value).toBe(28);
    expect(again.counts.executed).toBe(0);
    expect(executions()).toEqual({});
    // What the cache holds for the outer call is the graph it returned, and `cache show` says so.
    const shown = await runCli(['cache', '--cache-dir', cacheDir, 'show', splitAndSumTask([1, 2, 3, 4, 5, 6, 7], 3).cid]);
    expect(shown.stdout).toMatch(/memograph\/graph 2/);
    expect(shown.stdout).toMatch(/value {7}a returned graph of 4 calls: the call's value is that graph's/);

    // The last chunk changes: the outer task runs for the new rows, the two chunks it still has come from the cache.
    rmSync(log, { force: true });
    const changed = await inFreshProcess(cacheDir, 'split', JSON.stringify([1, 2, 3, 4, 5, 6, 8]));
    expect(changed.value).toBe(29);
    expect(executions()).toEqual({ splitAndSum: 1, sum: 1, total: 1 });
  });

  it('after a failure inside the returned graph, a re-run does not run the outer task again, only what the graph still misses', async () => {
    const cacheDir = freshCache();
    const rows = JSON.stringify([1, 2, 3, 13, 5, 6, 7, 8, 9]);
    writeFileSync(marker, '');
    const failed = await inFreshProcess(cacheDir, 'split', rows);
    expect(failed.value).toBeNull();
    expect(failed.failures.join('\n')).toContain('unlucky chunk');
    expect(executions()).toEqual({ splitAndSum: 1, sum: 3 });

    rmSync(marker);
    rmSync(log, { force: true });
    const fixed = await inFreshProcess(cacheDir, 'split', rows);
    expect(fixed.value).toBe(54);
    expect(executions()).toEqual({ sum: 1, total: 1 });
  });

  it('recursion is cached across processes too', async () => {
    const cacheDir = freshCache();
    expect((await inFreshProcess(cacheDir, 'fib', '8')).value).toBe(21);
    rmSync(log, { force: true });
    const again = await inFreshProcess(cacheDir, 'fib', '8');
    expect(again.value).toBe(21);
    expect(executions()).toEqual({});
    // fib(9) runs itself; fib(8) and fib(7), which it returns, are in the cache.
    rmSync(log, { force: true });
    expect((await inFreshProcess(cacheDir, 'fib', '9')).value).toBe(34);
    expect(executions()).toEqual({ 'fib(9)': 1, add: 1 });
  });

  it('refuses to return a call of a main-thread function, naming it', async () => {
    await expect(compute(closureTask(3), { cache: false })).rejects.toThrow(/"anonymous" runs on the main thread .*make it an exported function of a module/s);
  });
});

describe('a large graph returned by a task on a worker thread (sent while the task makes it)', () => {
  const n = 3000;
  const sumOfSquares = ((n - 1) * n * (2 * n - 1)) / 6;

  it('computes every call of it once, and the caller gets the structure with values', async () => {
    const run = startRun([squaresTask(n)], { cacheDir: freshCache() });
    const [value] = await run.result;
    expect(value).toEqual({ total: sumOfSquares, first: 0, shifted: 1001, label: `squares below ${n}` });
    expect(executions()).toEqual({ squares: 1, square: n, total: 1, add: 2 });
    // The outer task, the squares, the total, the shifted sum, the call made as the module
    // loaded, and the node that gathers the structure's values.
    expect(run.counts.total).toBe(n + 5);
  });

  it('is stored whole: a fresh process runs nothing, and the cache shows every call of it', async () => {
    const cacheDir = freshCache();
    expect((await inFreshProcess(cacheDir, 'squares', String(n))).value).toEqual({ total: sumOfSquares, first: 0, shifted: 1001, label: `squares below ${n}` });
    rmSync(log, { force: true });
    const again = await inFreshProcess(cacheDir, 'squares', String(n));
    expect(again.counts.executed).toBe(0);
    expect(executions()).toEqual({});
    const shown = await runCli(['cache', '--cache-dir', cacheDir, 'show', squaresTask(n).cid]);
    expect(shown.stdout).toMatch(new RegExp(`a returned graph of ${n + 3} calls`));
  });

  it('a task that makes many calls and returns a value gives that value, and none of the calls runs', async () => {
    expect(await compute(countedTask(n), { cache: false })).toEqual([n]);
    expect(executions()).toEqual({ counted: 1 });
  });

  it('calls it makes of a main-thread function and does not return do not stop the graph it returns', async () => {
    expect(await compute(strayCallsTask(500), { cache: false })).toEqual([((499 * 500 * 999) / 6)]);
  });

  it('a task that fails after making many calls fails with its own error', async () => {
    await expect(compute(givesUpTask(n), { cache: false })).rejects.toThrow(`gave up after making ${n} calls`);
    expect(executions()).toEqual({ givesUp: 1 });
  });
});

describe('a main-thread task that returns a graph', () => {
  it('works for sync and async tasks, with nodes of any kind', async () => {
    const inc = delayed((x: number) => x + 1);
    const pick = delayed((n: number) => (n > 0 ? inc(n) : 0), { mainThread: true });
    const later = delayed(
      async (n: number) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        return { next: inc(n), same: n };
      },
      { mainThread: true },
    );
    const [a, b, c] = await compute(pick(5), pick(0), later(7), { cache: false });
    expect([a, b, c]).toEqual([6, 0, { next: 8, same: 7 }]);
    const typed: number = a;
    const structured: { next: number; same: number } = c;
    expect([typed, structured.next]).toEqual([6, 8]);
  });

  it('is served from the cache without running again when its graph can be rebuilt, and runs again when it cannot', async () => {
    const cacheDir = freshCache();
    let outer = 0;
    let closures = 0;
    const inc = delayed((x: number) => x + 1);
    const viaWorker = delayed((n: number) => (outer++, inc(n)), { mainThread: true, version: 'via-worker' });
    const local = delayed((x: number) => (closures++, x * 10), { mainThread: true, version: 'local' });
    const viaClosure = delayed((n: number) => (outer++, local(n)), { mainThread: true, version: 'via-closure' });
    expect(await compute(viaWorker(1), viaClosure(2), { cacheDir })).toEqual([2, 20]);
    expect([outer, closures]).toEqual([2, 1]);
    const run = startRun([viaWorker(1), viaClosure(2)], { cacheDir });
    expect(await run.result).toEqual([2, 20]);
    // viaWorker's graph was stored; viaClosure's holds a main-thread call, so it runs again, and its call comes from the cache.
    expect([outer, closures]).toEqual([3, 1]);
    expect(run.counts.cached).toBeGreaterThanOrEqual(2);
  });

  it('inside a task, awaiting a node gives a placeholder that can only be returned', async () => {
    const inc = delayed((x: number) => x + 1);
    const returnsAwaited = delayed(async (n: number) => await (inc(n) as unknown as Promise<number>), { mainThread: true });
    expect(await compute(returnsAwaited(1), { cache: false })).toEqual([2]);
    const usesAwaited = delayed(async (n: number) => (await (inc(n) as unknown as Promise<number>)) + 1, { mainThread: true });
    await expect(compute(usesAwaited(1), { cache: false })).rejects.toThrow(/has no value inside the task that made it/);
    // Outside a task, awaiting a node is the mistake it always was.
    await expect(async () => await (inc(1) as unknown as Promise<number>)).rejects.toThrow(/is lazy and cannot be awaited/);
  });

  it('a task that returns a call of itself fails instead of waiting for ever', async () => {
    const selfish: (n: number) => Delayed<number> = delayed((n: number): unknown => selfish(n), { mainThread: true, version: 'selfish' }) as never;
    await expect(compute(selfish(1), { cache: false })).rejects.toThrow(/returned a call of itself/);
  });

  it('tasks that return each other’s calls fail as a cycle instead of waiting for ever', async () => {
    let pong: (n: number) => Delayed<number>;
    const ping: (n: number) => Delayed<number> = delayed((n: number): unknown => pong(n), { mainThread: true, version: 'ping' }) as never;
    pong = delayed((n: number): unknown => ping(n), { mainThread: true, version: 'pong' }) as never;
    const run = startRun([ping(1)], { cache: false, onFailure: 'continue' });
    const settled = await run.settled;
    expect(settled.available).toEqual([false]);
    expect(settled.failures.map((failure) => failure.message).join('\n')).toMatch(/needs this task's own value: a cycle/);
  });

  it('a failure inside the returned graph fails the run with that failure', async () => {
    const boom = delayed((x: number) => {
      throw new Error(`no ${x}`);
    });
    const outer = delayed((x: number) => boom(x), { mainThread: true, version: 'fails-inside' });
    await expect(compute(outer(4), { cache: false })).rejects.toThrow(/no 4/);
  });

  it('reports the expansion as an event, counts the graph’s nodes, and the picture shows them', async () => {
    const events: RunEvent[] = [];
    const inc = delayed((x: number) => x + 1);
    const outer = delayed((n: number) => [inc(n), inc(n + 1)], { mainThread: true, version: 'two-incs' });
    const run = startRun([outer(1)], { cache: false, onEvent: (event) => events.push(event) });
    expect(await run.result).toEqual([[2, 3]]);
    const expanded = events.find((event) => event.type === 'expanded');
    expect(expanded).toMatchObject({ name: 'anonymous', cid: outer(1).cid });
    // The outer call, its two calls, and the node that gathers them.
    expect(run.counts.total).toBe(4);
    const finished = events.filter((event) => event.type === 'finished').map((event) => event.name);
    expect(finished.filter((name) => name === 'anonymous')).toHaveLength(3);
    expect(finished).toContain('gather');
    // The graph before the run has one call; the run's picture has the calls it returned, below it.
    expect(visualize(outer(1))).not.toContain('gather');
    const picture = run.visualize({ format: 'dot' });
    expect(picture).toContain('gather');
    expect(picture.match(/label="anonymous/g)).toHaveLength(3);
  });
});

describe('computeStructure of graphs that return graphs', () => {
  it('gives back the structure with every dynamic value in place', async () => {
    const value = await computeStructure({ fib: fibTask(6), split: splitAndSumTask([1, 2, 3, 4], 2), note: 'x' }, { cacheDir: freshCache() });
    expect(value).toEqual({ fib: 8, split: 10, note: 'x' });
  });
});
