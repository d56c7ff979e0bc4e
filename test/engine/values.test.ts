/**
 * Every value reaches its task, and comes back from the cache, exactly: strings with
 * lone surrogates, every binary kind (a Buffer stays a Buffer whatever shares its
 * batch), instances of registered classes. Real worker threads and a real LevelDB.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { compute, delayed, shutdown, startRun, UnhashableError } from '../../src/index.js';
import { Opaque, Vec, describeVecTask, scaledTask } from '../fixtures/geometry.js';
import { tempDir } from '../helpers.js';

const dir = tempDir();
afterAll(async () => {
  await shutdown();
  dir.remove();
});
let caches = 0;
const freshCache = () => `${dir.path}/cache-${caches++}`;

const LONE = '👍 great'.slice(0, 1);
const lonely = () => ({
  text: LONE,
  other: '\uD800x',
  [LONE]: 'as a key',
  nested: [{ deep: new Map<unknown, unknown>([[LONE, new Set(['\uDC00'])]]) }],
  re: new RegExp('\uD800'),
});

/** Code units of every string in a value, so a test sees exactly what a task saw. */
function unitsOf(value: unknown): unknown {
  const codes = (s: string) => Array.from({ length: s.length }, (_, i) => s.charCodeAt(i));
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return codes(v);
    if (v instanceof RegExp) return ['re', codes(v.source)];
    if (Array.isArray(v)) return v.map(walk);
    if (v instanceof Map) return ['map', [...v].map(([k, x]) => [walk(k), walk(x)])];
    if (v instanceof Set) return ['set', [...v].map(walk)];
    if (typeof v === 'object' && v !== null) return Object.entries(v).map(([k, x]) => [codes(k), walk(x)]);
    return v;
  };
  return walk(value);
}
const units = delayed(unitsOf);
const unitsOnMain = delayed(unitsOf, { mainThread: true, name: 'unitsOnMain' });
const echo = delayed(function echo<T>(value: T): T {
  return value;
});

describe('strings with lone surrogates', () => {
  it('reach worker and main-thread tasks exactly, as values, object keys, Map keys and Set members', async () => {
    const expected = unitsOf(lonely());
    const [onWorker, onMain] = await compute(units(lonely()), unitsOnMain(lonely()), { cache: false });
    expect(onWorker).toEqual(expected);
    expect(onMain).toEqual(expected);
    expect(JSON.stringify(onWorker)).toContain(String(0xd83d)); // the lone high surrogate of 👍
  });

  it('come back exactly from a worker, through a dependent task, and from the cache', async () => {
    const cacheDir = freshCache();
    const build = () => [echo(lonely()), units(echo(lonely())), unitsOnMain(echo(lonely()))] as const;
    const first = await compute(...build(), { cacheDir });
    const run = startRun([...build()], { cacheDir });
    const second = await run.result;
    expect(run.counts.executed).toBe(0);
    for (const values of [first, second]) {
      expect(values[0]).toEqual(lonely());
      const value = values[0] as ReturnType<typeof lonely>;
      expect(value.text).toBe(LONE);
      expect(Object.keys(value)).toContain(LONE);
      expect([...value.nested[0]!.deep.keys()]).toEqual([LONE]);
      expect(value.re.source).toBe(new RegExp('\uD800').source);
      expect(values[1]).toEqual(values[2]);
    }
  });
});

const KINDS = () => {
  const backing = new Uint8Array(64).map((_, i) => i * 3 + 1);
  return {
    buffer: Buffer.from([1, 2, 3]),
    pooled: Buffer.from('pooled'), // a view into Buffer's shared pool
    u8: new Uint8Array([4, 5]),
    u8c: new Uint8ClampedArray([6]),
    i8: new Int8Array([-7]),
    u16: new Uint16Array(backing.buffer, 2, 3),
    i16: new Int16Array([-300]),
    u32: new Uint32Array([2 ** 32 - 1]),
    i32: new Int32Array([-(2 ** 31)]),
    f32: new Float32Array([1.5]),
    f64: new Float64Array([NaN, -0]),
    i64: new BigInt64Array([-(2n ** 63n)]),
    u64: new BigUint64Array([2n ** 64n - 1n]),
    view: new DataView(backing.buffer, 5, 7),
    arrayBuffer: backing.buffer.slice(10, 20),
  };
};

/** What a task sees of each binary value: its class and its bytes. */
function kindsOf(values: Record<string, ArrayBufferView | ArrayBuffer>, ...rest: unknown[]) {
  const seen: Record<string, [string, number[]]> = {};
  for (const [name, v] of Object.entries(values)) {
    const bytes = ArrayBuffer.isView(v) ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : new Uint8Array(v);
    seen[name] = [Object.getPrototypeOf(v).constructor.name + (Buffer.isBuffer(v) ? '!' : ''), Array.from(bytes)];
  }
  return { seen, rest: rest.length };
}
const kinds = delayed(kindsOf);
const kindsOnMain = delayed(kindsOf, { mainThread: true, name: 'kindsOnMain' });

function expectExact(actual: Record<string, unknown>): void {
  const expected = KINDS();
  for (const [name, value] of Object.entries(expected)) {
    expect(Object.getPrototypeOf(actual[name]), name).toBe(Object.getPrototypeOf(value));
    expect(actual[name], name).toEqual(value);
  }
}

describe('binary values keep their exact type and bytes', () => {
  it('at worker and main-thread tasks, whatever shares the batch (a registered instance, a lone surrogate)', async () => {
    const expected = kindsOf(KINDS());
    const [alone, beside, onMain] = await compute(
      kinds(KINDS()),
      kinds(KINDS(), new Vec(3, 4), LONE, -0, { __proto__x: 1 }),
      kindsOnMain(KINDS(), new Vec(3, 4)),
      { cache: false },
    );
    expect(alone).toEqual(expected);
    expect(beside).toEqual({ ...(expected as object), rest: 4 });
    expect(onMain).toEqual({ ...(expected as object), rest: 1 });
    expect((alone as unknown as { seen: Record<string, [string]> }).seen.buffer![0]).toBe('Buffer!');
  });

  it('returned from workers, as inputs of fused tasks, and from the cache', async () => {
    const cacheDir = freshCache();
    // Learn durations first, so that later batches fuse a producer with its consumers.
    await compute(echo(0), kinds({}), { cache: false });
    const build = () => {
      const made = echo(KINDS());
      return [made, kinds(made as never), kindsOnMain(made as never), echo([made, new Vec(1, 1)])] as const;
    };
    const first = await compute(...build(), { cacheDir });
    const run = startRun([...build()], { cacheDir });
    const second = await run.result;
    expect(run.counts.executed).toBe(0);
    for (const values of [first, second]) {
      expectExact(values[0] as Record<string, unknown>);
      expect(values[1]).toEqual(values[2]);
      const [again, vec] = values[3] as [Record<string, unknown>, Vec];
      expectExact(again);
      expect(vec).toBeInstanceOf(Vec);
    }
  });
});

describe('instances of registered classes', () => {
  it('reach worker tasks (module and self-contained) and main-thread tasks as instances', async () => {
    const methods = delayed(function methods(v: { length(): number; constructor: { name: string } }) {
      return [v.constructor.name, v.length()];
    });
    const onMain = delayed((v: unknown) => v instanceof Vec && v.length(), { mainThread: true });
    const [described, viaSource, main] = await compute(describeVecTask(new Vec(3, 4)), methods(new Vec(6, 8)), onMain(new Vec(5, 12)), { cache: false });
    expect(described).toEqual({ isVec: true, length: 5 });
    expect(viaSource).toEqual(['Vec', 10]);
    expect(main).toBe(13);
  });

  it('come back from worker tasks as instances, also from the cache and inside other values', async () => {
    const cacheDir = freshCache();
    const build = () => [scaledTask(new Vec(1, 2), 3), describeVecTask(scaledTask(new Vec(3, 4), 2)), echo({ m: new Map([['v', new Vec(0, 1)]]) })] as const;
    const first = await compute(...build(), { cacheDir });
    const run = startRun([...build()], { cacheDir });
    const second = await run.result;
    expect(run.counts.executed).toBe(0);
    for (const [vec, described, holder] of [first, second]) {
      expect(vec).toBeInstanceOf(Vec);
      expect(vec).toEqual(new Vec(3, 6));
      expect(described).toEqual({ isVec: true, length: 10 });
      expect((holder as { m: Map<string, Vec> }).m.get('v')).toBeInstanceOf(Vec);
    }
  });

  it('without a decode, are refused when the call to a worker task is made, naming the path and class', () => {
    const error = (() => {
      try {
        echo({ list: [1, new Opaque(7)] });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UnhashableError);
    expect((error as UnhashableError).path).toBe('args[0].list[1]');
    expect((error as Error).message).toContain('`Opaque`');
    expect((error as Error).message).toContain('no `decode`');
  });

  it('a value changed after the call so that it can no longer travel fails its task, naming where, and nothing else', async () => {
    const arg: Record<string, unknown> = { a: 1 };
    const bad = echo(arg);
    arg.f = () => 1; // mutated after the call: nothing may send it degraded
    const run = startRun([bad, echo('fine')], { cache: false, onFailure: 'continue' });
    const { values, failures } = await run.settled;
    expect(values[1]).toBe('fine');
    expect(failures).toHaveLength(1);
    expect(failures[0]!.message).toContain('args[0].f is a function');
    expect(failures[0]!.message).toContain('cannot be sent to a worker thread');
  });

  it('without a decode, still reach main-thread tasks as themselves', async () => {
    const secret = delayed((o: Opaque) => o instanceof Opaque && o.secret, { mainThread: true });
    expect(await compute(secret(new Opaque(7)), { cache: false })).toEqual([7]);
  });
});
