/**
 * Which task call the running code belongs to, on the main thread and on workers alike:
 * an AsyncLocalStorage context set around each call, so code the call starts (awaits,
 * timers, callbacks) still knows its task. The worker's late-error handling and
 * `reportProgress` read it. Importing this installs nothing.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface TaskContext {
  /** Set on worker threads: the call's batch and place in it. */
  readonly batchId?: number;
  readonly index?: number;
  /** Tell the run how far the call has got. */
  report(fraction: number, message: string | undefined): void;
}

export const taskContext = new AsyncLocalStorage<TaskContext>();
