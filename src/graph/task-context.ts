/**
 * Which task call the running code belongs to, on the main thread and on workers alike:
 * an AsyncLocalStorage context set around each call, so code the call starts (awaits,
 * timers, callbacks) still knows its task. The worker's late-error handling,
 * `reportProgress` and a task that returns a graph (graph/returned-graph.ts) read it.
 *
 * One context per thread, shared by every copy of memograph the thread loads (a task's
 * module may import the package by another path than the engine was loaded by).
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface TaskContext {
  /** Set on worker threads: the call's batch and place in it. */
  readonly batchId?: number;
  readonly index?: number;
  /** Tell the run how far the call has got. */
  report(fraction: number, message: string | undefined): void;
  /**
   * Hears each call the task makes on a worker thread, as it is made: a worker may send
   * the calls of a large returned graph while the task is still making them.
   */
  sketched?(node: object): void;
}

const SHARED = Symbol.for('memograph.taskContext');

export const taskContext: AsyncLocalStorage<TaskContext> = ((globalThis as Record<symbol, unknown>)[SHARED] ??=
  new AsyncLocalStorage<TaskContext>()) as AsyncLocalStorage<TaskContext>;

/** Whether the running code is inside a task's call. */
export function insideTask(): boolean {
  return taskContext.getStore() !== undefined;
}
