import { afterAll, describe, expect, expectTypeOf, it } from 'vitest';
import { InvalidArgumentError, computeStructure, delayed, shutdown, startRun } from '../../src/index.js';

afterAll(() => shutdown());

const fit = delayed(function fit(xs: number[]) {
  return { slope: xs.length, label: `fit of ${xs.length}` };
});
const score = delayed(function score(x: number) {
  return x * 10;
});

describe('computeStructure', () => {
  it('gives the structure back with values in place of Delayed, typed, literals as they are', async () => {
    const model = fit([1, 2, 3]);
    const when = new Date(0);
    const result = await computeStructure({ model, scores: [score(1), score(2)], note: 'x', nested: { again: model, when } }, { cache: false });
    expectTypeOf(result.model).toEqualTypeOf<{ slope: number; label: string }>();
    expectTypeOf(result.scores).toEqualTypeOf<[number, number]>();
    expectTypeOf(result.note).toEqualTypeOf<'x'>();
    expect(result).toEqual({ model: { slope: 3, label: 'fit of 3' }, scores: [10, 20], note: 'x', nested: { again: { slope: 3, label: 'fit of 3' }, when } });
    expect(result.nested.when).toBe(when);
  });

  it('puts the value of a Delayed used several times in each of its places', async () => {
    const shared = score(7);
    const run = startRun([shared], { cache: false });
    await run.result;
    const values = await computeStructure([shared, { twice: shared }, [[shared]]], { cache: false });
    expect(values).toEqual([70, { twice: 70 }, [[70]]]);
  });

  it('takes a plain value or an empty structure, and refuses one that refers to itself', async () => {
    expect(await computeStructure({ a: 1 })).toEqual({ a: 1 });
    expect(await computeStructure(score(3), { cache: false })).toBe(30);
    const loop: { self?: unknown } = {};
    loop.self = loop;
    await expect(computeStructure(loop)).rejects.toThrow(InvalidArgumentError);
    await expect(computeStructure(loop)).rejects.toThrow('at structure.self');
  });
});
