import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import {
  compute,
  delayed,
  InvalidArgumentError,
  NotSelfContainedError,
  ResourceLimitError,
  shutdown,
  startRun,
  StoreLockedError,
  TaskError,
  UnhashableError,
  WorkerCrashedError,
} from '../../src/index.js';
import { tempDir } from '../helpers.js';

const dirs: { remove: () => void }[] = [];
afterAll(async () => {
  await shutdown();
  for (const dir of dirs) dir.remove();
});

describe('a task that throws', () => {
  it('rejects with a TaskError carrying the name, CID, message and the stack from inside the worker', async () => {
    const explode = delayed(function explode(x: number) {
      if (x > 0) throw new RangeError(`x is too big: ${x}`);
      return x;
    });
    const node = explode(3);
    const error = await compute(node, { cache: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskError);
    const taskError = error as TaskError;
    expect(taskError.code).toBe('MEMOGRAPH_TASK_FAILED');
    expect(taskError.taskName).toBe('explode');
    expect(taskError.cid).toBe(node.cid);
    expect(taskError.originalMessage).toBe('x is too big: 3');
    expect(taskError.message).toBe(`Task "explode" (${node.cid}) failed: x is too big: 3`);
    expect(taskError.originalStack).toMatch(/RangeError: x is too big: 3\n\s+at explode/);
  });

  it('does not start the tasks that depend on it, and is not cached', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const log = `${dir.path}/log.txt`;
    const flaky = delayed(async (logFile: string) => {
      const fs = process.getBuiltinModule('node:fs');
      fs.appendFileSync(logFile, 'flaky\n');
      if (!fs.existsSync(`${logFile}.fixed`)) throw new Error('not yet');
      return 1;
    });
    const after = delayed(async (logFile: string, x: number) => {
      process.getBuiltinModule('node:fs').appendFileSync(logFile, 'after\n');
      return x + 1;
    });
    const target = after(log, flaky(log));
    await expect(compute(target, { cacheDir: `${dir.path}/cache` })).rejects.toThrow(/not yet/);
    const fs = process.getBuiltinModule('node:fs');
    expect(fs.readFileSync(log, 'utf8')).toBe('flaky\n');
    fs.writeFileSync(`${log}.fixed`, '');
    expect(await compute(target, { cacheDir: `${dir.path}/cache` })).toEqual([2]);
    expect(fs.readFileSync(log, 'utf8')).toBe('flaky\nflaky\nafter\n');
  });
});

describe('a task that kills its worker', () => {
  it('fails as a WorkerCrashedError when the worker exits, and the pool carries on', async () => {
    const quit = delayed(function quit(code: number) {
      process.exit(code);
    });
    const ok = delayed((x: number) => x * 2);
    const error = await compute(quit(7), { cache: false, workers: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect(error).toBeInstanceOf(TaskError);
    expect((error as WorkerCrashedError).code).toBe('MEMOGRAPH_WORKER_CRASHED');
    expect((error as Error).message).toMatch(/Task "quit" \(bafy\w+\) failed: its worker thread died: .*code: 7/);
    expect(await compute(ok(21), { cache: false, workers: 2 })).toEqual([42]);
  });

  it('fails as a WorkerCrashedError when the task runs out of memory; other tasks succeed', async () => {
    const hog = delayed(function hog() {
      const keep: number[][] = [];
      for (;;) keep.push(new Array(1e6).fill(1));
    });
    const fine = delayed((x: number) => x + 1);
    const limits = { workerResourceLimits: { maxOldGenerationSizeMb: 64 }, cache: false, workers: 2 } as const;
    const run = startRun([hog(), fine(1)], limits);
    const error = await run.result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect(error).toBeInstanceOf(ResourceLimitError);
    expect((error as ResourceLimitError).code).toBe('MEMOGRAPH_RESOURCE_LIMIT');
    expect((error as Error).message).toMatch(/Task "hog" .* memory limit/);
    expect(await compute(fine(2), limits)).toEqual([3]);
  });
});

describe('arguments that cannot be content-addressed', () => {
  const use = delayed((a: unknown, b: unknown) => [a, b]);
  it('are rejected while the graph is built, naming the path of the bad value', () => {
    expect(() => use(1, { config: { cb: () => 1 } })).toThrow(UnhashableError);
    expect(() => use(1, { config: { cb: () => 1 } })).toThrow(/args\[1\]\.config\.cb/);
    expect(() => use(Symbol('s'), 2)).toThrow(/args\[0\]/);
    class Point {
      constructor(readonly x: number) {}
    }
    expect(() => use(1, [new Point(1)])).toThrow(/args\[1\]\[0\].*Point/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => use(cyclic, 1)).toThrow(/args\[0\]\.self/);
    expect(() => use(new WeakMap(), 1)).toThrow(TypeError);
  });
});

describe('functions that cannot run on a worker', () => {
  it('are refused when wrapped, naming the function and the missing identifier', () => {
    const offset = 10;
    const error = (() => {
      try {
        delayed(function shift(x: number) {
          return x + offset;
        });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(NotSelfContainedError);
    expect((error as Error).message).toMatch(/"shift" cannot run on a worker thread: it uses `offset`/);
  });

  it('work on the main thread when asked', async () => {
    const offset = 10;
    const shift = delayed((x: number) => x + offset, { mainThread: true });
    expect(await compute(shift(1), { cache: false })).toEqual([11]);
  });
});

describe('bad options', () => {
  it('say what was expected and what arrived', async () => {
    const inc = delayed((x: number) => x + 1);
    await expect(compute(inc(1), { workers: 0 })).rejects.toThrow(InvalidArgumentError);
    await expect(compute(inc(1), { workers: 0 })).rejects.toThrow('Expected `workers` to be an integer from 1 and up, got `0` (number)');
    await expect(compute(inc(1), { wrokers: 2 } as never)).rejects.toThrow('Unknown compute option `wrokers`');
    await expect(compute(inc(1), 5 as never)).rejects.toThrow(/argument 1 is number/);
    expect(() => delayed(42 as never)).toThrow('Expected `fn` to be a function, got `42` (number)');
    expect(() => delayed((x: number) => x, { mainThread: true, module: import.meta.url })).toThrow(/exclude each other/);
  });
});

describe('a cache directory held by another process', () => {
  it('gives a StoreLockedError naming the directory, and the cache is intact afterwards', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const cache = `${dir.path}/cache`;
    const inc = delayed((x: number) => x + 1);
    expect(await compute(inc(1), { cacheDir: cache })).toEqual([2]);

    const holder = spawn(process.execPath, ['--input-type=module', '-e', `
      import { ClassicLevel } from 'classic-level';
      const db = new ClassicLevel(${JSON.stringify(cache)});
      await db.open();
      process.stdout.write('locked\\n');
      process.stdin.on('data', async () => { await db.close(); process.exit(0); });
    `], { cwd: process.cwd(), stdio: ['pipe', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()));

    const error = await compute(inc(1), { cacheDir: cache }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreLockedError);
    expect((error as StoreLockedError).code).toBe('MEMOGRAPH_STORE_LOCKED');
    expect((error as Error).message).toContain(cache);

    holder.stdin!.write('release\n');
    await new Promise((resolve) => holder.once('exit', resolve));
    const run = startRun([inc(1)], { cacheDir: cache });
    expect(await run.result).toEqual([2]);
    expect(run.counts.cached).toBe(1);
  });
});

describe('Delayed values inside a Map or Set', () => {
  it('are refused when the call is made, naming where they are', () => {
    const inc = delayed((x: number) => x + 1);
    const use = delayed((m: unknown) => m);
    expect(() => use(new Map([['k', inc(1)]]))).toThrow(InvalidArgumentError);
    expect(() => use(new Map([['k', inc(1)]]))).toThrow('A Delayed value inside a Map (at args[0]) cannot be passed to a task');
    expect(() => use({ s: new Set([inc(1)]) })).toThrow(/inside a Set \(at args\[0\]\.s\)/);
  });
});

describe('a Delayed and compute, misused', () => {
  it('keep their CID: assigning one throws', () => {
    const node = delayed((x: number) => x, { mainThread: true, name: 'same' })(1);
    expect(() => {
      (node as unknown as { cid: string }).cid = 'bafy-other';
    }).toThrow(TypeError);
    expect(node.cid).not.toBe('bafy-other');
  });

  it('report bad targets and options as a rejected promise, never a synchronous throw', async () => {
    let thrown: unknown;
    let pending: Promise<unknown> | undefined;
    try {
      pending = compute(42 as never, { workers: 1 });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeUndefined();
    await expect(pending).rejects.toThrow(InvalidArgumentError);
  });
});
