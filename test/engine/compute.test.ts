import { afterAll, describe, expect, it } from 'vitest';
import { ClassicLevel } from 'classic-level';
import { compute, delayed, Delayed, MemoryStore, shutdown, startRun } from '../../src/index.js';
import { packValue } from '../../src/store/value-codec.js';
import { collectGarbage, tempDir } from '../helpers.js';

const dirs: { remove: () => void }[] = [];
function cacheDir(): string {
  const dir = tempDir();
  dirs.push(dir);
  return dir.path;
}
afterAll(async () => {
  await shutdown();
  for (const dir of dirs) dir.remove();
});

const load = delayed(function load(n: number) {
  return Array.from({ length: n }, (_, i) => i);
});
const total = delayed((xs: number[]) => xs.reduce((a, b) => a + b, 0));

describe('compute', () => {
  it('runs the README example on workers, then serves it from the cache', async () => {
    const dir = cacheDir();
    const t = total(load(1_000));
    expect(t.cid).toMatch(/^bafyrei[a-z2-7]{52}$/);
    const first = startRun([t], { cacheDir: dir });
    expect(await first.result).toEqual([499500]);
    expect(first.counts).toMatchObject({ executed: 2, cached: 0, failed: 0, total: 2 });

    const second = startRun([t], { cacheDir: dir });
    expect(await second.result).toEqual([499500]);
    // A cached target is one lookup: nothing below it is even looked at.
    expect(second.counts).toMatchObject({ executed: 0, cached: 1, total: 1 });
    // The time the cache saved is the recorded compute time of what it served.
    expect(second.counts.savedMs).toBeGreaterThan(0);
    expect(first.counts.savedMs).toBe(0);
    expect(await t.compute({ cacheDir: dir })).toBe(499500);
  });

  it('names a call by its content, before anything runs', () => {
    expect(load(3).cid).toBe(load(3).cid);
    expect(load(3).cid).not.toBe(load(4).cid);
    expect(total(load(3)).cid).not.toBe(total(load(4)).cid);
    const other = delayed(function load(n: number) {
      return Array.from({ length: n }, (_, i) => i * 2);
    });
    expect(other(3).cid).not.toBe(load(3).cid);
  });

  it('computes several targets in one run, sharing their common inputs', async () => {
    const inc = delayed((x: number) => x + 1);
    const shared = inc(10);
    const run = startRun([inc(shared), inc(inc(shared)), shared], { cache: false });
    expect(await run.result).toEqual([12, 13, 11]);
    expect(run.counts.executed).toBe(3);
  });

  it('finds Delayed values nested in arrays and plain objects', async () => {
    const inc = delayed((x: number) => x + 1);
    const describe = delayed((config: { a: number; list: number[]; nested: { deep: number } }) =>
      `${config.a}:${config.list.join(',')}:${config.nested.deep}`,
    );
    const d = describe({ a: inc(0) as unknown as number, list: [inc(1), 7, inc(2)], nested: { deep: inc(3) } });
    expect(d.links.map((l) => l.path)).toEqual(
      expect.arrayContaining([[0, 'a'], [0, 'list', 0], [0, 'list', 2], [0, 'nested', 'deep']]),
    );
    expect(await d.compute({ cache: false })).toBe('1:2,7,3:4');
  });

  it('runs async functions, and main-thread functions that close over locals', async () => {
    const factor = 3;
    const scale = delayed((x: number) => x * factor, { mainThread: true });
    const later = delayed(async (x: number) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return x + 1;
    });
    expect(await compute(scale(later(1)), { cache: false })).toEqual([6]);
  });

  it('round-trips rich values through workers and the cache exactly', async () => {
    const dir = cacheDir();
    const make = delayed(() => ({
      f64: new Float64Array([1.5, -0, NaN]),
      i16: new Int16Array([-3, 4]),
      big: 2n ** 70n,
      map: new Map<unknown, unknown>([[1, 'one'], ['k', new Set([1, 2])]]),
      date: new Date(86_400_000),
      buf: Buffer.from('hi'),
      nested: { list: [1, { x: undefined }, null], neg: -0 },
    }));
    const echo = delayed((v: unknown) => v);
    const target = echo(make());
    const [fresh] = await compute(target, { cacheDir: dir });
    const [cached] = await compute(target, { cacheDir: dir });
    for (const value of [fresh, cached]) {
      const v = value as Record<string, any>;
      expect(v.f64).toBeInstanceOf(Float64Array);
      expect(Object.is(v.f64[1], -0)).toBe(true);
      expect(v.i16).toEqual(new Int16Array([-3, 4]));
      expect(v.big).toBe(2n ** 70n);
      expect(v.map).toEqual(new Map<unknown, unknown>([[1, 'one'], ['k', new Set([1, 2])]]));
      expect(v.date).toEqual(new Date(86_400_000));
      expect(Buffer.isBuffer(v.buf)).toBe(true);
      expect(Object.is(v.nested.neg, -0)).toBe(true);
      expect('x' in v.nested.list[1]).toBe(true);
    }
  });

  it('runs at most `workers` tasks at a time', async () => {
    const { path } = tempDirFile();
    const sleepy = delayed(async (log: string, i: number) => {
      const fs = process.getBuiltinModule('node:fs');
      fs.appendFileSync(log, `start ${Date.now()} ${i}\n`);
      await new Promise((resolve) => setTimeout(resolve, 40));
      fs.appendFileSync(log, `end ${Date.now()} ${i}\n`);
      return i;
    });
    const join = delayed((...xs: number[]) => xs.length);
    const tasks = Array.from({ length: 6 }, (_, i) => sleepy(path, i));
    expect(await compute(join(...tasks), { cache: false, workers: 2 })).toEqual([6]);
    const { readFileSync } = await import('node:fs');
    let running = 0;
    let most = 0;
    for (const line of readFileSync(path, 'utf8').trim().split('\n')) {
      running += line.startsWith('start') ? 1 : -1;
      most = Math.max(most, running);
    }
    expect(most).toBe(2);
  });

  it('serves identical work running in another run from the futures table', async () => {
    const { path } = tempDirFile();
    const slow = delayed(async (log: string, x: number) => {
      process.getBuiltinModule('node:fs').appendFileSync(log, `${x}\n`);
      await new Promise((resolve) => setTimeout(resolve, 30));
      return x * 10;
    });
    const a = startRun([slow(path, 1)], { cache: false });
    const b = startRun([slow(path, 1)], { cache: false });
    expect(await Promise.all([a.result, b.result])).toEqual([[10], [10]]);
    expect(process.getBuiltinModule('node:fs').readFileSync(path, 'utf8')).toBe('1\n');
    expect(a.counts.executed + b.counts.executed).toBe(1);
    expect(a.counts.deduplicated + b.counts.deduplicated).toBe(1);
  });

  it('counts identical calls within one graph once', async () => {
    const inc = delayed((x: number) => x + 1);
    const add = delayed((a: number, b: number) => a + b);
    const run = startRun([add(inc(1), inc(1))], { cache: false });
    expect(await run.result).toEqual([4]);
    expect(run.counts).toMatchObject({ executed: 2, deduplicated: 1, total: 2 });
  });

  it('uses any Store given, such as the in-memory one', async () => {
    const store = new MemoryStore();
    const inc = delayed((x: number) => x + 1);
    const first = startRun([inc(inc(5))], { store });
    await first.result;
    const second = startRun([inc(inc(5))], { store });
    expect(await second.result).toEqual([7]);
    expect(second.counts).toMatchObject({ executed: 0, cached: 1 });
  });

  it('re-executes only what a change touched', async () => {
    const dir = cacheDir();
    const square = delayed((x: number) => x * x);
    const sum = delayed((...xs: number[]) => xs.reduce((a, b) => a + b, 0));
    const first = startRun([sum(...[1, 2, 3].map((x) => square(x)))], { cacheDir: dir });
    expect(await first.result).toEqual([14]);
    const second = startRun([sum(...[1, 2, 4].map((x) => square(x)))], { cacheDir: dir });
    expect(await second.result).toEqual([21]);
    expect(second.counts).toMatchObject({ executed: 2, cached: 2 });
  });

  it('never caches a function marked cache: false, and still caches the rest', async () => {
    const dir = cacheDir();
    const { path } = tempDirFile();
    const stamp = delayed(
      (log: string) => {
        process.getBuiltinModule('node:fs').appendFileSync(log, 'ran\n');
        return 1;
      },
      { cache: false },
    );
    const inc = delayed((x: number) => x + 1);
    const first = startRun([stamp(path), inc(1)], { cacheDir: dir });
    await first.result;
    const second = startRun([stamp(path), inc(1)], { cacheDir: dir });
    expect(await second.result).toEqual([1, 2]);
    expect(second.counts).toMatchObject({ executed: 1, cached: 1 });
    expect(process.getBuiltinModule('node:fs').readFileSync(path, 'utf8')).toBe('ran\nran\n');
    expect(() => delayed((x: number) => x, { cache: 'no' as never })).toThrow('Expected `cache` to be a boolean, got `no` (string)');
  });

  it('recomputes a cached result whose stored bytes are corrupt, never returning them', async () => {
    const dir = cacheDir();
    const make = delayed((n: number) => Array.from({ length: n }, (_, i) => i * i));
    const total = delayed((xs: number[]) => xs.reduce((a, b) => a + b, 0));
    const target = total(make(10));
    expect(await compute(target, { cacheDir: dir })).toEqual([285]);

    // Overwrite the target's stored bytes with a valid encoding of a wrong value.
    const db = new ClassicLevel<string, Uint8Array>(dir, { valueEncoding: 'view' });
    await db.open();
    const keys = await db.keys({ gte: 'r/', lt: 'r0' }).all();
    for (const key of keys) await db.put(key, packValue(-1));
    await db.close();

    const run = startRun([target], { cacheDir: dir });
    expect(await run.result).toEqual([285]);
    expect(run.counts.executed).toBeGreaterThanOrEqual(1);
    const again = startRun([target], { cacheDir: dir });
    expect(await again.result).toEqual([285]);
    expect(again.counts).toMatchObject({ executed: 0, cached: 1 });
  });

  it('publishes immer snapshots of every node while it runs and at the end', async () => {
    const inc = delayed((x: number) => x + 1);
    const snapshots: ReturnType<ReturnType<typeof startRun>['snapshot']>[] = [];
    const run = startRun([inc(inc(inc(0)))], { cache: false, onSnapshot: (s) => snapshots.push(s), snapshotIntervalMs: 5 });
    await run.result;
    const last = snapshots.at(-1)!;
    expect(last.status).toBe('succeeded');
    expect(Object.values(last.nodes).map((n) => n.state)).toEqual(['done', 'done', 'done']);
    expect(last.counts.executed).toBe(3);
    expect(Object.isFrozen(last.nodes)).toBe(true);
    expect(run.snapshot()).toBe(last);
  });

  it('frees intermediate results during a long chain', async () => {
    // Main-thread steps let the test hold weak references to every result.
    const made: WeakRef<number[]>[] = [];
    const step = delayed(
      (_prev: number[] | null, i: number) => {
        const result = new Array(1_000).fill(i);
        made.push(new WeakRef(result));
        return result;
      },
      { mainThread: true },
    );
    let node: Delayed<number[]> = step(null, 0);
    for (let i = 1; i < 20_000; i++) node = step(node, i);
    const run = startRun([node], { cache: false });
    const [last] = await run.result;
    expect(last![0]).toBe(19_999);
    await collectGarbage();
    // The run still holds its state; only the target's result may be reachable from it.
    const alive = made.filter((ref) => ref.deref() !== undefined).length;
    expect(made).toHaveLength(20_000);
    expect(alive).toBeLessThanOrEqual(2);
    expect(run.counts.executed).toBe(20_000);
  });

  it('keeps publishing snapshots while busy main-thread tasks run', async () => {
    const busy = delayed(
      (_prev: number, i: number) => {
        const until = performance.now() + 2;
        while (performance.now() < until);
        return i;
      },
      { mainThread: true },
    );
    let node: Delayed<number> = busy(0, 0);
    for (let i = 1; i < 100; i++) node = busy(node, i);
    const running: number[] = [];
    const run = startRun([node], {
      cache: false,
      snapshotIntervalMs: 5,
      onSnapshot: (s) => s.status === 'running' && running.push(s.counts.executed),
    });
    await run.result;
    expect(running.length).toBeGreaterThanOrEqual(2);
    expect(running.some((executed) => executed > 0 && executed < 100)).toBe(true);
  });

  it('rejects awaiting a Delayed and using it as a value', async () => {
    const inc = delayed((x: number) => x + 1);
    await expect(async () => await (inc(1) as unknown as Promise<number>)).rejects.toThrow(/lazy and cannot be awaited/);
    expect(() => +inc(1)).toThrow(/has no value yet/);
    expect(`${inc(1)}`).toMatch(/^Delayed\(anonymous|inc/);
  });
});

function tempDirFile(): { path: string } {
  const dir = tempDir();
  dirs.push(dir);
  return { path: `${dir.path}/log.txt` };
}
