import { CaptureChangedError, ResourceLimitError, TaskError, TimeoutError } from '../errors.js';
import type { TaskFunction } from '../graph/task-function.js';
import { TaskResult } from '../scheduler/task-result.js';
import type { ExecutableTask, Executor, Outcome, ProgressListener } from './executor.js';
import { isDelayed, returnedGraph } from '../graph/returned-graph.js';
import { taskContext, type TaskContext } from '../graph/task-context.js';
import { describeThrown } from './describe-thrown.js';
import { setAtPath } from '../graph/fill-inputs.js';
import { TaskStop, applyWithTaskStop } from './task-signal.js';

/** performance.now() + this is ms since the epoch, comparable across threads. */
const TIME_ORIGIN = performance.timeOrigin;

/** Runs tasks on the main thread, for functions marked `mainThread: true`. */
export class InlineExecutor implements Executor {
  readonly slots: number;
  /**
   * Per function of this run: what changed in its captured values since its
   * identity was built ('' when nothing did). Read once per run and function,
   * before its first task, not per task.
   */
  readonly #captureChanges = new Map<TaskFunction, string>();

  constructor(slots: number) {
    this.slots = slots;
  }

  async run(tasks: readonly ExecutableTask[], signal?: AbortSignal, onProgress?: ProgressListener): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    for (const task of tasks) {
      if (signal?.aborted) {
        outcomes.push({ id: task.id, ok: false, skipped: true, durationMs: 0 });
        continue;
      }
      // A sync function's outcome is ready at once; awaiting it anyway would cost
      // a trip through the microtask queue per task.
      const changed = this.#captureChange(task.task);
      if (changed !== '') {
        outcomes.push(captureChanged(task, changed));
        continue;
      }
      const stop = new TaskStop();
      const outcome = runInline(task, outcomes, stop, onProgress);
      outcomes.push(outcome instanceof Promise ? await settleWithin(task, outcome, signal, stop) : outcome);
    }
    return outcomes;
  }

  #captureChange(fn: TaskFunction): string {
    if (fn.checkCode === undefined) return '';
    let changed = this.#captureChanges.get(fn);
    if (changed === undefined) this.#captureChanges.set(fn, (changed = fn.checkCode() ?? ''));
    return changed;
  }
}

function captureChanged(task: ExecutableTask, changed: string): Outcome {
  const failure = {
    taskName: task.task.name,
    cid: task.cid,
    originalMessage:
      `it was not run: ${changed} of its function changed after delayed() was called, so this call's address ` +
      'no longer describes what would run. Call delayed() again after changing it (or pass the value as an argument)',
  };
  return { id: task.id, ok: false, error: new CaptureChangedError(failure), durationMs: 0 };
}

/**
 * The main thread cannot be interrupted: past its time limit, or when the run is
 * aborted, an async task is abandoned (its promise is no longer awaited).
 */
function settleWithin(
  task: ExecutableTask,
  outcome: Promise<Outcome>,
  signal: AbortSignal | undefined,
  stop: TaskStop,
): Promise<Outcome> {
  const { timeoutMs } = task;
  if (timeoutMs === undefined && !signal) return outcome;
  return new Promise((resolve) => {
    // The task's own signal (currentTaskSignal) tells it to stop what it can stop.
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            stop.stop(new Error(`time limit of ${timeoutMs} ms`));
            resolve(timedOut(task, timeoutMs));
          }, timeoutMs);
    const onAbort = () => {
      stop.stop(signal?.reason);
      resolve({ id: task.id, ok: false, skipped: true, durationMs: 0 });
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    void outcome.then(resolve).finally(() => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    });
  });
}

function timedOut(task: ExecutableTask, timeoutMs: number): Outcome {
  const failure = {
    taskName: task.task.name,
    cid: task.cid,
    originalMessage: `it ran longer than its limit of ${timeoutMs} ms and was told to stop (currentTaskSignal); the main thread does not wait for it`,
  };
  return { id: task.id, ok: false, error: new TimeoutError(failure, timeoutMs), durationMs: timeoutMs };
}

function runInline(task: ExecutableTask, earlier: readonly Outcome[], stop: TaskStop, onProgress: ProgressListener | undefined): Outcome | Promise<Outcome> {
  const started = performance.now();
  let value: unknown;
  try {
    const args = task.args;
    for (const { path, result, fromTask } of task.inputs) {
      const source = fromTask === undefined ? result : earlier[fromTask];
      if (source instanceof TaskResult) setAtPath(args, path, source.value());
      else if (source?.ok && source.result) setAtPath(args, path, source.result.value());
      else return { id: task.id, ok: false, skipped: true, durationMs: 0 };
    }
    // The context tells code the call starts that it is inside a task (its progress, a graph it returns).
    const context: TaskContext = onProgress ? new InlineContext(task.id, onProgress) : SILENT;
    // Called with `this` undefined: never the task object it is reached through. No closure
    // per call: every main-thread task passes here.
    value = taskContext.run(context, applyWithTaskStop, stop, task.task.fn as (...a: unknown[]) => unknown, args);
  } catch (thrown) {
    return failed(task, thrown, started);
  }
  if (typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function' && !isDelayed(value)) {
    return Promise.resolve(value).then(
      (settled) => succeeded(task, settled, started),
      (thrown: unknown) => failed(task, thrown, started),
    );
  }
  // A synchronous task cannot be stopped midway; past its limit its result is refused.
  if (task.timeoutMs !== undefined && performance.now() - started > task.timeoutMs) return timedOut(task, task.timeoutMs);
  return succeeded(task, value, started);
}

const SILENT: TaskContext = { report: () => undefined };

class InlineContext implements TaskContext {
  constructor(
    readonly taskId: number,
    readonly listener: ProgressListener,
  ) {}

  report(fraction: number, message: string | undefined): void {
    this.listener(this.taskId, fraction, message);
  }
}

function succeeded(task: ExecutableTask, value: unknown, started: number): Outcome {
  const durationMs = performance.now() - started;
  // memograph's own functions (a part, a gathered structure) give values, never graphs.
  const graph = task.task.builtin === undefined ? returnedGraph(value) : undefined;
  if (graph !== undefined) {
    return { id: task.id, ok: true, returned: { structure: graph }, durationMs, startedAt: TIME_ORIGIN + started, workerId: 0 };
  }
  return { id: task.id, ok: true, result: TaskResult.fromValue(value), durationMs, startedAt: TIME_ORIGIN + started, workerId: 0 };
}

function failed(task: ExecutableTask, thrown: unknown, started: number): Outcome {
  // A non-Error has no stack of its own; one made here would point into memograph, not the task.
  const failure =
    thrown instanceof Error
      ? { taskName: task.task.name, cid: task.cid, originalMessage: thrown.message, originalStack: thrown.stack }
      : { taskName: task.task.name, cid: task.cid, originalMessage: describeThrown(thrown) };
  // A main-thread task that enforced a resource limit itself (a command's memory watch) says so by its code.
  const overLimit = (thrown as { code?: unknown } | undefined)?.code === 'MEMOGRAPH_RESOURCE_LIMIT';
  const taskError = overLimit ? new ResourceLimitError(failure, { cause: thrown }) : new TaskError(failure, { cause: thrown });
  const durationMs = performance.now() - started;
  return { id: task.id, ok: false, error: taskError, durationMs, startedAt: TIME_ORIGIN + started, workerId: 0 };
}
