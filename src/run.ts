import { AbortError, InvalidArgumentError, StoreCorruptError, type TaskError } from './errors.js';
import { InlineExecutor } from './executors/inline.js';
import { closePools, sharedPool } from './executors/pools.js';
import { closeClusters, clusterExecutor, clusterStore } from './cluster/cluster-connections.js';
import { ClusterRunView, type ClusterListener } from './cluster/run-workers.js';
import { Delayed } from './graph/delayed.js';
import { resolveOptions, type ComputeOptions, type ResolvedOptions } from './options.js';
import type { RunEvent, RunHooks } from './scheduler/events.js';
import { completions, type Completion } from './completions.js';
import { closeDashboard, showOnDashboard } from './dashboard/dashboard-server.js';
import { showProgress } from './progress/progress.js';
import { trackRun } from './run-report.js';
import { drawGraph, type VisualizeOptions } from './visualize/visualize.js';
import { RunLoop, type EventSink } from './scheduler/loop.js';
import { SnapshotBook, type RunSnapshot, type RunStatus } from './scheduler/snapshots.js';
import type { NodeState, RunCounts } from './scheduler/state.js';
import { acquireStore, resolveCacheDir } from './store/open.js';
import type { Store } from './store/store.js';
import { captureIfAsked } from './target-capture.js';

/** The values of a tuple of Delayed targets. */
export type Values<T extends readonly Delayed<unknown>[]> = { -readonly [K in keyof T]: T[K] extends Delayed<infer V> ? V : never };

type Listener = (snapshot: RunSnapshot) => void;

/** Runs still working (including tasks that outlived a failed run); `shutdown` waits for them. */
const active = new Set<Promise<unknown>>();

/** Duration statistics of one function's tasks in a run, in milliseconds. */
export interface FunctionStatus {
  readonly count: number;
  readonly totalMs: number;
  readonly meanMs: number;
  readonly minMs: number;
  readonly maxMs: number;
}

/** What `Run#status()` tells. */
export interface StatusReport {
  readonly counts: RunCounts;
  readonly paused: boolean;
  /** Tasks running now; `since` is when each started (ms since the epoch). */
  readonly running: readonly { readonly cid: string; readonly name: string; readonly since: number }[];
  /** Served from the cache, out of all nodes served or executed (0 when none yet). */
  readonly cacheHitRate: number;
  /** By function name, over the tasks this run executed. */
  readonly functions: Readonly<Record<string, FunctionStatus>>;
  /** The largest V8 heap in use reported by a worker thread after a batch. */
  readonly peakWorkerHeapBytes: number;
}

/** How a run ended: what it computed and what failed. */
export interface RunOutcome<V extends unknown[]> {
  /** Each target's value; `undefined` where the target failed or was skipped (see `available`). */
  readonly values: { -readonly [K in keyof V]: V[K] | undefined };
  /** Whether each target has a value. */
  readonly available: readonly boolean[];
  /** Every task failure, in the order they happened. */
  readonly failures: readonly TaskError[];
  /** The share of the run's nodes that have a result (executed, cached or shared), from 0 to 1. */
  readonly completion: number;
  readonly counts: RunCounts;
}

/**
 * One evaluation of some targets: its result, its live counts, and immutable
 * snapshots of every node's state that callers can read or subscribe to.
 */
export class Run<V extends unknown[]> {
  /**
   * The targets' values, in order. Rejects with the first TaskError: at once
   * under `onFailure: 'fail-fast'`, after everything else has run under `'continue'`.
   */
  readonly result: Promise<V>;
  /**
   * How the run ended, failures included; rejects only if the run could not
   * start (a locked cache directory, say).
   */
  readonly settled: Promise<RunOutcome<V>>;
  /**
   * The address of the live dashboard showing this run, when started with
   * `dashboard`; rejects if the dashboard could not listen (the run goes on).
   */
  readonly dashboardUrl: Promise<string> | undefined;
  readonly #loop: RunLoop;
  readonly #targets: readonly Delayed<unknown>[];
  readonly #book: SnapshotBook;
  readonly #listeners = new Set<Listener>();
  readonly #intervalMs: number;
  #status: RunStatus = 'running';
  readonly #eventListeners = new Set<(event: RunEvent) => void>();
  readonly #sink: EventSink = sinkOf(this.#eventListeners);
  #timer: NodeJS.Timeout | undefined;
  /** A cluster run's worker lane, made when its first worker task is: it tells of the workers (the `cluster` event). */
  #cluster: ClusterRunView | undefined;

  /** @internal Use {@link startRun}. */
  constructor(targets: readonly Delayed<unknown>[], options: ResolvedOptions) {
    this.#targets = targets;
    this.#loop = new RunLoop({
      workers: (memoryLimitMb) =>
        options.cluster
          ? (this.#cluster ??= new ClusterRunView(clusterExecutor(options.cluster), clusterListener(this.#sink)))
          : memoryLimitMb === undefined
          ? sharedPool(options.workers, options.workerResourceLimits)
          : sharedPool(options.workers, { ...options.workerResourceLimits, maxOldGenerationSizeMb: memoryLimitMb }, 0),
      main: new InlineExecutor(options.workers),
      policy: options.onFailure,
      retry: options.retry,
      timeoutMs: options.timeoutMs,
      resources: options.resources,
      events: this.#sink,
    });
    if (options.onEvent) this.#eventListeners.add(options.onEvent);
    if (options.hooks) this.#eventListeners.add(hookListener(options.hooks));
    this.#book = new SnapshotBook(Date.now());
    this.#intervalMs = options.snapshotIntervalMs;
    if (options.onSnapshot) this.subscribe(options.onSnapshot);
    // Before the run starts: a graph with nothing to wait for sends its first events at once.
    this.dashboardUrl = options.dashboard && showOnDashboard(this as unknown as Run<unknown[]>, targets, options.dashboard);
    // A dashboard that cannot start must not fail the run it would have shown.
    this.dashboardUrl?.catch((error: unknown) => process.emitWarning(`memograph: the dashboard could not start: ${String(error)}`));
    this.settled = this.#execute(targets, options) as unknown as Promise<RunOutcome<V>>;
    if (options.progress) showProgress(this as unknown as Run<unknown[]>, options.progress);
    this.result = this.settled.then((outcome) => {
      if (outcome.available.every(Boolean)) return outcome.values as V;
      throw this.#loop.state.error ?? outcome.failures[0];
    });
    // A caller may read only `settled`: a rejected `result` nobody awaits must not
    // crash the process as an unhandled rejection. Awaiting it still rejects.
    this.result.catch(() => undefined);
    track(this.settled.then(() => this.#loop.drained, () => this.#loop.drained).finally(() => this.#cluster?.close()));
    trackRun(() => this.counts, this.settled);
  }

  /**
   * Each target as soon as it settles, with its value or failure (`ok`), in the order
   * they settle; targets already settled come first. Ends when every target has come.
   * @example for await (const done of run.asCompleted()) if (done.ok) plot(done.index, done.value);
   */
  asCompleted(): AsyncGenerator<Completion<V[number]>, void, undefined> {
    return completions({
      targets: this.#targets,
      state: this.#loop.state,
      settled: this.settled,
      onEvent: (listener) => this.onEvent(listener),
    }) as AsyncGenerator<Completion<V[number]>, void, undefined>;
  }

  /** Hear of every event of the run from now on (see RunEvent). Returns a function that stops it. */
  onEvent(listener: (event: RunEvent) => void): () => void {
    this.#eventListeners.add(listener);
    return () => this.#eventListeners.delete(listener);
  }

  /**
   * The run's events from now on, as an async iterator that ends when the run
   * does. Events are buffered until read.
   * @example for await (const event of run.events()) if (event.type === 'failed') console.error(event.error);
   */
  async *events(): AsyncGenerator<RunEvent, void, undefined> {
    const buffer: RunEvent[] = [];
    let wake: (() => void) | undefined;
    const stop = this.onEvent((event) => {
      buffer.push(event);
      wake?.();
    });
    let ended = false;
    void this.settled.then(
      () => undefined,
      () => undefined,
    ).finally(() => {
      ended = true;
      wake?.();
    });
    try {
      for (;;) {
        while (buffer.length > 0) yield buffer.shift()!;
        if (ended) return;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      stop();
    }
  }

  /**
   * Where the run stands now: counts per state, running tasks and since when,
   * the cache hit rate, duration statistics per function, and the largest worker
   * heap seen.
   */
  status(): StatusReport {
    const counts = this.counts;
    const running = [...this.#loop.stats.running].map(([node, since]) => ({
      cid: node.delayed.cid,
      name: node.delayed.task.name,
      since,
    }));
    const functions: Record<string, FunctionStatus> = {};
    for (const [name, stats] of this.#loop.stats.functions) {
      functions[name] = { ...stats, meanMs: stats.totalMs / stats.count };
    }
    const looked = counts.cached + counts.executed;
    return {
      counts,
      paused: this.paused,
      running,
      cacheHitRate: looked === 0 ? 0 : counts.cached / looked,
      functions,
      peakWorkerHeapBytes: this.#loop.stats.peakWorkerHeapBytes,
    };
  }

  /** @internal Every call the run has looked at so far, with its state. */
  nodes(): Iterable<{ readonly delayed: Delayed<unknown>; readonly state: NodeState }> {
    return this.#loop.state.nodes.values();
  }

  /** @internal The state of the call of this CID, if the run has looked at it. */
  stateOf(cid: string): NodeState | undefined {
    return this.#loop.state.nodes.get(cid)?.state;
  }

  /** @internal The call of this CID, if the run has looked at it. */
  callOf(cid: string): Delayed<unknown> | undefined {
    return this.#loop.state.nodes.get(cid)?.delayed;
  }

  /** Start no new task until `resume()`; tasks already running finish. */
  pause(): void {
    this.#loop.pause();
  }

  resume(): void {
    this.#loop.resume();
  }

  get paused(): boolean {
    return this.#loop.paused;
  }

  /** Counts so far: executed, cached, deduplicated, failed, and nodes per state. */
  get counts(): RunCounts {
    const { states, ...totals } = this.#loop.state.counts;
    return { ...totals, states: { ...states } };
  }

  /** An immutable snapshot of the run as it is now. */
  snapshot(): RunSnapshot {
    return this.#book.take(this.#loop.state, this.#status);
  }

  /**
   * A picture of the run's graph as it is now (as `visualize` draws it, coloured by
   * state): with the graphs its tasks returned, each drawn below the call that returned
   * it, which takes its final node as an input.
   *
   * @example
   * await run.result;
   * writeFileSync('run.svg', run.visualize({ format: 'svg' }));
   */
  visualize(options: Omit<VisualizeOptions, 'snapshot'> = {}): string {
    return drawGraph(this.#targets, { ...options, snapshot: this.snapshot() }, (cid) => this.returnedInto(cid));
  }

  /** @internal For a call whose task returned a graph: that graph's final node. */
  returnedInto(cid: string): Delayed<unknown> | undefined {
    const node = this.#loop.state.nodes.get(cid);
    return node?.returned === undefined ? undefined : node.deps[0]?.delayed;
  }

  /** Hear of the run's snapshots as it changes (at most every `snapshotIntervalMs`) and when it ends. */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    if (!this.#timer && this.#status === 'running') {
      this.#timer = setInterval(() => this.#publish(), this.#intervalMs);
      this.#timer.unref();
    }
    return () => this.#listeners.delete(listener);
  }

  #publish(): void {
    const before = this.#book.take(this.#loop.state, this.#status);
    for (const listener of this.#listeners) listener(before);
  }

  async #execute(targets: readonly Delayed<unknown>[], options: ResolvedOptions): Promise<RunOutcome<unknown[]>> {
    let store: Store | undefined = options.store;
    let release: (() => Promise<void>) | undefined;
    const { signal } = options;
    const onAbort = () => this.#loop.abort(new AbortError(signal?.reason));
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (signal?.aborted) throw new AbortError(signal.reason);
      if (!store && options.cache && options.cluster) store = await clusterStore(options.cluster);
      else if (!store && options.cache) {
        try {
          const lease = await acquireStore(resolveCacheDir(options.cacheDir), { lockTimeoutMs: options.lockTimeoutMs });
          store = lease.store;
          release = () => lease.release();
        } catch (error) {
          // A damaged cache must not cost the run: it runs without one, and says so (and how to repair it).
          if (!(error instanceof StoreCorruptError)) throw error;
          process.emitWarning(error);
        }
      }
      if (!options.cache) store = undefined;
      const results = await this.#loop.run(targets, store);
      const state = this.#loop.state;
      if (state.error) {
        // Fail-fast or abort: answer now; running tasks finish and are stored in the background.
        this.#releaseLater(release);
        release = undefined;
      } else {
        await this.#loop.drained;
        // The values are computed: a cache that cannot take them is a warning, not a failed run.
        await (release ? release() : store?.flush())?.catch((error: unknown) => process.emitWarning(error as Error));
        release = undefined;
      }
      const available = results.map((result) => result !== undefined);
      // Listeners hear of the last batches' workers before the run settles.
      this.#cluster?.flush();
      this.#end(available.every(Boolean) && !state.error ? 'succeeded' : 'failed');
      const { done, cached } = state.counts.states;
      return {
        values: results.map((result) => result?.value()),
        available,
        failures: [...state.failures],
        completion: state.counts.total === 0 ? 1 : (done + cached) / state.counts.total,
        counts: this.counts,
      };
    } catch (error) {
      this.#end('failed');
      this.#releaseLater(release);
      throw error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  #releaseLater(release: (() => Promise<void>) | undefined): void {
    if (!release) return;
    void this.#loop.drained.then(release).catch((flushError: unknown) => {
      process.emitWarning(`memograph: results of a failed run could not be stored: ${String(flushError)}`);
    });
  }

  #end(status: RunStatus): void {
    this.#status = status;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#listeners.size > 0) this.#publish();
  }
}

function sinkOf(listeners: ReadonlySet<(event: RunEvent) => void>): EventSink {
  return {
    get active() {
      return listeners.size > 0;
    },
    emit(event) {
      for (const listener of listeners) {
        try {
          listener(event);
        } catch (error) {
          // A listener's bug must not break the run it watches.
          process.emitWarning(`memograph: a run event listener threw: ${String(error)}`);
        }
      }
    },
  };
}

function clusterListener(sink: EventSink): ClusterListener {
  return {
    get active() {
      return sink.active;
    },
    heard: (workers) => sink.emit({ type: 'cluster', workers, at: Date.now() }),
  };
}

function hookListener(hooks: RunHooks): (event: RunEvent) => void {
  return (event) => {
    if (event.type === 'started') hooks.beforeTask?.(event);
    else if (event.type === 'finished') hooks.afterTask?.(event);
    else if (event.type === 'failed') hooks.onFailure?.(event);
  };
}

function track(work: Promise<unknown>): void {
  active.add(work);
  void work.finally(() => active.delete(work));
}

/**
 * Start computing `targets` and return the {@link Run} at once; `await run.result`
 * for the values.
 */
export function startRun<const T extends readonly Delayed<unknown>[]>(targets: T, options: ComputeOptions = {}): Run<Values<T>> {
  if (!Array.isArray(targets)) throw new InvalidArgumentError('Expected `targets` to be an array of Delayed values');
  targets.forEach((target, i) => {
    if (!(target instanceof Delayed)) {
      throw new InvalidArgumentError(`Expected targets[${i}] to be a Delayed value, got ${typeof target}`);
    }
  });
  captureIfAsked(targets);
  return new Run(targets, resolveOptions(options));
}

/**
 * Wait for running work (including tasks still finishing after a failed run) and
 * stop the worker threads and the dashboard (unless it was asked to `keepOpen`).
 * Call it before handing the cache directory to another process, or at the end
 * of a program that must exit promptly.
 */
export async function shutdown(): Promise<void> {
  while (active.size > 0) await Promise.allSettled([...active]);
  await closePools();
  await closeClusters();
  await closeDashboard();
}
