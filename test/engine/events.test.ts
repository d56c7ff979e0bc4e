import { afterAll, describe, expect, it } from 'vitest';
import { delayed, shutdown, startRun, type Delayed, type RunEvent } from '../../src/index.js';
import { tempDir } from '../helpers.js';

const dir = tempDir();
afterAll(async () => {
  await shutdown();
  dir.remove();
});

const inc = delayed(function inc(x: number) {
  return x + 1;
});
const twice = delayed(function twice(x: number) {
  return x * 2;
}, { mainThread: true });
const explode = delayed(function explode(x: number): number {
  throw new Error(`boom ${x}`);
}, { mainThread: true, retry: { attempts: 2 } });

describe('run events', () => {
  it('tell each step of every task, from an async iterator, and end with the run', async () => {
    const cacheDir = `${dir.path}/events`;
    const target = twice(inc(inc(1)));
    const run = startRun([target], { cacheDir });
    const seen: RunEvent[] = [];
    for await (const event of run.events()) seen.push(event);
    expect(await run.result).toEqual([6]);
    // The graph event comes once exploring is done: before any task starts.
    const graphAt = seen.findIndex((e) => e.type === 'graph');
    expect(graphAt, 'the first event').toBe(0);
    expect(seen[graphAt]).toMatchObject({ type: 'graph', total: 3 });
    expect(seen.findIndex((e) => e.type === 'started')).toBeGreaterThan(graphAt);
    const of = (type: RunEvent['type']) => seen.filter((e) => e.type === type);
    expect(of('queued')).toHaveLength(3);
    expect(of('started')).toHaveLength(3);
    const finished = of('finished') as Extract<RunEvent, { type: 'finished' }>[];
    expect(finished.map((e) => e.name)).toEqual(['inc', 'inc', 'twice']);
    expect(finished.every((e) => e.durationMs >= 0 && !e.shared)).toBe(true);
    expect(finished[0]!.workerId).toBeGreaterThan(0);
    expect(finished[2]!.workerId).toBe(0);
    expect((of('started') as Extract<RunEvent, { type: 'started' }>[]).map((e) => e.onMainThread)).toEqual([false, false, true]);

    const again = startRun([target], { cacheDir });
    const cached: RunEvent[] = [];
    again.onEvent((event) => cached.push(event));
    await again.result;
    expect(cached.map((e) => e.type)).toEqual(['graph', 'cached']);
  });

  it('tell of retries, failures and the tasks skipped because of them', async () => {
    const events: RunEvent[] = [];
    const run = startRun([twice(explode(7)), inc(1)], { cache: false, onFailure: 'continue', onEvent: (e) => events.push(e) });
    await run.settled;
    const retried = events.find((e) => e.type === 'retried') as Extract<RunEvent, { type: 'retried' }>;
    expect(retried).toMatchObject({ name: 'explode', attempt: 1, delayMs: 0, workerId: 0 });
    const failed = events.find((e) => e.type === 'failed') as Extract<RunEvent, { type: 'failed' }>;
    expect(failed.error.originalMessage).toBe('boom 7');
    // Where each failed attempt ran, and for how long: the main thread here.
    expect(failed.workerId).toBe(0);
    expect(failed.durationMs).toBeGreaterThanOrEqual(0);
    expect(events.filter((e) => e.type === 'skipped').map((e) => (e as { name: string }).name)).toEqual(['twice']);
  });

  it('say when each call began on its thread: the tasks of a batch one after another, not all ending when it came back', async () => {
    const tiny = delayed(function tiny(x: number) {
      const until = performance.now() + 0.1;
      while (performance.now() < until);
      return x;
    });
    await startRun([tiny(-1)], { cache: false }).result; // now known to be short, so it travels in batches
    const events: RunEvent[] = [];
    await startRun(Array.from({ length: 60 }, (_, i) => tiny(i)), { cache: false, onEvent: (e) => events.push(e) }).result;
    const finished = events.filter((e) => e.type === 'finished') as Extract<RunEvent, { type: 'finished' }>[];
    expect(finished).toHaveLength(60);
    const byWorker = new Map<number, typeof finished>();
    for (const event of finished) {
      expect(event.startedAt).toBeLessThanOrEqual(event.at + 1); // `at` is Date.now(), to the millisecond
      byWorker.set(event.workerId!, [...(byWorker.get(event.workerId!) ?? []), event]);
    }
    for (const events of byWorker.values()) {
      const inOrder = [...events].sort((a, b) => a.startedAt! - b.startedAt!);
      for (let i = 1; i < inOrder.length; i++) {
        // Within a microsecond: epoch milliseconds as doubles round at about 0.2 µs.
        expect(inOrder[i]!.startedAt!).toBeGreaterThanOrEqual(inOrder[i - 1]!.startedAt! + inOrder[i - 1]!.durationMs - 0.001);
      }
    }
    // Batches did travel: some tasks came back together, yet began at different times.
    const together = finished.filter((e) => finished.some((f) => f !== e && f.at === e.at && f.workerId === e.workerId));
    expect(new Set(together.map((e) => e.startedAt)).size).toBeGreaterThan(1);
  });

  it('say which worker thread a failed task ran on, and not when its worker died', async () => {
    const refuse = delayed(function refuse(x: number): number {
      throw new Error(`refused ${x}`);
    });
    const die = delayed(function die(): number {
      process.exit(3);
    });
    // One run each: in one batch, the crash would take the other failure's report with it.
    const failureOf = async (target: Delayed<number>) => {
      const events: RunEvent[] = [];
      await startRun([target], { cache: false, onFailure: 'continue', onEvent: (e) => events.push(e) }).settled;
      return events.find((e) => e.type === 'failed') as Extract<RunEvent, { type: 'failed' }>;
    };
    const refused = await failureOf(refuse(1));
    expect(refused.workerId).toBeGreaterThan(0);
    expect(refused.durationMs).toBeGreaterThanOrEqual(0);
    const died = await failureOf(die());
    expect(died.error.code).toBe('MEMOGRAPH_WORKER_CRASHED');
    expect(died.workerId).toBeUndefined();
  });

  it('drive hooks before and after each task and on failure; a throwing hook does not break the run', async () => {
    const log: string[] = [];
    const run = startRun([inc(10), explode(1)], {
      cache: false,
      onFailure: 'continue',
      hooks: {
        beforeTask: (e) => log.push(`before ${e.name}`),
        afterTask: (e) => {
          log.push(`after ${e.name}`);
          throw new Error('hook bug');
        },
        onFailure: (e) => log.push(`failed ${e.name}: ${e.error.originalMessage}`),
      },
    });
    const outcome = await run.settled;
    expect(outcome.values).toEqual([11, undefined]);
    expect(log).toContain('before inc');
    expect(log).toContain('after inc');
    expect(log).toContain('failed explode: boom 1');
    expect(log.filter((l) => l === 'before explode')).toHaveLength(2);
  });
});

describe('run status', () => {
  it('tells what is running and since when, then per-function statistics and the cache hit rate', async () => {
    const cacheDir = `${dir.path}/status`;
    const gate = `${dir.path}/status.gate`;
    const wait = delayed(function wait(file: string) {
      const fs = process.getBuiltinModule('node:fs');
      const cell = new Int32Array(new SharedArrayBuffer(4));
      while (!fs.existsSync(file)) Atomics.wait(cell, 0, 0, 10);
      return 'opened';
    });
    const run = startRun([wait(gate), inc(5)], { cacheDir });
    let status = run.status();
    while (status.running.length === 0 || status.counts.executed === 0) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      status = run.status();
    }
    expect(status.running.map((r) => r.name)).toEqual(['wait']);
    expect(status.running[0]!.since).toBeLessThanOrEqual(Date.now());
    process.getBuiltinModule('node:fs').writeFileSync(gate, '');
    await run.result;
    const done = run.status();
    expect(done.running).toEqual([]);
    expect(done.functions.inc).toMatchObject({ count: 1 });
    expect(done.functions.wait!.maxMs).toBeGreaterThanOrEqual(done.functions.wait!.minMs);
    expect(done.peakWorkerHeapBytes).toBeGreaterThan(0);
    expect(done.cacheHitRate).toBe(0);

    const rerun = startRun([wait(gate), inc(5)], { cacheDir });
    await rerun.result;
    expect(rerun.status().cacheHitRate).toBe(1);
  });
});
