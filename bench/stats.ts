/**
 * A figure is the median of some runs with their min and max. The median, not
 * the mean: on a shared machine one run in five can be slowed by a neighbour,
 * and the median ignores it while min–max still shows it happened.
 */

export interface Figure {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** How many runs it summarises. */
  readonly runs: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function summarize(values: readonly number[]): Figure {
  if (values.some((value) => !Number.isFinite(value))) throw new RangeError(`not a finite sample in [${values.join(', ')}]`);
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), runs: values.length };
}

/** The same runs, each scaled (ms → µs per node: `scaled(ms, 1000 / nodes)`). */
export function scaled(values: readonly number[], factor: number): number[] {
  return values.map((value) => value * factor);
}

/** Run i of `a` over run i of `b`: pairs runs that happened close in time (speedups). */
export function pairwise(a: readonly number[], b: readonly number[], combine: (x: number, y: number) => number): number[] {
  if (a.length !== b.length) throw new RangeError(`cannot pair ${a.length} runs with ${b.length}`);
  return a.map((x, i) => combine(x, b[i]!));
}

/**
 * How many times better memograph is than the baseline, from the medians: above 1
 * means memograph wins. `lowerIsBetter` for times and bytes, not for throughputs
 * and speedups.
 */
export function ratio(memograph: Figure, baseline: Figure, lowerIsBetter: boolean): number {
  return lowerIsBetter ? baseline.median / memograph.median : memograph.median / baseline.median;
}
