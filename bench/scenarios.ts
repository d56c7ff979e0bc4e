/**
 * The scenarios of the benchmark and their parameters (the defaults of issue 3),
 * plus the smaller set `--quick` uses. Parameter keys are camelCase here and
 * kebab-case on the command line (`--big.dask-leaves`); the Python side gets
 * them as JSON with these same keys.
 */

export const SCENARIOS = ['wide', 'tree', 'chain', 'dedup', 'rerun', 'cpu', 'hash', 'build', 'big', 'watch', 'identity', 'shared', 'dynamic', 'cluster'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/**
 * Scenarios that measure memograph against itself: the harness starts no Dask
 * side for them (no figure to fake, no baseline to cache) and their Dask
 * columns show `—`.
 */
const MEMOGRAPH_ONLY: ReadonlySet<ScenarioName> = new Set(['watch', 'identity', 'shared', 'dynamic']);

export function hasDaskSide(scenario: ScenarioName): boolean {
  return !MEMOGRAPH_ONLY.has(scenario);
}

export interface ScenarioParams {
  /** n independent inc(i), then one sum over all of them. */
  wide: { n: number };
  /** A binary reduction (add) over `leaves` inc(i) leaves: 2·leaves − 1 nodes. */
  tree: { leaves: number };
  /** n inc calls, each on the previous one's result. */
  chain: { n: number };
  /** `calls` inc(i % distinct) calls, then one sum over all of them. */
  dedup: { calls: number; distinct: number };
  /** The tree, re-run from the cache in a fresh process; joblib makes `joblibCalls` warm calls. */
  rerun: { leaves: number; joblibCalls: number };
  /** `tasks` independent CPU-bound tasks, each calibrated to take about `ms` on one core. */
  cpu: { tasks: number; ms: number };
  /** The content address of one Float64Array of `mib` MiB. */
  hash: { mib: number };
  /** Building the tree graph (every CID), without running it. */
  build: { leaves: number };
  /** A tree of `leaves` leaves, built and run; Dask runs `daskLeaves` leaves (it is slow) and is compared per node. */
  big: { leaves: number; daskLeaves: number };
  /** The wide graph of n incs on worker threads, unwatched and under each watcher (watchers.ts); memograph only. */
  watch: { n: number };
  /**
   * The code manifest of an export of a copy of memograph's own src/ (its
   * index.ts closure: 60+ files): first use in a fresh process with an empty
   * and with a filled persistent cache, warm in the same process, and in a
   * fresh process after one file of the closure was edited. memograph only.
   */
  identity: { edits: number };
  /**
   * The tree of `leaves` leaves on worker threads, computed by 1, 2 and 4
   * processes at once on one fresh cache directory: each its own tree, then
   * all the same tree (shared-variants.ts). memograph only.
   */
  shared: { leaves: number };
  /**
   * Parts, unpacking and a returned graph of `n` nodes against plain graphs of the
   * same size, and a cached re-run of the tree of `n` leaves looked up by call and by
   * value (dynamic-graphs.ts). memograph only.
   */
  dynamic: { n: number };
  /**
   * The wide, tree, chain and cpu shapes on two `memograph worker` processes of one
   * slot each over a loopback Redis, against Dask distributed's LocalCluster of two
   * one-thread worker processes; and how soon a task killed with its worker starts
   * again on the other (workers' lock `lockMs`). cluster-side.ts. Dask runs wide and
   * tree at `daskWide` and `daskLeaves` (at some 3 ms a task, the full sizes take it
   * minutes a run) and is compared per task, as in big; a smaller graph only spreads
   * its fixed costs over fewer tasks, which counts against Dask, not for memograph.
   */
  cluster: { wide: number; leaves: number; daskWide: number; daskLeaves: number; chain: number; cpuTasks: number; cpuMs: number; lockMs: number };
}

export type AnyParams = ScenarioParams[ScenarioName];

export const DEFAULT_PARAMS: ScenarioParams = {
  wide: { n: 10_000 },
  tree: { leaves: 10_000 },
  chain: { n: 1_000 },
  dedup: { calls: 100_000, distinct: 1_000 },
  rerun: { leaves: 10_000, joblibCalls: 2_000 },
  cpu: { tasks: 8, ms: 250 },
  hash: { mib: 256 },
  build: { leaves: 10_000 },
  // 500,000 leaves make the 999,999-node tree of the issue.
  big: { leaves: 500_000, daskLeaves: 50_000 },
  // Ten times wide's: a watcher costs per task, and a longer run lifts that above a run's fixed costs and the noise.
  watch: { n: 100_000 },
  identity: { edits: 1 },
  // tree's size, so that one process here is tree's graph on a cache; four processes on their own trees compute four of it.
  shared: { leaves: 10_000 },
  dynamic: { n: 10_000 },
  // tree's 10,000 leaves are its 19,999 nodes, the 20,000-node tree.
  cluster: { wide: 10_000, leaves: 10_000, daskWide: 2_000, daskLeaves: 2_000, chain: 1_000, cpuTasks: 8, cpuMs: 250, lockMs: 2_000 },
};

/** `--quick`: the same shapes, small enough that the whole run is a smoke check of under two minutes. */
export const QUICK_PARAMS: ScenarioParams = {
  wide: { n: 2_000 },
  tree: { leaves: 2_000 },
  chain: { n: 200 },
  dedup: { calls: 20_000, distinct: 200 },
  rerun: { leaves: 2_000, joblibCalls: 300 },
  cpu: { tasks: 8, ms: 40 },
  hash: { mib: 32 },
  build: { leaves: 2_000 },
  big: { leaves: 50_000, daskLeaves: 5_000 },
  watch: { n: 10_000 },
  identity: { edits: 1 },
  shared: { leaves: 2_000 },
  dynamic: { n: 2_000 },
  cluster: { wide: 2_000, leaves: 2_000, daskWide: 500, daskLeaves: 500, chain: 200, cpuTasks: 8, cpuMs: 40, lockMs: 1_000 },
};

export interface Repeat {
  /** Timed runs per variant. */
  readonly runs: number;
  /** Untimed runs first, so JIT compilation and worker start-up are not measured. */
  readonly warmup: number;
}

export const DEFAULT_REPEAT: Repeat = { runs: 5, warmup: 1 };
export const QUICK_REPEAT: Repeat = { runs: 2, warmup: 1 };

export function isScenario(name: string): name is ScenarioName {
  return (SCENARIOS as readonly string[]).includes(name);
}
