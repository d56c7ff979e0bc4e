/**
 * Worker side: errors a task leaves behind that surface outside its call — an
 * exception thrown from a timer or callback, a promise rejection nobody handled.
 *
 * By default either kills the worker thread, and piscina fails whatever batch
 * that thread is running then: an innocent later task. Instead, each task call
 * runs inside an AsyncLocalStorage context naming its batch and index; timers,
 * callbacks and promises it starts carry that context, so the process handlers
 * below know whose error it is. The thread lives on, and the next task with it.
 *
 * (worker-task-context.ts makes that context.)
 *
 * - The owner's batch is still running: the owner fails (runBatch folds the
 *   error into its reply), so its result is neither reported nor cached.
 * - The owner's batch was already reported: the pool is told (parentPort) and
 *   emits a LateErrorWarning naming the task; its result stays as reported.
 * - No context (code that no task call started): the same warning, naming no task.
 */
import { parentPort, threadId } from 'node:worker_threads';
import { taskContext } from '../graph/task-context.js';
import { describeThrown } from './describe-thrown.js';
import type { LateErrorMessage } from './protocol.js';

/** What surfaced outside a task's call, as it will be reported. */
export interface LateError {
  readonly kind: string;
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

/** The batch running now (piscina runs one at a time per thread), and its tasks' late errors by index. */
let running: { readonly batchId: number; readonly late: Map<number, LateError> } | undefined;

process.on('uncaughtException', (error) => caught('uncaught exception', error));
process.on('unhandledRejection', (reason) => caught('unhandled rejection', reason));

/** A batch starts; its tasks' late errors are collected until `endBatch`. */
export function beginBatch(batchId: number): void {
  running = { batchId, late: new Map() };
}

/** The batch is about to be reported: the late errors of its tasks, by index (first one per task). */
export function endBatch(): ReadonlyMap<number, LateError> {
  const late = running?.late ?? new Map<number, LateError>();
  running = undefined;
  return late;
}

function caught(kind: string, thrown: unknown): void {
  const described = describe(kind, thrown);
  const owner = taskContext.getStore();
  if (owner?.batchId !== undefined && running !== undefined && owner.batchId === running.batchId) {
    if (!running.late.has(owner.index!)) running.late.set(owner.index!, described);
    return;
  }
  const message: LateErrorMessage = {
    memographLateError: true,
    ...(owner?.batchId !== undefined ? { batchId: owner.batchId, index: owner.index! } : {}),
    kind,
    message: described.message,
    ...(described.stack === undefined ? {} : { stack: described.stack }),
    threadId,
  };
  parentPort?.postMessage(message);
}

function describe(kind: string, thrown: unknown): LateError {
  if (thrown instanceof Error) return { kind, name: thrown.name, message: thrown.message, stack: thrown.stack };
  return { kind, name: 'Error', message: describeThrown(thrown) };
}
