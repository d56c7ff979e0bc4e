// Type-level tests: `npm test` type-checks this file, so a wrong public type fails the run.
import { describe, expectTypeOf, it } from 'vitest';
import { compute, delayed, startRun, type Delayed } from '../../src/index.js';

describe('public types', () => {
  it('types Delayed values by the awaited return type', () => {
    const sync = delayed((x: number) => String(x));
    const asynchronous = delayed(async (x: number) => [x]);
    expectTypeOf(sync(1)).toEqualTypeOf<Delayed<string>>();
    expectTypeOf(asynchronous(1)).toEqualTypeOf<Delayed<number[]>>();
  });

  it('accepts a Delayed wherever its value type is expected, also nested', () => {
    const inc = delayed((x: number) => x + 1);
    const sum = delayed((xs: number[]) => xs.length);
    const configure = delayed((c: { scale: number; tags: string[] }) => c.scale);
    expectTypeOf(inc(inc(1))).toEqualTypeOf<Delayed<number>>();
    expectTypeOf(sum([inc(1), 2, inc(3)])).toEqualTypeOf<Delayed<number>>();
    expectTypeOf(configure({ scale: inc(1), tags: ['a'] })).toEqualTypeOf<Delayed<number>>();
    // @ts-expect-error a Delayed<string> is not a number
    inc(delayed((s: string) => s)('x'));
  });

  it('types compute results as a tuple, with or without options', () => {
    const a = delayed(() => 1)();
    const b = delayed(() => 'two')();
    expectTypeOf(compute(a, b)).resolves.toEqualTypeOf<[number, string]>();
    expectTypeOf(compute(a, b, { workers: 2 })).resolves.toEqualTypeOf<[number, string]>();
    expectTypeOf(startRun([a, b]).result).resolves.toEqualTypeOf<[number, string]>();
    expectTypeOf(a.compute()).resolves.toEqualTypeOf<number>();
  });
});
