/**
 * What a run reports as it goes: one event per step in a task's life. Events are
 * built only when someone listens (`onEvent`, `hooks`, `Run#events()`), so a
 * run nobody watches pays nothing for them.
 */
import type { TaskError } from '../errors.js';
import type { ClusterWorker } from '../cluster/run-workers.js';

interface TaskEventBase {
  /** The task's call CID. */
  readonly cid: string;
  /** The task's display name. */
  readonly name: string;
  /** When it happened (ms since the epoch). */
  readonly at: number;
}

/**
 * What a failed attempt cost, and where. `workerId`, `durationMs` and `startedAt` are there when the
 * task ran and its thread reported back; not when it crashed its worker, timed out, or
 * failed before or after running (its inputs could not be sent, its result not stored).
 */
interface FailedAttempt {
  readonly error: TaskError;
  readonly workerId?: number;
  readonly durationMs?: number;
  readonly startedAt?: number;
}

export type RunEvent =
  /** The graph has been explored: `total` nodes will be computed, loaded or shared. */
  | { readonly type: 'graph'; readonly total: number; readonly at: number }
  /** Its inputs are all available: it waits for a free worker. */
  | (TaskEventBase & { readonly type: 'queued' })
  /** Handed to a worker thread, or started on the main thread. */
  | (TaskEventBase & { readonly type: 'started'; readonly onMainThread: boolean })
  /** The running task said how far it has got (`reportProgress`): `fraction` from 0 to 1. */
  | (TaskEventBase & { readonly type: 'progress'; readonly fraction: number; readonly message?: string })
  /**
   * It computed its result (`shared`: another run in this process computed it).
   * `workerId` is the worker's thread id (0 for the main thread); `startedAt`, when
   * the call began on that thread (ms since the epoch; `at` is when the run heard it
   * ended, which for a batch is when the whole batch came back);
   * `heapUsedBytes`, that worker's V8 heap in use after the batch that ran it.
   */
  | (TaskEventBase & {
      readonly type: 'finished';
      readonly durationMs: number;
      readonly startedAt?: number;
      readonly workerId?: number;
      readonly heapUsedBytes?: number;
      readonly shared: boolean;
    })
  /**
   * Its task returned a graph instead of a value (or the cache had that graph): the run
   * computes the graph, whose final node is `into`, and the task finishes with its value.
   * The graph's nodes are the run's from now on (`graph` told the total before them).
   */
  | (TaskEventBase & { readonly type: 'expanded'; readonly into: string })
  /** Served from the cache. */
  | (TaskEventBase & { readonly type: 'cached' })
  /** An attempt failed and another follows after `delayMs`. */
  | (TaskEventBase & FailedAttempt & { readonly type: 'retried'; readonly attempt: number; readonly delayMs: number })
  /** It failed for good. */
  | (TaskEventBase & FailedAttempt & { readonly type: 'failed' })
  /** It will not run: an input failed. */
  | (TaskEventBase & { readonly type: 'skipped' })
  /**
   * A run on a cluster: its `memograph worker`s, when they are first counted, when one
   * replies to this run for the first time (before the task events that give its
   * threads' `workerId`s), and then about once a second while anything about them
   * changes, and as the run ends. Empty while no worker is alive.
   */
  | { readonly type: 'cluster'; readonly workers: readonly ClusterWorker[]; readonly at: number };

export type RunEventType = RunEvent['type'];

/** Plugin-style callbacks, called on the main thread; an error thrown by one is reported as a warning, never fails the run. */
export interface RunHooks {
  beforeTask?(event: Extract<RunEvent, { type: 'started' }>): void;
  afterTask?(event: Extract<RunEvent, { type: 'finished' }>): void;
  onFailure?(event: Extract<RunEvent, { type: 'failed' }>): void;
}
