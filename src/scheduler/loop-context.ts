/**
 * What the parts of a run's loop share: the loop (loop.ts) owns the event loop and
 * makes one context a run; exploring (explore.ts), dispatching (dispatch.ts) and
 * completing (complete.ts, returned-graphs.ts, failing.ts) are functions of it,
 * which take it as their first parameter (no closures made per node). A field that
 * belongs to one part says which: the others go through that part's functions.
 */
import type { TaskFunction } from '../graph/task-function.js';
import type { Delayed } from '../graph/delayed.js';
import type { TaskError } from '../errors.js';
import type { Executor, Outcome } from '../executors/executor.js';
import type { rebuildGraph } from '../graph/graph-rebuild.js';
import type { ResultRecord, Store } from '../store/store.js';
import type { RunEvent } from './events.js';
import type { LoopOptions } from './loop.js';
import type { ArgumentChecks } from './argument-checks.js';
import type { RunStats } from './run-stats.js';
import type { SparedWork } from './spared-work.js';
import type { EventQueue } from './event-queue.js';
import { settleFuture, type Settlement } from './futures.js';
import type { ReturnedCall, RunState, TaskNode } from './state.js';
import type { TaskResult } from './task-result.js';
import type { HolderWaits } from './holder-waits.js';
import type { ResourcePool } from './resource-pool.js';

/** What reaches the loop from the work it started: executors, the store, other runs, timers. */
export type LoopEvent =
  | { readonly kind: 'outcomes'; readonly lane: Lane; readonly batch: TaskNode[]; readonly outcomes: Outcome[] }
  | { readonly kind: 'lane-broken'; readonly lane: Lane; readonly batch: TaskNode[]; readonly error: unknown }
  | { readonly kind: 'loaded'; readonly node: TaskNode; readonly bytes: Uint8Array | undefined }
  | { readonly kind: 'looked-up'; readonly nodes: TaskNode[]; readonly records: (ResultRecord | undefined)[] }
  | { readonly kind: 'joined'; readonly node: TaskNode; readonly settlement: Settlement }
  | { readonly kind: 'explored'; readonly error?: unknown }
  | { readonly kind: 'retry'; readonly node: TaskNode }
  | { readonly kind: 'reinstated'; readonly node: TaskNode; readonly result: TaskResult | undefined }
  | { readonly kind: 'released'; readonly node: TaskNode }
  | { readonly kind: 'rebuilt'; readonly node: TaskNode; readonly returned: ReturnedCall; readonly graph?: Awaited<ReturnType<typeof rebuildGraph>>; readonly error?: unknown }
  | { readonly kind: 'wake' };

/** An executor with its ready stack and the batches it has in flight. */
export interface Lane {
  readonly ready: TaskNode[];
  readonly executor: (node: TaskNode) => Executor;
  inFlight: number;
}

export interface LoopContext {
  readonly state: RunState;
  readonly options: LoopOptions;
  readonly events: EventQueue<LoopEvent>;
  /** What `Run#status()` reports. */
  readonly stats: RunStats;
  /** What the cache hits spared (RunCounts.savedMs). */
  readonly spared: SparedWork;
  /** Arguments that may have changed since their call was made (see argument-checks.ts). */
  readonly checks: ArgumentChecks;
  /** The cache; `undefined` when caching is off. */
  store: Store | undefined;
  /** Loads, joins and explorations under way. */
  pending: number;
  /** The run is over: nothing new is claimed, retried or explored. */
  stopped: boolean;
  /** Events of the first exploration, sent after the `graph` event. */
  held: RunEvent[] | undefined;

  /** Delayed instances already counted as duplicates of another instance with the same CID (explore.ts). */
  readonly duplicates: Set<Delayed<unknown>>;
  /** Nodes waiting for other processes that compute them, to say so (explore.ts). */
  readonly holders: HolderWaits;

  /** The workers' lane, then the main thread's (dispatch.ts). */
  readonly lanes: readonly [Lane, Lane];
  /** What tasks that declare resources may still take (dispatch.ts). */
  readonly resources: ResourcePool;
  /** Ready nodes whose resources are taken: back on their lane when some are given back (dispatch.ts). */
  readonly parked: TaskNode[];
  /** Module functions whose code this run checked on disk: undefined if unchanged, else what changed (dispatch.ts). */
  readonly codeChecked: Map<TaskFunction, ((node: TaskNode) => TaskError) | undefined>;
  /** Aborted when the run is: executors stop the tasks they are running. */
  readonly abort: AbortController;
  /** What `takeBatch` asks of each node, made once rather than a closure per batch (dispatch.ts). */
  readonly travelsAlone: (node: TaskNode) => boolean;
  /** Executors whose slots can grow, each with how to stop hearing of it (dispatch.ts). */
  readonly slotWatches: Map<Executor, () => void>;
}

/** Build and send an event only if someone listens: `make` is not called otherwise. */
export function emitIf(loop: LoopContext, make: () => RunEvent): void {
  const sink = loop.options.events;
  if (!sink?.active) return;
  const event = make();
  if (loop.held) loop.held.push(event);
  else sink.emit(event);
}

export function about(node: TaskNode): { cid: string; name: string; at: number } {
  return { cid: node.delayed.cid, name: node.delayed.task.name, at: Date.now() };
}

export function settle(loop: LoopContext, node: TaskNode, settlement: Settlement): void {
  if (node.boardClaimed) {
    node.boardClaimed = false;
    loop.store?.claims?.release([node.delayed.cid]);
  }
  if (!node.claimed) return;
  node.claimed = false;
  settleFuture(node.delayed.cid, settlement);
}
