import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { AbortError, compute, delayed, InvalidArgumentError, ResourceLimitError, shutdown, startRun, TimeoutError, type Delayed } from '../../src/index.js';
import { retryDelay, resolveRetry } from '../../src/graph/policies.js';
import { tempDir } from '../helpers.js';

const dir = tempDir();
afterAll(async () => {
  await shutdown();
  dir.remove();
});
afterEach(() => vi.useRealTimers());

describe('retries', () => {
  it('wait delayMs, then backoff times longer before each further attempt', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    let attempts = 0;
    const flaky = delayed(
      () => {
        attempts++;
        if (attempts < 3) throw new Error(`attempt ${attempts} failed`);
        return attempts;
      },
      { mainThread: true, retry: { attempts: 3, delayMs: 1_000, backoff: 3 }, name: 'flaky' },
    );
    // Only setTimeout is faked: let the loop's other turns (setImmediate) run for real.
    const settle = async () => {
      for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
    };
    const run = startRun([flaky()], { cache: false });
    await settle();
    expect(attempts).toBe(1);
    await vi.advanceTimersByTimeAsync(999);
    await settle();
    expect(attempts).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await settle();
    expect(attempts).toBe(2);
    await vi.advanceTimersByTimeAsync(2_999);
    await settle();
    expect(attempts).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(await run.result).toEqual([3]);
    expect(run.counts).toMatchObject({ retried: 2, executed: 1, failed: 0 });
  });

  it('give up after the last attempt with the last error, and retry only what retryIf accepts', async () => {
    const always = delayed(
      (n: number) => {
        throw new Error(`nope ${n}`);
      },
      { mainThread: true, retry: 2 },
    );
    const run = startRun([always(1)], { cache: false });
    await expect(run.result).rejects.toThrow('nope 1');
    expect(run.counts).toMatchObject({ retried: 1, failed: 1 });

    let calls = 0;
    const picky = delayed(
      () => {
        calls++;
        throw new Error('fatal');
      },
      { mainThread: true, retry: { attempts: 5, retryIf: (error) => !/fatal/.test(error.originalMessage) } },
    );
    await expect(compute(picky(), { cache: false })).rejects.toThrow('fatal');
    expect(calls).toBe(1);
  });

  it('apply to worker tasks too, and as a run-wide default', async () => {
    const marker = `${dir.path}/second-attempt`;
    const onWorker = delayed((file: string) => {
      const fs = process.getBuiltinModule('node:fs');
      if (!fs.existsSync(file)) {
        fs.writeFileSync(file, '');
        throw new Error('first attempt');
      }
      return 'second attempt';
    });
    const run = startRun([onWorker(marker)], { cache: false, retry: 2 });
    expect(await run.result).toEqual(['second attempt']);
    expect(run.counts.retried).toBe(1);
  });

  it('compute the delays from the policy', () => {
    const policy = resolveRetry({ attempts: 4, delayMs: 10, backoff: 2 }, '')!;
    expect([1, 2, 3].map((attempt) => retryDelay(policy, attempt))).toEqual([10, 20, 40]);
    expect(() => resolveRetry({ attempts: 0 }, '')).toThrow(InvalidArgumentError);
    expect(() => resolveRetry({ attempts: 2, backoff: 0.5 }, '')).toThrow('Expected `retry.backoff` to be a number from 1 and up, got `0.5` (number)');
  });
});

describe('timeouts', () => {
  it('stop a busy worker task with a TimeoutError, and its worker is replaced', async () => {
    const spin = delayed(function spin() {
      for (;;);
    }, { timeoutMs: 300 });
    const after = delayed((x: number) => x * 2);
    // One worker: if the spinning thread were not terminated, nothing else could ever run.
    const error = await compute(spin(), { cache: false, workers: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).code).toBe('MEMOGRAPH_TIMEOUT');
    expect((error as TimeoutError).timeoutMs).toBe(300);
    expect((error as Error).message).toMatch(/Task "spin" .* longer than its limit of 300 ms/);
    expect(await compute(after(21), { cache: false, workers: 1 })).toEqual([42]);
  });

  it('abandon an async main-thread task that runs past its limit', async () => {
    const never = delayed(() => new Promise<number>(() => undefined), { mainThread: true, name: 'never' });
    const error = await compute(never(), { cache: false, timeoutMs: 50 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toMatch(/told to stop \(currentTaskSignal\)/);
  });
});

describe('abort', () => {
  it('stops the run and its running tasks; what finished stays cached, and a second run does only the rest', async () => {
    const cacheDir = `${dir.path}/abort-cache`;
    const log = `${dir.path}/abort.log`;
    const go = `${dir.path}/abort.go`;
    const quick = delayed((logFile: string, i: number) => {
      process.getBuiltinModule('node:fs').appendFileSync(logFile, `quick ${i}\n`);
      return i;
    });
    // Waits (sleeping, not spinning) until the go file exists.
    const slow = delayed((logFile: string, goFile: string) => {
      const fs = process.getBuiltinModule('node:fs');
      fs.appendFileSync(logFile, 'slow start\n');
      const cell = new Int32Array(new SharedArrayBuffer(4));
      while (!fs.existsSync(goFile)) Atomics.wait(cell, 0, 0, 20);
      fs.appendFileSync(logFile, 'slow end\n');
      return 100;
    });
    const sum = delayed((...xs: number[]) => xs.reduce((a, b) => a + b, 0));
    const build = (): Delayed<number> => sum(quick(log, 1), quick(log, 2), slow(log, go));

    const controller = new AbortController();
    const run = startRun([build()], {
      cacheDir,
      workers: 2,
      signal: controller.signal,
      snapshotIntervalMs: 10,
      onSnapshot: (s) => {
        if (s.counts.executed >= 2 && existsSync(log) && readFileSync(log, 'utf8').includes('slow start')) controller.abort();
      },
    });
    const error = await run.result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).code).toBe('MEMOGRAPH_ABORTED');
    await shutdown();
    expect(readFileSync(log, 'utf8')).not.toContain('slow end');

    writeFileSync(go, '');
    const second = startRun([build()], { cacheDir, workers: 2 });
    expect(await second.result).toEqual([103]);
    expect(second.counts).toMatchObject({ executed: 2, cached: 2 });
  });

  it('refuses to start with a signal already aborted', async () => {
    const inc = delayed((x: number) => x + 1);
    await expect(compute(inc(1), { cache: false, signal: AbortSignal.abort('stop') })).rejects.toThrow(AbortError);
    await expect(compute(inc(1), { signal: 'stop' as never })).rejects.toThrow(InvalidArgumentError);
  });
});

describe('pause and resume', () => {
  it('start nothing while paused, and carry on when resumed', async () => {
    const step = delayed((x: number) => x + 1, { mainThread: true });
    let node: Delayed<number> = step(0);
    for (let i = 0; i < 20; i++) node = step(node);
    const run = startRun([node], { cache: false });
    run.pause();
    expect(run.paused).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(run.counts.executed).toBe(0);
    run.resume();
    expect(await run.result).toEqual([21]);
    expect(run.counts.executed).toBe(21);
  });
});

describe('memory limits per task', () => {
  it('fail only the task that goes over its limit, with a ResourceLimitError', async () => {
    const hog = delayed(
      function hog(mb: number) {
        const keep: number[][] = [];
        for (let i = 0; i < mb; i++) keep.push(new Array(131_072).fill(i));
        return keep.length;
      },
      { memoryLimitMb: 64 },
    );
    const fine = delayed((x: number) => x + 1);
    const run = startRun([hog(4), hog(10_000), fine(1), fine(2)], { cache: false, onFailure: 'continue' });
    const outcome = await run.settled;
    expect(outcome.values).toEqual([4, undefined, 2, 3]);
    expect(outcome.failures).toHaveLength(1);
    expect(outcome.failures[0]).toBeInstanceOf(ResourceLimitError);
    expect(outcome.failures[0]!.message).toMatch(/Task "hog" .* memory limit/);
    expect(() => delayed((x: number) => x, { memoryLimitMb: 8 })).toThrow('Expected `memoryLimitMb` to be an integer from 16 and up, got `8` (number)');
    expect(() => delayed((x: number) => x, { memoryLimitMb: 64, mainThread: true })).toThrow(/cannot limit a `mainThread` task/);
  });
});
