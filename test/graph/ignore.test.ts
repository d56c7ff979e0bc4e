import { afterAll, describe, expect, it } from 'vitest';
import { compute, delayed, InvalidArgumentError, shutdown, startRun } from '../../src/index.js';
import { tempDir } from '../helpers.js';

const dir = tempDir();
afterAll(async () => {
  await shutdown();
  dir.remove();
});

describe('delayed(fn, { ignore })', () => {
  it('leaves named properties of an object argument out of the address: calls that differ only there share one result', async () => {
    let runs = 0;
    const fit = delayed(
      (options: { data: number[]; verbose?: boolean; log?: string }) => {
        runs++;
        return options.data.reduce((a, b) => a + b, 0);
      },
      { mainThread: true, ignore: ['verbose', 'log'], version: 'fit' },
    );
    expect(fit({ data: [1, 2], verbose: true }).cid).toBe(fit({ data: [1, 2], verbose: false, log: 'x' }).cid);
    expect(fit({ data: [1, 2] }).cid).toBe(fit({ data: [1, 2], verbose: true }).cid);
    expect(fit({ data: [1, 3] }).cid).not.toBe(fit({ data: [1, 2] }).cid);
    const cacheDir = `${dir.path}/named`;
    expect(await compute(fit({ data: [1, 2], verbose: true }), { cacheDir })).toEqual([3]);
    expect(await compute(fit({ data: [1, 2], verbose: false }), { cacheDir })).toEqual([3]);
    expect(runs).toBe(1);
  });

  it('leaves arguments out by position, on worker threads too', async () => {
    const scale = delayed((x: number, factor: number, label: string) => `${label}: ${x * factor}`, { ignore: [2] });
    expect(scale(2, 3, 'a').cid).toBe(scale(2, 3, 'b').cid);
    expect(scale(2, 3, 'a').cid).not.toBe(scale(2, 4, 'a').cid);
    const cacheDir = `${dir.path}/positions`;
    const first = startRun([scale(2, 3, 'first')], { cacheDir });
    expect(await first.result).toEqual(['first: 6']);
    // The second call differs only in what is ignored: the first call's result stands for it.
    const second = startRun([scale(2, 3, 'second')], { cacheDir });
    expect(await second.result).toEqual(['first: 6']);
    expect([first.counts.executed, second.counts.executed, second.counts.cached]).toEqual([1, 0, 1]);
  });

  it('is part of the identity: the same function without it, or with another list, has other addresses', () => {
    const f = (x: number, y: number) => x + y;
    expect(delayed(f, { ignore: [1] })(1, 2).cid).not.toBe(delayed(f)(1, 2).cid);
    expect(delayed(f, { ignore: [1] })(1, 2).cid).not.toBe(delayed(f, { ignore: [0] })(1, 2).cid);
    // Order and repeats do not matter.
    expect(delayed(f, { ignore: ['a', 1, 'a'] })(1, 2).cid).toBe(delayed(f, { ignore: [1, 'a'] })(1, 2).cid);
  });

  it('refuses a bad list, and a Delayed among the ignored arguments, naming where', () => {
    expect(() => delayed((x: number) => x, { ignore: [-1] })).toThrow(InvalidArgumentError);
    expect(() => delayed((x: number) => x, { ignore: 'verbose' as never })).toThrow(/Expected `ignore` to be an array/);
    const one = delayed(() => 1)();
    const g = delayed((x: number, y: number) => x + y, { ignore: [1] });
    expect(() => g(1, one)).toThrow(/argument 1 is ignored .* holds a Delayed value/);
    const h = delayed((o: { a: number; b: number }) => o.a, { ignore: ['b'] });
    expect(() => h({ a: 1, b: one })).toThrow(/args\[0\]\.b is ignored/);
  });
});
