import { InvalidArgumentError } from './errors.js';
import { InlineExecutor } from './executors/inline.js';
import { closePools, sharedPool } from './executors/pools.js';
import { Delayed } from './graph/delayed.js';
import { resolveOptions, type ComputeOptions, type ResolvedOptions } from './options.js';
import { RunLoop } from './scheduler/loop.js';
import { SnapshotBook, type RunSnapshot, type RunStatus } from './scheduler/snapshots.js';
import type { RunCounts } from './scheduler/state.js';
import { acquireStore, resolveCacheDir } from './store/open.js';
import type { Store } from './store/store.js';

/** The values of a tuple of Delayed targets. */
export type Values<T extends readonly Delayed<unknown>[]> = { -readonly [K in keyof T]: T[K] extends Delayed<infer V> ? V : never };

type Listener = (snapshot: RunSnapshot) => void;

/** Runs still working (including tasks that outlived a failed run); `shutdown` waits for them. */
const active = new Set<Promise<unknown>>();

/**
 * One evaluation of some targets: its result, its live counts, and immutable
 * snapshots of every node's state that callers can read or subscribe to.
 */
export class Run<V extends unknown[]> {
  /** The targets' values, in order. Rejects with the first TaskError. */
  readonly result: Promise<V>;
  readonly #loop: RunLoop;
  readonly #book: SnapshotBook;
  readonly #listeners = new Set<Listener>();
  readonly #intervalMs: number;
  #status: RunStatus = 'running';
  #timer: NodeJS.Timeout | undefined;

  /** @internal Use {@link startRun}. */
  constructor(targets: readonly Delayed<unknown>[], options: ResolvedOptions) {
    this.#loop = new RunLoop({
      workers: () => sharedPool(options.workers, options.workerResourceLimits),
      main: new InlineExecutor(options.workers),
    });
    this.#book = new SnapshotBook(Date.now());
    this.#intervalMs = options.snapshotIntervalMs;
    if (options.onSnapshot) this.subscribe(options.onSnapshot);
    this.result = this.#execute(targets, options) as Promise<V>;
    track(this.result.then(() => this.#loop.drained, () => this.#loop.drained));
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

  async #execute(targets: readonly Delayed<unknown>[], options: ResolvedOptions): Promise<unknown[]> {
    let store: Store | undefined = options.store;
    let release: (() => Promise<void>) | undefined;
    try {
      if (!store && options.cache) {
        const lease = await acquireStore(resolveCacheDir(options.cacheDir), { lockTimeoutMs: options.lockTimeoutMs });
        store = lease.store;
        release = () => lease.release();
      }
      if (!options.cache) store = undefined;
      const values = await this.#loop.run(targets, store);
      await (release ? release() : store?.flush());
      release = undefined;
      this.#end('succeeded');
      return values;
    } catch (error) {
      this.#end('failed');
      if (release) {
        const done = release;
        void this.#loop.drained.then(done).catch((flushError: unknown) => {
          process.emitWarning(`memograph: results of a failed run could not be stored: ${String(flushError)}`);
        });
      }
      throw error;
    }
  }

  #end(status: RunStatus): void {
    this.#status = status;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#listeners.size > 0) this.#publish();
  }
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
  return new Run(targets, resolveOptions(options));
}

/**
 * Wait for running work (including tasks still finishing after a failed run) and
 * stop the worker threads. Call it before handing the cache directory to another
 * process, or at the end of a program that must exit promptly.
 */
export async function shutdown(): Promise<void> {
  while (active.size > 0) await Promise.allSettled([...active]);
  await closePools();
}
