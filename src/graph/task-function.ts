import { InvalidArgumentError, NotSelfContainedError, UnhashableError } from '../errors.js';
import { checkIgnore } from './ignore.js';
import { checkResources, type Resources } from './resources.js';
import { analyzeFunction } from '../hash/function-source.js';
import { functionIdentity, identityKey, type FunctionIdentity } from '../hash/identity.js';
import { codeManifest, type ManifestPlacement, type ManifestRequest } from '../identity/code-manifest.js';
import { diffManifests } from '../identity/manifest-diff.js';
import { checkTimeout, resolveRetry, type ResolvedRetry, type TaskPolicies } from './policies.js';
import type { CallSite } from './call-site.js';

/** Options of {@link delayed}. */
export interface DelayedOptions extends TaskPolicies {
  /**
   * Name shown in errors, snapshots and the cache; part of the function's identity.
   * @default fn.name, or 'anonymous'
   */
  name?: string;
  /**
   * How many values the function returns (as a tuple): its calls then unpack,
   * `const [train, test] = split(rows)`, each element a node of its own.
   */
  nout?: number;
  /**
   * Arguments that do not change the result, left out of each call's address (joblib's
   * `ignore`): positions in the argument list (`[2]`), or names of properties of
   * plain-object arguments (`['verbose', 'log']` for `fn({ data, verbose, log })`).
   * Calls that differ only there share one result. An ignored argument cannot be a Delayed.
   * @example delayed(fit, { ignore: ['verbose'] })
   */
  ignore?: readonly (string | number)[];
  /**
   * An explicit identity for the function. When given, the function's source is not
   * hashed: bump the version yourself when the function's behaviour changes.
   * @example delayed(fetchPrices, { version: '2024-06' })
   */
  version?: string;
  /**
   * Run on the main thread instead of a worker. Use it for functions that close over
   * local variables or need main-thread state.
   * @default false
   */
  mainThread?: boolean;
  /**
   * The URL of the module that exports `fn` — pass `import.meta.url`. The worker then
   * imports that module and calls its export, so the function may use imports,
   * module-level helpers and constants.
   */
  module?: string | URL;
  /**
   * The export to call in `module`.
   * @default the function's name
   */
  exportName?: string;
  /**
   * Environment variables the function reads, when its source does not name
   * them (`process.env[key]`, `Object.keys(process.env)`): their values become
   * part of its identity, and such reads are then allowed. Reads by a name
   * written in the source (`process.env.HOME`) are found without it.
   * @example delayed(report, { env: ['LANG', 'TZ'] })
   */
  env?: readonly string[];
  /**
   * Files each task writes, relative to the working directory. After the task
   * succeeds their bytes are stored with its result; on a cache hit any of them
   * that is missing or differs on disk is written back. A task that does not
   * write one fails.
   */
  outputs?: readonly string[];
  /**
   * Whether results of this function are read from and written to the cache.
   * Turn it off for tasks whose value must be fresh on every run (a measurement,
   * a clock, a download of changing data); other runs in this process still share
   * a call that is running.
   * @default true
   */
  cache?: boolean;
  /**
   * `false` for a function whose result differs from call to call with the same
   * arguments (a random sample, a reading of the clock): every call is a node of its
   * own, never deduplicated with another call and never cached, as Dask's
   * `pure=False`. Its dependents' addresses include that call's, so they are new too.
   * @default true
   */
  pure?: boolean;
  /**
   * A cached result older than this is stale: the call runs again (and its new result
   * is stored). For results that go out of date with time (a price list, a token).
   */
  expiresAfterMs?: number;
  /**
   * Called with a cached result's record before it is served; `false` makes the call
   * run again instead (joblib's cache validation). It must not throw.
   */
  validate?: (record: { readonly createdAt: number; readonly durationMs: number; readonly size: number }) => boolean;
  /**
   * Among tasks ready to start, those of higher priority start first (ties: the
   * engine's own order). Any finite number; tasks already handed to a worker's
   * queue are not overtaken.
   * @default 0
   */
  priority?: number;
  /**
   * What a call holds while it runs, in the units of the run's `resources` option
   * (`{ gpu: 1, memoryMb: 8000 }`): it starts only when that much is free. A call that
   * needs more than the run has fails at once.
   */
  resources?: Readonly<Record<string, number>>;
}

/** Where and how a task's function runs. */
export type FunctionPlacement =
  | {
      readonly kind: 'source';
      readonly expression: string;
      /** Where `delayed()` was called: a worker compiles the source as if it stood there, for its stack traces. */
      readonly origin?: CallSite;
    }
  | { readonly kind: 'module'; readonly url: string; readonly exportName: string }
  | { readonly kind: 'main' };

/** Running mean of a function's task durations; the scheduler sizes batches by it. */
export interface DurationEstimate {
  count: number;
  meanMs: number;
}

/** Everything the engine needs to know about one function passed to `delayed`. */
export interface TaskFunction {
  readonly fn: (...args: never[]) => unknown;
  /** The display name: a sweep's point nodes add their point to it (`fit[lambda=1]`). */
  readonly name: string;
  /** Set when `name` carries a sweep point: the function's own name, which results are grouped by. */
  readonly functionName?: string;
  /** The options it was described with, so that a task that returns a call of it can say how to rebuild it. */
  readonly options: Readonly<DelayedOptions>;
  /** One of memograph's own functions (a part, a returned structure), rebuilt by name. */
  readonly builtin?: string;
  readonly identity: FunctionIdentity;
  /** Stable key of the identity: the worker's compile cache is keyed by it. */
  readonly key: string;
  readonly placement: FunctionPlacement;
  /** Results of this function may be cached. */
  readonly cache: boolean;
  /** Every call is its own node (see DelayedOptions.pure). */
  readonly pure: boolean;
  /** Higher starts first among ready tasks (see DelayedOptions.priority). */
  readonly priority: number;
  /** What a call holds while it runs (see DelayedOptions.resources). */
  readonly resources?: Resources;
  /** Whether a cached result may still be served (expiresAfterMs, validate); absent when any may. */
  readonly fresh?: (record: { readonly createdAt: number; readonly durationMs: number; readonly size: number }) => boolean;
  /** This function's own retry policy (the run's default applies when unset). */
  readonly retry: ResolvedRetry | undefined;
  /** This function's own time limit per task, in milliseconds. */
  readonly timeoutMs: number | undefined;
  /** This function's heap limit per task, in MB (its tasks run on workers with that limit). */
  readonly memoryLimitMb: number | undefined;
  /** Files each task writes, stored with its result and restored on a cache hit. */
  readonly outputs: readonly string[] | undefined;
  /**
   * For tasks with effects outside their value (files they write): called with
   * the cached value before a cache hit is served, to put those effects back.
   * If it throws, the hit is treated as a miss and the task runs again.
   */
  readonly onCacheHit?: (value: unknown) => void | Promise<void>;
  /**
   * For a main-thread function whose identity holds captured values, globals or
   * environment variables: reads them again and says which changed since the
   * identity was built (undefined when none did). Its tasks must not run then.
   */
  readonly checkCode?: () => string | undefined;
  readonly durations: DurationEstimate;
}

/** `origin`: where the user's code made it, asked only for a function that travels as source (reading a stack costs tens of µs). */
export function describeFunction(fn: unknown, options: DelayedOptions = {}, origin?: () => CallSite | undefined): TaskFunction {
  if (typeof fn !== 'function') {
    throw new InvalidArgumentError(`Expected \`fn\` to be a function, got \`${String(fn)}\` (${typeof fn})`);
  }
  validateOptions(options);
  const name = options.name ?? (fn.name || 'anonymous');
  const placed = placementOf(fn, name, options);
  const site = placed.kind === 'source' ? origin?.() : undefined;
  const placement = site === undefined ? placed : { ...placed, origin: site };
  const env = checkEnv(options.env);
  const ignore = checkIgnore(options.ignore);
  const request: ManifestRequest = { fn, name, placement: manifestPlacement(placement), ...(env ? { env } : {}) };
  const identity = functionIdentity(fn, { name, version: options.version, manifest: () => codeManifest(request), ...(ignore ? { ignore } : {}) });
  const built = identity.code;
  return {
    ...(placement.kind === 'main' && built !== undefined ? { checkCode: () => codeChange(request, built) } : {}),
    fn: fn as TaskFunction['fn'],
    name,
    options: Object.freeze({ ...options }),
    identity,
    key: identityKey(identity),
    placement,
    cache: options.cache ?? options.pure !== false,
    pure: options.pure !== false,
    priority: options.priority ?? 0,
    ...(options.resources === undefined ? {} : { resources: checkResources(options.resources, 'resources') }),
    ...freshness(options),
    retry: resolveRetry(options.retry, ''),
    timeoutMs: checkTimeout(options.timeoutMs, ''),
    memoryLimitMb: checkMemoryLimit(options),
    outputs: checkOutputs(options.outputs),
    durations: { count: 0, meanMs: 0 },
  };
}

function manifestPlacement(placement: FunctionPlacement): ManifestPlacement {
  return placement.kind === 'module' ? placement : { kind: placement.kind };
}

function placementOf(fn: Function, name: string, options: DelayedOptions): FunctionPlacement {
  if (options.mainThread) return { kind: 'main' };
  if (options.module !== undefined) {
    const exportName = options.exportName ?? fn.name;
    if (!exportName) {
      throw new InvalidArgumentError(
        `Function "${name}" is anonymous: pass { exportName } to say which export of ${String(options.module)} it is`,
      );
    }
    return { kind: 'module', url: String(options.module), exportName };
  }
  const analysis = analyzeFunction(fn);
  if (analysis.isNative) {
    throw new UnhashableError(
      'function',
      `"${name}" is a native or bound function, which has no source a worker could run`,
      'Wrap it in a plain function, or pass { mainThread: true, version: "…" }',
    );
  }
  if (analysis.freeNames.length > 0) throw new NotSelfContainedError(name, analysis.freeNames);
  return { kind: 'source', expression: analysis.expression };
}

function codeChange(request: ManifestRequest, built: FunctionIdentity['code']): string | undefined {
  try {
    const changes = diffManifests(built?.entries ?? [], codeManifest(request));
    return changes.length === 0 ? undefined : changes.map((change) => change.text).join('; ');
  } catch (error) {
    return `what it captures can no longer be identified (${(error as Error).message})`;
  }
}

function checkEnv(env: unknown): readonly string[] | undefined {
  if (env === undefined) return undefined;
  if (!Array.isArray(env) || env.some((name) => typeof name !== 'string' || name === '' || name.includes('='))) {
    throw new InvalidArgumentError(`Expected \`env\` to be an array of environment variable names, got \`${JSON.stringify(env)}\``);
  }
  return Object.freeze([...new Set(env as string[])].sort());
}

function checkOutputs(outputs: unknown): readonly string[] | undefined {
  if (outputs === undefined) return undefined;
  if (!Array.isArray(outputs) || outputs.some((path) => typeof path !== 'string' || path === '')) {
    throw new InvalidArgumentError(`Expected \`outputs\` to be an array of file paths, got \`${JSON.stringify(outputs)}\``);
  }
  return [...outputs];
}

function checkMemoryLimit(options: DelayedOptions): number | undefined {
  const limit = options.memoryLimitMb;
  if (limit === undefined) return undefined;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 16) {
    throw new InvalidArgumentError(`Expected \`memoryLimitMb\` to be an integer from 16 and up, got \`${String(limit)}\` (${typeof limit})`);
  }
  if (options.mainThread) throw new InvalidArgumentError('Option `memoryLimitMb` needs a worker: it cannot limit a `mainThread` task');
  return limit;
}

function freshness(options: DelayedOptions): Pick<TaskFunction, 'fresh'> {
  const { expiresAfterMs, validate } = options;
  if (expiresAfterMs !== undefined && !(typeof expiresAfterMs === 'number' && expiresAfterMs >= 0)) {
    throw new InvalidArgumentError(`Expected \`expiresAfterMs\` to be a number of milliseconds from 0 and up, got \`${String(expiresAfterMs)}\``);
  }
  if (validate !== undefined && typeof validate !== 'function') {
    throw new InvalidArgumentError(`Expected \`validate\` to be a function, got ${typeof validate}`);
  }
  if (expiresAfterMs === undefined && validate === undefined) return {};
  return {
    fresh: (record) => (expiresAfterMs === undefined || Date.now() - record.createdAt <= expiresAfterMs) && (validate === undefined || validate(record) === true),
  };
}

function validateOptions(options: DelayedOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(`Expected \`options\` to be an object, got \`${String(options)}\``);
  }
  for (const key of ['name', 'version', 'exportName'] as const) {
    const value = options[key];
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      throw new InvalidArgumentError(
        `Expected \`${key}\` to be a non-empty string, got \`${String(value)}\` (${typeof value})`,
      );
    }
  }
  if (options.priority !== undefined && (typeof options.priority !== 'number' || !Number.isFinite(options.priority))) {
    throw new InvalidArgumentError(`Expected \`priority\` to be a finite number, got \`${String(options.priority)}\` (${typeof options.priority})`);
  }
  if (options.pure !== undefined && typeof options.pure !== 'boolean') {
    throw new InvalidArgumentError(`Expected \`pure\` to be a boolean, got \`${String(options.pure)}\` (${typeof options.pure})`);
  }
  if (options.pure === false && options.cache === true) {
    throw new InvalidArgumentError('Options `pure: false` and `cache: true` exclude each other: an impure call is never served from the cache');
  }
  if (options.cache !== undefined && typeof options.cache !== 'boolean') {
    throw new InvalidArgumentError(`Expected \`cache\` to be a boolean, got \`${String(options.cache)}\` (${typeof options.cache})`);
  }
  if (options.module !== undefined && typeof options.module !== 'string' && !(options.module instanceof URL)) {
    throw new InvalidArgumentError(`Expected \`module\` to be a URL string such as import.meta.url, got ${typeof options.module}`);
  }
  if (options.mainThread && options.module !== undefined) {
    throw new InvalidArgumentError('Options `mainThread` and `module` exclude each other: a module function runs on a worker');
  }
  if (options.exportName !== undefined && options.module === undefined) {
    throw new InvalidArgumentError('Option `exportName` needs `module`');
  }
}

/**
 * What a task's results and statistics are grouped by: its function's name (a command's
 * `name`), the same for every point of a sweep, whose points are detail.
 */
export function functionNameOf(task: TaskFunction): string {
  return task.functionName ?? task.name;
}
