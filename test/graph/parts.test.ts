import { afterAll, describe, expect, expectTypeOf, it } from 'vitest';
import { compute, delayed, shutdown, startRun, type Delayed } from '../../src/index.js';
import { tempDir } from '../helpers.js';

afterAll(() => shutdown());

interface Stats {
  mean: number;
  n: number;
  label: string;
}

const summarise = delayed(function summarise(xs: number[]): Stats {
  return { mean: xs.reduce((a, b) => a + b, 0) / xs.length, n: xs.length, label: `n=${xs.length}` };
});
const pairUp = delayed(function pairUp(xs: number[]): [number, string] {
  return [xs.length, xs.join('-')];
});
const split = delayed(
  function split(xs: number[]): [number[], number[]] {
    const cut = Math.floor(xs.length / 2);
    return [xs.slice(0, cut), xs.slice(cut)];
  },
  { nout: 2 },
);
const total = delayed(function total(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
});

describe('x.get(key)', () => {
  it('is a typed node of a property, an element, a tuple member or a Map value', async () => {
    const stats = summarise([1, 2, 3, 6]);
    const mean = stats.get('mean');
    const label = stats.get('label');
    expectTypeOf(mean).toEqualTypeOf<Delayed<number>>();
    expectTypeOf(label).toEqualTypeOf<Delayed<string>>();
    const pair = pairUp([4, 5]);
    expectTypeOf(pair.get(1)).toEqualTypeOf<Delayed<string>>();
    const table = delayed(function table(): Map<string, number> {
      return new Map([['a', 1], ['b', 2]]);
    })();
    expectTypeOf(table.get('b')).toEqualTypeOf<Delayed<number>>();
    const values = await compute(mean, label, pair.get(0), pair.get(1), table.get('b'), { cache: false });
    expect(values).toEqual([3, 'n=4', 2, '4-5', 2]);
  });

  it('has a CID of its own, the same for the same part of the same call, and feeds other tasks', async () => {
    const stats = summarise([1, 2, 3]);
    expect(stats.get('mean').cid).toBe(summarise([1, 2, 3]).get('mean').cid);
    expect(stats.get('mean').cid).not.toBe(stats.get('n').cid);
    expect(stats.get('mean').cid).not.toBe(summarise([1, 2, 4]).get('mean').cid);
    const doubled = delayed(function double(x: number) {
      return 2 * x;
    })(stats.get('mean'));
    expect(await doubled.compute({ cache: false })).toBe(4);
  });

  it('is cached like any node, and a re-run executes nothing', async () => {
    const dir = tempDir();
    try {
      const stats = summarise([10, 20]);
      const first = startRun([stats.get('mean')], { cacheDir: dir.path });
      expect(await first.result).toEqual([15]);
      expect(first.counts.executed).toBe(2);
      const again = startRun([summarise([10, 20]).get('mean')], { cacheDir: dir.path });
      expect(await again.result).toEqual([15]);
      expect(again.counts.executed).toBe(0);
      expect(again.counts.cached).toBe(1);
    } finally {
      dir.remove();
    }
  });

  it('fails its node with a message naming the missing part', async () => {
    const stats = summarise([1]);
    // @ts-expect-error: not a key of Stats
    const missing = stats.get('median');
    await expect(missing.compute({ cache: false })).rejects.toThrow(/has no property "median"/);
    await expect(pairUp([1]).get(5).compute({ cache: false })).rejects.toThrow(/2 elements, so there is no element 5/);
  });
});

describe('nout', () => {
  it('unpacks a call into typed nodes of its elements', async () => {
    const [left, right] = split([1, 2, 3, 4, 5]);
    expectTypeOf(left).toEqualTypeOf<Delayed<number[]>>();
    expectTypeOf(right).toEqualTypeOf<Delayed<number[]>>();
    expect(await compute(total(left), total(right), { cache: false })).toEqual([3, 12]);
    const whole = split([1, 2]);
    expect(await whole.compute({ cache: false })).toEqual([[1], [2]]);
    expect(whole[0].cid).toBe(whole.get(0).cid);
  });

  it('iterates over exactly its nout elements, the same nodes each time, as spread, for…of and by hand', () => {
    const whole = split([1, 2, 3]);
    const spread = [...whole];
    expect(spread.map((part) => part.cid)).toEqual([whole.get(0).cid, whole.get(1).cid]);
    const seen: Delayed<number[]>[] = [];
    for (const part of whole) seen.push(part);
    expect(seen.length).toBe(2);
    expect(seen[0]).toBe(spread[0]);
    expect(seen[1]).toBe(spread[1]);
    expect(seen[0]).toBe(whole[0]);
    const iterator = (whole as Iterable<Delayed<number[]>>)[Symbol.iterator]() as IterableIterator<Delayed<number[]>>;
    expect(iterator[Symbol.iterator]()).toBe(iterator);
    const steps = [iterator.next(), iterator.next(), iterator.next(), iterator.next()];
    expect(steps.map((step) => step.done)).toEqual([false, false, true, true]);
    expect(steps[0]!.value).toBe(whole[0]);
    expect(steps[1]!.value).toBe(whole[1]);
    expect(steps[2]!.value).toBeUndefined();
  });

  it('is refused unless a whole number of outputs, and a Delayed without it cannot be unpacked', () => {
    expect(() => delayed((x: number): [number] => [x], { nout: 0 as 1 })).toThrow(/nout/);
    // @ts-expect-error: nout must match the tuple's length
    delayed((x: number): [number, number] => [x, x], { nout: 3 });
    const plain = total([1]);
    expect(() => {
      const [first] = plain;
      return first;
    }).toThrow(/pass \{ nout: N \} to delayed\(\)/);
  });
});
