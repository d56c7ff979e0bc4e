import type { TaskError } from '../errors.js';
import type { TaskFunction } from '../graph/task-function.js';
import type { TaskResult } from '../scheduler/task-result.js';
import type { Path } from '../graph/fill-inputs.js';

/**
 * Where an input's value comes from: a result the scheduler holds, or the task
 * at index `fromTask` of the same batch, which runs first (a fused batch).
 */
export type TaskInput =
  | { readonly path: Path; readonly result: TaskResult; readonly fromTask?: undefined }
  | { readonly path: Path; readonly result?: undefined; readonly fromTask: number };

/** A task ready to run: its function, argument template, and the results that fill it. */
export interface ExecutableTask {
  /** The task's index in its batch; its outcome carries the same id. */
  readonly id: number;
  readonly cid: string;
  readonly task: TaskFunction;
  /** The literal arguments, with `null` where an input goes (see fill-inputs.ts). */
  readonly args: unknown[];
  readonly inputs: readonly TaskInput[];
  /** The result goes to the store, which will want its CID. */
  readonly stored: boolean;
  /** Stop the task after this long (such a task travels in a batch of its own). */
  readonly timeoutMs?: number;
}

/**
 * The graph a task returned instead of a value (graph/returned-graph.ts): the nodes
 * themselves when the task ran on the main thread; from a worker, the graph's
 * description (graph/graph-description.ts), encoded, from which the main thread
 * rebuilds the nodes and which the store keeps as the task's result. A pool that
 * rebuilt a worker's graph while the task ran (graph-receiver.ts) gives both.
 */
export type Returned =
  | { readonly structure: unknown; readonly description?: TaskResult; readonly chunksBefore?: undefined }
  | {
      readonly structure?: undefined;
      readonly description: TaskResult;
      /** @internal The description is the last chunk of it, and this many came before it while the task ran (graph-sender.ts). */
      readonly chunksBefore?: number;
    };

export type Outcome =
  | {
      readonly id: number;
      readonly ok: true;
      readonly result: TaskResult;
      readonly returned?: undefined;
      readonly durationMs: number;
      /** When the call began, in ms since the epoch. */
      readonly startedAt?: number;
      /** The thread that ran it: a worker's thread id, or 0 for the main thread. */
      readonly workerId?: number;
      /** That worker's heap in use after its batch. */
      readonly heapUsedBytes?: number;
    }
  | {
      readonly id: number;
      readonly ok: false;
      readonly error: TaskError;
      readonly durationMs: number;
      /** The thread it failed on, and when the call began, when that thread lived to say so (not after a crash or a timeout). */
      readonly workerId?: number;
      readonly startedAt?: number;
    }
  /** It returned a graph, which the run computes next: its value is that graph's. */
  | {
      readonly id: number;
      readonly ok: true;
      readonly result?: undefined;
      readonly returned: Returned;
      readonly durationMs: number;
      readonly startedAt?: number;
      readonly workerId?: number;
      readonly heapUsedBytes?: number;
    }
  /** Not run: an input from earlier in the same batch failed or was not run. */
  | { readonly id: number; readonly ok: false; readonly error?: undefined; readonly skipped: true; readonly durationMs: 0 };

/**
 * Runs batches of tasks somewhere (main thread, worker threads). A task failure is
 * an outcome, never a rejection: `run` rejects only if the executor itself breaks.
 */
/** Hears a running task's reportProgress: the task's id in its batch, how far, and what it said. */
export type ProgressListener = (taskId: number, fraction: number, message: string | undefined) => void;

export interface Executor {
  /** How many batches may be in flight at once. */
  readonly slots: number;
  /**
   * For an executor whose slots change while it runs (a cluster, as workers join): calls
   * `listener` when `slots` grows, until the returned function is called.
   */
  onMoreSlots?(listener: () => void): () => void;
  /**
   * Run a batch. When `signal` aborts, running tasks are stopped where the
   * executor can stop them and come back not run (`skipped`).
   */
  run(tasks: readonly ExecutableTask[], signal?: AbortSignal, onProgress?: ProgressListener): Promise<Outcome[]>;
}
