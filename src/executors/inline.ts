import { TaskError } from '../errors.js';
import { TaskResult } from '../scheduler/task-result.js';
import type { ExecutableTask, Executor, Outcome } from './executor.js';
import { setAtPath } from './fill-inputs.js';

/** Runs tasks on the main thread, for functions marked `mainThread: true`. */
export class InlineExecutor implements Executor {
  readonly slots: number;

  constructor(slots: number) {
    this.slots = slots;
  }

  async run(tasks: readonly ExecutableTask[]): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    for (const task of tasks) {
      // A sync function's outcome is ready at once; awaiting it anyway would cost
      // a trip through the microtask queue per task.
      const outcome = runInline(task, outcomes);
      outcomes.push(outcome instanceof Promise ? await outcome : outcome);
    }
    return outcomes;
  }
}

function runInline(task: ExecutableTask, earlier: readonly Outcome[]): Outcome | Promise<Outcome> {
  const started = performance.now();
  let value: unknown;
  try {
    const args = task.args;
    for (const { path, result, fromTask } of task.inputs) {
      const source = fromTask === undefined ? result : earlier[fromTask];
      if (source instanceof TaskResult) setAtPath(args, path, source.value());
      else if (source?.ok) setAtPath(args, path, source.result.value());
      else return { id: task.id, ok: false, skipped: true, durationMs: 0 };
    }
    value = (task.task.fn as (...a: unknown[]) => unknown)(...args);
  } catch (thrown) {
    return failed(task, thrown, started);
  }
  if (typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function') {
    return Promise.resolve(value).then(
      (settled) => succeeded(task, settled, started),
      (thrown: unknown) => failed(task, thrown, started),
    );
  }
  return succeeded(task, value, started);
}

function succeeded(task: ExecutableTask, value: unknown, started: number): Outcome {
  return { id: task.id, ok: true, result: TaskResult.fromValue(value), durationMs: performance.now() - started };
}

function failed(task: ExecutableTask, thrown: unknown, started: number): Outcome {
  const error = thrown instanceof Error ? thrown : new Error(`non-Error thrown: ${String(thrown)}`);
  const failure = { taskName: task.task.name, cid: task.cid, originalMessage: error.message, originalStack: error.stack };
  return { id: task.id, ok: false, error: new TaskError(failure, { cause: thrown }), durationMs: performance.now() - started };
}
