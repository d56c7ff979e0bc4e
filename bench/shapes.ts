/**
 * Sizes and answers of the graph shapes, from their parameters alone. Both
 * sides build these shapes (bench/graphs.ts, bench/dask_side.py); the harness
 * divides by the sizes for per-node figures and checks both sides' answers
 * against the closed forms here.
 */

/** Nodes of a binary reduction over `leaves` leaves: every add joins two nodes into one. */
export function treeNodes(leaves: number): number {
  return 2 * leaves - 1;
}

/** Σ inc(i) for i < n = Σ (i + 1) = n(n + 1)/2: the answer of wide, tree, rerun and big. */
export function sumOfIncs(n: number): number {
  return (n * (n + 1)) / 2;
}

/** Σ inc(i % distinct) for i < calls. */
export function dedupTotal(calls: number, distinct: number): number {
  const rounds = Math.floor(calls / distinct);
  const rest = calls % distinct;
  return rounds * sumOfIncs(distinct) + sumOfIncs(rest);
}

/** Elements of `mib` MiB of float64. */
export function hashElements(mib: number): number {
  return (mib * 1024 * 1024) / 8;
}

/**
 * The hash scenario's array holds (i % 1000) / 4: quarters, so every partial
 * sum is exact in float64 whatever order a side adds them in.
 */
export function hashChecksum(mib: number): number {
  const elements = hashElements(mib);
  const rounds = Math.floor(elements / 1000);
  const rest = elements % 1000;
  return (rounds * 499_500 + (rest * (rest - 1)) / 2) / 4;
}

/** Seeds of the cpu scenario's tasks: 1, 2, … so that no task's result is another's. */
export function cpuSeeds(tasks: number): number[] {
  return Array.from({ length: tasks }, (_, i) => i + 1);
}
