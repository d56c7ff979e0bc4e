import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, delayed, shutdown, startRun } from '../../src/index.js';
import { tempDir } from '../helpers.js';

afterAll(() => shutdown());

const sample = delayed(
  function sample(scale: number) {
    return Math.random() * scale;
  },
  { pure: false },
);
const sum = delayed(function sum(...xs: number[]) {
  return xs.reduce((a, b) => a + b, 0);
});

describe('pure: false', () => {
  it('makes every call a node of its own: ten calls, ten executions, ten values', async () => {
    const draws = Array.from({ length: 10 }, () => sample(1));
    expect(new Set(draws.map((d) => d.cid)).size).toBe(10);
    const run = startRun(draws, { cache: false });
    const values = await run.result;
    expect(run.counts.executed).toBe(10);
    expect(run.counts.deduplicated).toBe(0);
    expect(new Set(values).size).toBe(10);
  });

  it('is never served from the cache, and its dependents run again too', async () => {
    const dir = tempDir();
    try {
      const first = startRun([sum(sample(1), sample(1))], { cacheDir: dir.path });
      const [a] = await first.result;
      expect(first.counts.executed).toBe(3);
      const second = startRun([sum(sample(1), sample(1))], { cacheDir: dir.path });
      const [b] = await second.result;
      expect(second.counts.executed).toBe(3);
      expect(second.counts.cached).toBe(0);
      expect(b).not.toBe(a);
    } finally {
      dir.remove();
    }
  });

  it('is one node however often the same Delayed is used', async () => {
    const once = sample(100);
    const run = startRun([sum(once, once), once], { cache: false });
    const [total, value] = await run.result;
    expect(total).toBe(2 * (value as number));
    expect(run.counts.executed).toBe(2);
  });

  it('cannot be combined with cache: true', () => {
    expect(() => delayed(() => 1, { pure: false, cache: true })).toThrow(InvalidArgumentError);
    // @ts-expect-error: pure is a boolean
    expect(() => delayed(() => 1, { pure: 'no' })).toThrow(/`pure` to be a boolean/);
  });
});
