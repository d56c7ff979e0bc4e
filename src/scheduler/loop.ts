/**
 * The loop of one run: explore the graph from its targets, hand ready tasks to
 * executors, and apply what comes back, until every target has a value or a
 * task has failed. The policy and the state it works on are explained in
 * state.ts; this file does the effects (store, futures table, executors).
 */
import type { MemographError } from '../errors.js';
import type { Delayed } from '../graph/delayed.js';
import type { Executor, Outcome } from '../executors/executor.js';
import { restoreDeclared } from '../files/declared-outputs.js';
import { lineageOf } from '../graph/lineage.js';
import { describableGraph } from '../graph/graph-description.js';
import { GRAPH_ENCODING, VALUE_ENCODING, type RecordEncoding, type Store } from '../store/store.js';
import { recordDuration } from './batching.js';
import type { RunEvent } from './events.js';
import type { ResolvedRetry } from '../graph/policies.js';
import { ArgumentChecks } from './argument-checks.js';
import { RunStats } from './run-stats.js';
import { EventQueue } from './event-queue.js';
import { settleFuture, type Settlement } from './futures.js';
import { about, emitIf, settle, type LoopContext, type LoopEvent } from './loop-context.js';
import { failNode, refuse } from './failing.js';
import { dispatch, giveBack, inFlight, travelsAlone } from './dispatch.js';
import { failCycles, finishForwarded, followReturned, rebuild, rebuilt } from './returned-graphs.js';
import { explore, exploreLater, forgetStored, lookUpByValue, lookedUp, reclassify, valueKeyInRun } from './explore.js';
import { emptyState, fail, finish, makeReadyAgain, nodeFor, restore, setState, targetsSettled, unrun, type FailurePolicy, type ReturnedCall, type RunState, type TaskNode } from './state.js';
import { TaskResult } from './task-result.js';
import { storeResult } from './store-result.js';
import { executorFailure, unstorable } from './task-failures.js';
import { HolderWaits } from './holder-waits.js';
import { ResourcePool } from './resource-pool.js';
import type { Resources } from '../graph/resources.js';

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

  // ---- running ---------------------------------------------------------------

  #handle(event: LoopEvent): void {
    switch (event.kind) {
      case 'outcomes':
        event.lane.inFlight--;
        for (const outcome of event.outcomes) this.#complete(event.batch[outcome.id]!, outcome);
        return;
      case 'lane-broken':
        event.lane.inFlight--;
        for (const node of event.batch) {
          giveBack(this.#context, node);
          this.stats.stopped(node);
          failNode(this.#context, node, executorFailure(node, event.error));
        }
        return;
      case 'loaded':
        this.#context.pending--;
        this.#loaded(event.node, event.bytes);
        return;
      case 'looked-up':
        this.#context.pending--;
        event.nodes.forEach((node, i) => lookedUp(this.#context, node, event.records[i]));
        return;
      case 'joined':
        this.#context.pending--;
        this.#joined(event.node, event.settlement);
        return;
      case 'explored':
        this.#context.pending--;
        if (event.error) throw event.error;
        return;
      case 'reinstated':
        this.#context.pending--;
        if (event.result) this.#servedFromCache(event.node, event.result);
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
        this.#context.holders.done(event.node);
        if (!this.#context.stopped && event.node.state === 'waiting') exploreLater(this.#context, [event.node], true);
        return;
      case 'wake':
        return;
    }
  }

  #complete(node: TaskNode, outcome: Outcome): void {
    giveBack(this.#context, node);
    this.stats.stopped(node);
    if (!outcome.ok && outcome.error === undefined) {
      unrun(this.state, node);
      // After the run has stopped nobody will start it again: let waiters have it.
      if (this.#context.stopped) settle(this.#context, node, { kind: 'abandoned' });
      return;
    }
    // Only a success says what a call of this function costs: a call that fails at once
    // (a bad parameter) would make the rest look tiny and pile them into one batch.
    if (outcome.ok) recordDuration(node.delayed.task.durations, outcome.durationMs);
    if (!outcome.ok) {
      const { workerId, durationMs, startedAt } = outcome;
      const ran = workerId === undefined ? undefined : { workerId, durationMs, startedAt };
      failNode(this.#context, node, outcome.error, ran);
      return;
    }
    if (outcome.returned) {
      this.#graphReturned(node, outcome);
      return;
    }
    const { result } = outcome;
    const store = node.delayed.task.cache ? this.#context.store : undefined;
    const needsBytes = store !== undefined || node.dependents.some((d) => d.delayed.task.placement.kind !== 'main');
    if (needsBytes) {
      try {
        result.bytes();
      } catch (error) {
        failNode(this.#context, node, unstorable(node, error));
        return;
      }
    }
    if (store && !this.#storeResult(store, node, result, outcome.durationMs, VALUE_ENCODING)) return;
    this.state.counts.executed++;
    this.stats.executed(node, outcome.durationMs, outcome.heapUsedBytes);
    emitIf(this.#context, () => ({
      type: 'finished',
      cid: node.delayed.cid,
      name: node.delayed.task.name,
      at: Date.now(),
      durationMs: outcome.durationMs,
      startedAt: outcome.startedAt,
      workerId: outcome.workerId,
      heapUsedBytes: outcome.heapUsedBytes,
      shared: false,
    }));
    finish(this.state, node, result, 'done');
    settle(this.#context, node, { kind: 'done', result });
  }

  /**
   * Store what a task gave (its value, or the graph it returned): false when the node
   * failed instead (an input file changed while it ran, its output files are missing).
   */
  #storeResult(store: Store, node: TaskNode, result: TaskResult, durationMs: number, encoding: RecordEncoding): boolean {
    const refused = storeResult(store, node, result, durationMs, encoding, this.#context.checks, (n) => valueKeyInRun(this.#context, n));
    if (refused === undefined) return true;
    if (refused.retry) failNode(this.#context, node, refused.error);
    else refuse(this.#context, node, refused.error);
    return false;
  }

  // ---- returned graphs ---------------------------------------------------------

  /** The task returned a graph: store it as the task's result, and compute it (graph/returned-graph.ts). */
  #graphReturned(node: TaskNode, outcome: Extract<Outcome, { returned: object }>): void {
    const { structure } = outcome.returned;
    const store = node.delayed.task.cache ? this.#context.store : undefined;
    // A main-thread graph is described only to be stored; one that calls main-thread functions cannot be, and is not.
    let description = outcome.returned.description;
    if (store && structure !== undefined) {
      const described = describableGraph(structure);
      description = described && TaskResult.fromValue(described);
    }
    if (store && description) {
      try {
        description.bytes();
      } catch (error) {
        failNode(this.#context, node, unstorable(node, error));
        return;
      }
      if (!this.#storeResult(store, node, description, outcome.durationMs, GRAPH_ENCODING)) return;
    }
    this.state.counts.executed++;
    this.stats.executed(node, outcome.durationMs, outcome.heapUsedBytes);
    const { durationMs, startedAt, workerId, heapUsedBytes } = outcome;
    const returned: ReturnedCall = { how: 'done', durationMs, startedAt, workerId, heapUsedBytes };
    if (structure !== undefined) followReturned(this.#context, node, structure, returned);
    else rebuild(this.#context, node, description!, returned);
  }

  #loaded(node: TaskNode, bytes: Uint8Array | undefined): void {
    if (bytes) {
      const result = TaskResult.fromBytes(bytes, node.record!.resultCid);
      if (node.state === 'done' || node.state === 'cached') {
        restore(this.state, node, result);
        return;
      }
      const reinstate = node.delayed.task.onCacheHit;
      const outputs = node.record!.outputs;
      const store = this.#context.store!;
      if (!reinstate && !outputs) {
        this.#servedFromCache(node, result);
        return;
      }
      // The task has effects outside its value (files it wrote): put them back first.
      this.#context.pending++;
      Promise.resolve()
        .then(async () => {
          if (outputs && !(await restoreDeclared(store, outputs))) throw new Error('stored output bytes are missing');
          await reinstate?.(result.value());
        })
        .then(
          () => this.#context.events.push({ kind: 'reinstated', node, result }),
          () => this.#context.events.push({ kind: 'reinstated', node, result: undefined }),
        );
      return;
    }
    forgetStored(this.#context, node);
  }

  #servedFromCache(node: TaskNode, result: TaskResult): void {
    // A node found after it expanded was found by its value key.
    const byValue = node.expanded;
    this.#context.store?.markUsed?.(byValue ? node.valueKey! : node.delayed.cid);
    if (byValue && !node.delayed.volatile && this.#context.store) {
      // Its call CID names this result now (its inputs are what their CIDs say): the next run finds it at once.
      const lineage = lineageOf(node.delayed);
      const { byValue: _, ...record } = node.record!;
      this.#context.store.putResult(node.delayed.cid, lineage ? { ...record, lineage } : record, result.bytes());
    }
    this.state.counts.savedMs += node.record?.durationMs ?? 0;
    if (node.record?.encoding === GRAPH_ENCODING) {
      // The task returned a graph: rebuild it, and take its value (as cached) when it has one.
      rebuild(this.#context, node, result, { how: 'cached', durationMs: node.record.durationMs });
      return;
    }
    this.state.counts.cached++;
    finish(this.state, node, result, 'cached');
    settle(this.#context, node, { kind: 'done', result });
  }

  #joined(node: TaskNode, settlement: Settlement): void {
    if (settlement.kind === 'done') {
      emitIf(this.#context, () => ({ type: 'finished', ...about(node), durationMs: 0, shared: true }));
      finish(this.state, node, settlement.result, 'done');
    }
    else if (settlement.kind === 'failed') fail(this.state, node, settlement.error);
    else {
      setState(this.state, node, 'waiting');
      reclassify(this.#context, node);
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
    this.#drained = this.#drain();
  }

  async #drain(): Promise<void> {
    while (inFlight(this.#context) > 0) {
      const event = await this.#context.events.next();
      if (event.kind === 'outcomes' || event.kind === 'lane-broken') this.#handle(event);
    }
  }
}
