import { describe, expect, it } from 'vitest';
import { median, pairwise, ratio, scaled, summarize } from '../../bench/stats.js';

describe('bench figures', () => {
  it('takes the median of odd and even counts, whatever the order', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(() => median([])).toThrow(RangeError);
  });

  it('summarizes runs as median with min and max', () => {
    expect(summarize([30, 10, 20, 50, 40])).toEqual({ median: 30, min: 10, max: 50, runs: 5 });
    expect(() => summarize([1, Number.NaN])).toThrow(RangeError);
  });

  it('scales and pairs runs', () => {
    expect(scaled([10, 20], 1000 / 4)).toEqual([2500, 5000]);
    expect(pairwise([8, 9], [4, 3], (a, b) => a / b)).toEqual([2, 3]);
    expect(() => pairwise([1], [1, 2], (a) => a)).toThrow(RangeError);
  });

  it('gives ratios above 1 when memograph wins, for times and for throughputs', () => {
    const fast = summarize([2]);
    const slow = summarize([50]);
    expect(ratio(fast, slow, true)).toBe(25);
    expect(ratio(slow, fast, false)).toBe(25);
    expect(ratio(slow, fast, true)).toBe(0.04);
  });
});
