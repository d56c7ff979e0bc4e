/**
 * The loop of one run: explore the graph from its targets, hand ready tasks to
 * executors, and apply what comes back, until every target has a value or a
 * task has failed. The policy and the state it works on are explained in
 * state.ts. The effects (store, futures table, executors) are done by the parts
 * this file wires together around its event loop, each a set of functions of the
 * run's context (loop-context.ts): exploring (explore.ts), dispatching
 * (dispatch.ts), and completing (complete.ts, returned-graphs.ts, failing.ts).
 */
import { SparedWork } from './spared-work.js';
import type { MemographError } from '../errors.js';
import type { Delayed } from '../graph/delayed.js';
import type { Executor } from '../executors/executor.js';
import type { ResolvedRetry } from '../graph/policies.js';
import type { Resources } from '../graph/resources.js';
import type { Store } from '../store/store.js';
import type { RunEvent } from './events.js';
import { ArgumentChecks } from './argument-checks.js';
import { RunStats } from './run-stats.js';
import { EventQueue } from './event-queue.js';
import { settleFuture } from './futures.js';
import { HolderWaits } from './holder-waits.js';
import { ResourcePool } from './resource-pool.js';
import { emitIf, type LoopContext, type LoopEvent } from './loop-context.js';
import { explore, forgetStored, lookUpByValue, lookedUp, released } from './explore.js';
import { dispatch, inFlight, travelsAlone } from './dispatch.js';
import { complete, executorBroke, joined, loaded, servedFromCache } from './complete.js';
import { failCycles, finishForwarded, rebuilt } from './returned-graphs.js';
import { emptyState, makeReadyAgain, nodeFor, targetsSettled, type FailurePolicy, type RunState, type TaskNode } from './state.js';
import type { TaskResult } from './task-result.js';

const YIELD_EVERY_MS = 10;

export interface LoopOptions {
  /**
   * Where tasks for worker threads run, given a task's own heap limit in MB (a pool
   * of workers with that limit) or none; asked for only when the run has such a task.
   */
  readonly workers: (memoryLimitMb: number | undefined) => Executor;
  /** Where `mainThread` tasks run. */
  readonly main: Executor;
  readonly policy: FailurePolicy;
  /** Run-wide defaults for tasks whose function sets none. */
  readonly retry: ResolvedRetry | undefined;
  readonly timeoutMs: number | undefined;
  /** What the run's tasks may hold at once (see graph/resources.ts). */
  readonly resources?: Resources;
  /** Where events go; none are built while it is inactive. */
  readonly events?: EventSink;
}

/** Receives a run's events; `active` says whether anyone listens right now. */
export interface EventSink {
  readonly active: boolean;
  emit(event: RunEvent): void;
}

export class RunLoop {
  readonly state: RunState;
  /** What `Run#status()` reports. */
  readonly stats: RunStats;
  /** What the parts of the loop share (loop-context.ts). */
  readonly #context: LoopContext;
  #drained: Promise<void> = Promise.resolve();
  #paused = false;

  constructor(options: LoopOptions) {
    this.state = emptyState(options.policy);
    this.stats = new RunStats();
    const context: LoopContext = {
      state: this.state,
      options,
      events: new EventQueue<LoopEvent>(),
      stats: this.stats,
      spared: new SparedWork(),
      checks: new ArgumentChecks(),
      store: undefined,
      pending: 0,
      stopped: false,
      held: undefined,
      duplicates: new Set(),
      holders: new HolderWaits(),
      lanes: [
        { ready: this.state.readyOnWorkers, executor: (node) => options.workers(node.delayed.task.memoryLimitMb), inFlight: 0 },
        { ready: this.state.readyOnMain, executor: () => options.main, inFlight: 0 },
      ],
      resources: new ResourcePool(options.resources),
      parked: [],
      codeChecked: new Map(),
      abort: new AbortController(),
      travelsAlone: (node) => travelsAlone(context, node),
      slotWatches: new Map(),
    };
    this.#context = context;
    const sink = options.events;
    if (sink) {
      // Held while the first exploration runs, so that `graph` (which needs its total) comes first.
      const emit = (event: RunEvent) => (context.held ? context.held.push(event) : sink.emit(event));
      this.state.onTransition = (node, next) => {
        if (!sink.active) return;
        const base = { cid: node.delayed.cid, name: node.delayed.task.name, at: Date.now() };
        if (next === 'ready') emit({ type: 'queued', ...base });
        else if (next === 'running' && node.claimed) {
          emit({ type: 'started', ...base, onMainThread: node.delayed.task.placement.kind === 'main' });
        } else if (next === 'cached') emit({ type: 'cached', ...base });
        else if (next === 'skipped') emit({ type: 'skipped', ...base });
      };
    }
  }

  /** Resolves once tasks still running after the run ended have finished and been stored. */
  get drained(): Promise<void> {
    return this.#drained;
  }

  /**
   * Compute the targets: their results, `undefined` where a target failed or was
   * skipped. Under fail-fast it returns at the first failure (then `state.error`
   * is set) without waiting for running tasks; see `drained`.
   */
  async run(targets: readonly Delayed<unknown>[], store: Store | undefined): Promise<(TaskResult | undefined)[]> {
    this.#context.store = store;
    this.state.keepUnstored = store !== undefined;
    const fresh: TaskNode[] = [];
    for (const target of targets) {
      const { node, isNew } = nodeFor(this.state, target);
      if (!node.isTarget) {
        node.isTarget = true;
        this.state.targets.push(node);
      }
      if (isNew) fresh.push(node);
    }
    try {
      this.#context.held = this.#context.options.events ? [] : undefined;
      try {
        await explore(this.#context, fresh, true);
      } finally {
        const held = this.#context.held ?? [];
        this.#context.held = undefined;
        emitIf(this.#context, () => ({ type: 'graph', total: this.state.counts.total, at: Date.now() }));
        for (const event of held) this.#context.options.events?.emit(event);
      }
      let lastYield = performance.now();
      while (!this.#finished()) {
        // Finishing one may finish the run.
        if (finishForwarded(this.#context)) continue;
        lookUpByValue(this.#context);
        if (!this.#paused) dispatch(this.#context);
        if (inFlight(this.#context) === 0 && this.#context.pending === 0 && !this.#paused) {
          if (failCycles(this.#context)) continue;
          throw new Error('internal: the run has unfinished work but nothing to wait for');
        }
        this.#handle(await this.#context.events.next());
        // Main-thread tasks complete as microtasks; without a pause now and then,
        // timers and I/O (snapshots, store flushes, progress) would wait for the run.
        if (performance.now() - lastYield > YIELD_EVERY_MS) {
          await new Promise((resolve) => setImmediate(resolve));
          lastYield = performance.now();
        }
      }
    } finally {
      this.#stop();
    }
    return targets.map((target) => this.state.nodes.get(target.cid)!.result);
  }

  /** Start nothing new until `resume`; running tasks carry on. */
  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#context.events.push({ kind: 'wake' });
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** Stop the run: nothing new starts, running tasks are stopped, and `run` returns with `state.error` set. */
  abort(error: MemographError): void {
    if (this.state.error && this.#context.abort.signal.aborted) return;
    this.state.error ??= error;
    this.#context.abort.abort(error);
    this.#context.events.push({ kind: 'wake' });
  }

  /**
   * Fail-fast: every target is settled, or the run was stopped. Continue: also
   * nothing is left that could still run, so a re-run after a fix finds every
   * result that did not depend on the failure in the cache.
   */
  #finished(): boolean {
    if (this.state.error) return true;
    if (!targetsSettled(this.state)) return false;
    if (this.state.policy === 'fail-fast') return true;
    return (
      inFlight(this.#context) === 0 &&
      this.#context.pending === 0 &&
      this.state.unlooked.length === 0 &&
      this.#context.lanes.every((lane) => lane.ready.length === 0)
    );
  }

  // ---- applying what comes back ------------------------------------------------

  #handle(event: LoopEvent): void {
    switch (event.kind) {
      case 'outcomes':
        event.lane.inFlight--;
        for (const outcome of event.outcomes) complete(this.#context, event.batch[outcome.id]!, outcome);
        return;
      case 'lane-broken':
        event.lane.inFlight--;
        executorBroke(this.#context, event.batch, event.error);
        return;
      case 'loaded':
        this.#context.pending--;
        loaded(this.#context, event.node, event.bytes);
        return;
      case 'looked-up':
        this.#context.pending--;
        event.nodes.forEach((node, i) => lookedUp(this.#context, node, event.records[i]));
        return;
      case 'joined':
        this.#context.pending--;
        joined(this.#context, event.node, event.settlement);
        return;
      case 'explored':
        this.#context.pending--;
        if (event.error) throw event.error;
        return;
      case 'reinstated':
        this.#context.pending--;
        if (event.result) servedFromCache(this.#context, event.node, event.result);
        else forgetStored(this.#context, event.node);
        return;
      case 'retry':
        this.#context.pending--;
        if (event.node.state === 'waiting' && !this.state.error) makeReadyAgain(this.state, event.node);
        return;
      case 'rebuilt':
        this.#context.pending--;
        rebuilt(this.#context, event);
        return;
      case 'released':
        this.#context.pending--;
        released(this.#context, event.node);
        return;
      case 'wake':
        return;
    }
  }

  // ---- stopping --------------------------------------------------------------

  /**
   * The run is over (all targets available, a failure, or an internal error). Calls
   * this run claimed but never started are released to whoever waits for them;
   * tasks still running are awaited in the background so their results are stored.
   */
  #stop(): void {
    this.#context.stopped = true;
    for (const node of this.state.nodes.values()) {
      if (node.state !== 'running' && node.boardClaimed) {
        node.boardClaimed = false;
        this.#context.store?.claims?.release([node.delayed.cid]);
      }
      if (node.claimed && node.state !== 'running') {
        node.claimed = false;
        settleFuture(node.delayed.cid, { kind: 'abandoned' });
      }
    }
    this.#context.holders.stop();
    for (const stop of this.#context.slotWatches.values()) stop();
    this.#context.slotWatches.clear();
    this.#drained = this.#drain();
  }

  async #drain(): Promise<void> {
    while (inFlight(this.#context) > 0) {
      const event = await this.#context.events.next();
      if (event.kind === 'outcomes' || event.kind === 'lane-broken') this.#handle(event);
    }
  }
}
