/**
 * Worker side: what a task call on a worker thread runs inside (graph/task-context.ts).
 * It names the call's batch and place, so that errors it leaves behind find their owner
 * (late-errors.ts) and its progress reports reach the run; and it hears the calls the
 * task makes, which a batch that asks for it sends on while the task runs
 * (graph-sender.ts).
 */
import { parentPort } from 'node:worker_threads';
import type { Delayed } from '../graph/delayed.js';
import { taskContext, type TaskContext } from '../graph/task-context.js';
import { GraphSender } from './graph-sender.js';
import type { ProgressMessage } from './protocol.js';

// A class, not a literal with closures: every task on a worker makes one.
export class WorkerTaskContext implements TaskContext {
  /** Made at the task's first call of a delayed function, when its batch streams graphs. */
  sender: GraphSender | undefined;

  constructor(
    readonly batchId: number,
    readonly index: number,
    readonly streamsGraphs: boolean,
  ) {}

  report(fraction: number, message: string | undefined): void {
    const { batchId, index } = this;
    const progress: ProgressMessage = { memographProgress: true, batchId, index, fraction, ...(message === undefined ? {} : { message }) };
    parentPort?.postMessage(progress);
  }

  sketched(node: object): void {
    if (!this.streamsGraphs) return;
    this.sender ??= new GraphSender(this.batchId, this.index);
    this.sender.sketched(node as Delayed<unknown>);
  }
}

/** Call `fn` on `args` (with `this` undefined) inside `context`: what it starts carries it. */
export function asTask(context: WorkerTaskContext, fn: (...args: unknown[]) => unknown, args: unknown[]): unknown {
  return taskContext.run(context, Reflect.apply, fn, undefined, args);
}
