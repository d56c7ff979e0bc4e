import { availableParallelism } from 'node:os';
import { checkResources, type Resources } from './graph/resources.js';
import type { ResourceLimits } from 'node:worker_threads';
import { InvalidArgumentError } from './errors.js';
import type { DashboardOptions, ResolvedDashboardOptions } from './dashboard/dashboard-server.js';
import type { ProgressOptions } from './progress/progress.js';
import type { RunEvent, RunHooks } from './scheduler/events.js';
import type { RunSnapshot } from './scheduler/snapshots.js';
import type { FailurePolicy } from './scheduler/state.js';
import { checkTimeout, resolveRetry, type ResolvedRetry, type RetryOptions } from './graph/policies.js';
import type { Store } from './store/store.js';
import { cacheDirFromEnvironment } from './store/cache-dir.js';

/** Options of {@link compute} and {@link startRun}. */
export interface ComputeOptions {
  /**
   * How much of each resource the run has (`{ gpu: 2, memoryMb: 20000 }`): tasks that
   * declare `resources` start only while what they need is free.
   */
  resources?: Readonly<Record<string, number>>;
  /**
   * How many tasks run at once on worker threads (and, separately, how many
   * `mainThread` batches may be awaiting at once).
   * @default os.availableParallelism()
   */
  workers?: number;
  /**
   * Read results from and write them to the cache.
   * @default true
   */
  cache?: boolean;
  /**
   * The LevelDB cache directory.
   * @default process.env.MEMOGRAPH_CACHE_DIR, else `.memograph` in the working directory
   */
  cacheDir?: string;
  /** Use this store instead of the LevelDB directory (e.g. `new MemoryStore()`). */
  store?: Store;
  /**
   * Run on a cluster: tasks for worker threads go to the `memograph worker` processes
   * that take batches from this Redis, and results live in it (a RedisStore), shared by
   * every coordinator. Main-thread and `command()` tasks stay in this process.
   * @default process.env.MEMOGRAPH_REDIS_URL, as `{ redis }`, when set
   */
  cluster?: ClusterOptions;
  /**
   * Processes share a cache directory (one serves it to the others); this is how long
   * to wait when its lock is held by a process that does not serve it (a `memograph
   * cache repair`, or not memograph at all) before failing with StoreLockedError.
   * @default 10000
   */
  lockTimeoutMs?: number;
  /**
   * Limits for each worker thread; a task that exceeds them fails with a
   * WorkerCrashedError and its worker is replaced.
   * @example { maxOldGenerationSizeMb: 512 }
   */
  workerResourceLimits?: ResourceLimits;
  /**
   * What a task failure does. `'fail-fast'`: nothing new starts and the run
   * rejects at once. `'continue'`: everything that does not depend on a failure
   * still runs; `Run#settled` tells what was computed and what failed, and a
   * later run (after a fix) executes only what failed or did not run.
   * @default 'fail-fast'
   */
  onFailure?: FailurePolicy;
  /** Retry failed tasks whose function sets no `retry` of its own: attempts, or the full options. */
  retry?: number | RetryOptions;
  /** Time limit for tasks whose function sets no `timeoutMs` of its own. */
  timeoutMs?: number;
  /**
   * Abort the run: nothing new starts, running worker tasks are stopped (their
   * threads terminated), and the run rejects with an AbortError. What had
   * finished stays cached.
   */
  signal?: AbortSignal;
  /**
   * Show the run's progress: a live bar on a terminal, a plain line every few
   * seconds in CI or when piped (on stderr unless `stream` says otherwise).
   * @default false
   */
  progress?: boolean | ProgressOptions;
  /**
   * Show the run live in a web page: progress per function, a task stream per
   * worker, worker use and memory, cache hits, failures and the graph. The
   * address is printed on stderr and given by `Run#dashboardUrl`. One server per
   * process shows its latest run; it listens on 127.0.0.1:8787 unless told
   * otherwise, and never keeps the process alive.
   * @default false
   */
  dashboard?: boolean | DashboardOptions;
  /** Called with every event of the run (see RunEvent). */
  onEvent?: (event: RunEvent) => void;
  /** Callbacks before each task starts, after it finishes, and when one fails for good. */
  hooks?: RunHooks;
  /** Called with a snapshot of the run every `snapshotIntervalMs` while it changes, and once at the end. */
  onSnapshot?: (snapshot: RunSnapshot) => void;
  /**
   * How often `onSnapshot` and `Run#subscribe` listeners hear of changes.
   * @default 100
   */
  snapshotIntervalMs?: number;
}

export interface ClusterOptions {
  /** The cluster's Redis: `redis://:password@host:6379`, `rediss://…`, `unix:///path/to/redis.sock`. */
  readonly redis: string;
  /** Accept a Redis on another machine without a password (see RedisStoreOptions.insecure). */
  readonly insecure?: boolean;
}

export interface ResolvedOptions {
  readonly workers: number;
  readonly cache: boolean;
  readonly cacheDir: string | undefined;
  readonly store: Store | undefined;
  readonly cluster: ClusterOptions | undefined;
  readonly lockTimeoutMs: number;
  readonly workerResourceLimits: ResourceLimits | undefined;
  readonly onSnapshot: ((snapshot: RunSnapshot) => void) | undefined;
  readonly snapshotIntervalMs: number;
  readonly onFailure: FailurePolicy;
  readonly retry: ResolvedRetry | undefined;
  readonly timeoutMs: number | undefined;
  readonly resources: Resources | undefined;
  readonly signal: AbortSignal | undefined;
  readonly onEvent: ((event: RunEvent) => void) | undefined;
  readonly hooks: RunHooks | undefined;
  readonly progress: ProgressOptions | undefined;
  readonly dashboard: ResolvedDashboardOptions | undefined;
}

const KNOWN = new Set([
  'workers',
  'cache',
  'cacheDir',
  'store',
  'cluster',
  'lockTimeoutMs',
  'workerResourceLimits',
  'onSnapshot',
  'snapshotIntervalMs',
  'onFailure',
  'retry',
  'timeoutMs',
  'signal',
  'onEvent',
  'hooks',
  'progress',
  'dashboard',
  'resources',
]);

export function resolveOptions(options: ComputeOptions): ResolvedOptions {
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new InvalidArgumentError(`Unknown compute option \`${key}\``);
  }
  const { workers = availableParallelism(), cache = true, lockTimeoutMs = 10_000, snapshotIntervalMs = 100 } = options;
  const { onFailure = 'fail-fast' } = options;
  if (onFailure !== 'fail-fast' && onFailure !== 'continue') {
    throw new InvalidArgumentError(`Expected \`onFailure\` to be 'fail-fast' or 'continue', got ${describe(onFailure)}`);
  }
  expectInteger('workers', workers, 1);
  expectInteger('lockTimeoutMs', lockTimeoutMs, 0);
  expectInteger('snapshotIntervalMs', snapshotIntervalMs, 1);
  if (typeof cache !== 'boolean') throw new InvalidArgumentError(`Expected \`cache\` to be a boolean, got ${describe(cache)}`);
  if (options.cacheDir !== undefined && (typeof options.cacheDir !== 'string' || options.cacheDir.trim() === '')) {
    throw new InvalidArgumentError(`Expected \`cacheDir\` to be a non-empty path, got ${describe(options.cacheDir)}`);
  }
  // A blank MEMOGRAPH_CACHE_DIR would make the working directory the cache: refuse it
  // before anything runs, when the run would use it.
  if (cache && options.store === undefined && options.cacheDir === undefined) cacheDirFromEnvironment();
  const store = options.store;
  if (store !== undefined && (typeof store !== 'object' || store === null || typeof store.putResult !== 'function')) {
    throw new InvalidArgumentError(`Expected \`store\` to implement the Store interface, got ${describe(store)}`);
  }
  const cluster = resolveCluster(options.cluster);
  if (cluster && store) throw new InvalidArgumentError('Give `cluster` or `store`, not both: a cluster keeps its results in its Redis');
  if (options.onSnapshot !== undefined && typeof options.onSnapshot !== 'function') {
    throw new InvalidArgumentError(`Expected \`onSnapshot\` to be a function, got ${describe(options.onSnapshot)}`);
  }
  return {
    workers,
    cache,
    cacheDir: options.cacheDir,
    store,
    cluster,
    lockTimeoutMs,
    workerResourceLimits: options.workerResourceLimits,
    onSnapshot: options.onSnapshot,
    snapshotIntervalMs,
    onFailure,
    retry: resolveRetry(options.retry, ''),
    timeoutMs: checkTimeout(options.timeoutMs, ''),
    resources: checkResources(options.resources, 'resources'),
    signal: checkSignal(options.signal),
    onEvent: checkFunction('onEvent', options.onEvent),
    hooks: options.hooks,
    // MEMOGRAPH_PROGRESS=1 (set by `memograph run`) shows progress for runs that do not say.
    progress:
      options.progress === undefined
        ? process.env.MEMOGRAPH_PROGRESS === '1'
          ? {}
          : undefined
        : options.progress === true
          ? {}
          : options.progress || undefined,
    dashboard: resolveDashboard(options.dashboard),
  };
}

function resolveCluster(option: ClusterOptions | undefined): ClusterOptions | undefined {
  if (option === undefined) {
    const fromEnv = process.env.MEMOGRAPH_REDIS_URL;
    return fromEnv ? { redis: fromEnv } : undefined;
  }
  if (typeof option !== 'object' || option === null || typeof option.redis !== 'string' || option.redis === '') {
    throw new InvalidArgumentError(`Expected \`cluster\` to be { redis: 'redis://…' }, got ${describe(option)}`);
  }
  for (const key of Object.keys(option)) {
    if (key !== 'redis' && key !== 'insecure') throw new InvalidArgumentError(`Unknown cluster option \`${key}\``);
  }
  return option;
}

/** MEMOGRAPH_DASHBOARD=[host:]port (set by `memograph run --dashboard`) shows runs that do not say. */
function resolveDashboard(option: boolean | DashboardOptions | undefined): ResolvedDashboardOptions | undefined {
  let chosen: boolean | DashboardOptions | undefined = option;
  const fromEnv = process.env.MEMOGRAPH_DASHBOARD;
  if (chosen === undefined && fromEnv) {
    const colon = fromEnv.lastIndexOf(':');
    chosen = colon < 0 ? { port: Number(fromEnv) } : { host: fromEnv.slice(0, colon), port: Number(fromEnv.slice(colon + 1)) };
    if (process.env.MEMOGRAPH_DASHBOARD_KEEP === '1') chosen.keepOpen = true;
  }
  if (chosen === undefined || chosen === false) return undefined;
  if (chosen !== true && (typeof chosen !== 'object' || chosen === null)) {
    throw new InvalidArgumentError(`Expected \`dashboard\` to be a boolean or an options object, got ${describe(chosen)}`);
  }
  const { port = 8787, host = '127.0.0.1', updateIntervalMs = 250, keepOpen = false } = chosen === true ? {} : chosen;
  expectInteger('dashboard.port', port, 0);
  if (port > 65535) throw new InvalidArgumentError(`Expected \`dashboard.port\` to be at most 65535, got ${describe(port)}`);
  if (typeof host !== 'string' || host === '') {
    throw new InvalidArgumentError(`Expected \`dashboard.host\` to be a non-empty address, got ${describe(host)}`);
  }
  expectInteger('dashboard.updateIntervalMs', updateIntervalMs, 50);
  if (typeof keepOpen !== 'boolean') throw new InvalidArgumentError(`Expected \`dashboard.keepOpen\` to be a boolean, got ${describe(keepOpen)}`);
  return { port, host, updateIntervalMs, keepOpen };
}

function checkFunction<F>(name: string, value: F | undefined): F | undefined {
  if (value === undefined || typeof value === 'function') return value;
  throw new InvalidArgumentError(`Expected \`${name}\` to be a function, got ${describe(value)}`);
}

function checkSignal(signal: unknown): AbortSignal | undefined {
  if (signal === undefined || signal instanceof AbortSignal) return signal;
  throw new InvalidArgumentError(`Expected \`signal\` to be an AbortSignal, got ${describe(signal)}`);
}

function expectInteger(name: string, value: unknown, min: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new InvalidArgumentError(`Expected \`${name}\` to be an integer from ${min} and up, got ${describe(value)}`);
  }
}

function describe(value: unknown): string {
  return `\`${typeof value === 'object' ? JSON.stringify(value) : String(value)}\` (${typeof value})`;
}
