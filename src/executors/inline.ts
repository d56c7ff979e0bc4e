import { TaskError } from '../errors.js';
import { TaskResult } from '../scheduler/task-result.js';
import type { ExecutableTask, Executor, Outcome } from './executor.js';
import { fillInputs } from './fill-inputs.js';

/** Runs tasks on the main thread, for functions marked `mainThread: true`. */
export class InlineExecutor implements Executor {
  readonly slots: number;

  constructor(slots: number) {
    this.slots = slots;
  }

  async run(tasks: readonly ExecutableTask[]): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    for (const task of tasks) outcomes.push(await runInline(task));
    return outcomes;
  }
}

async function runInline(task: ExecutableTask): Promise<Outcome> {
  const started = performance.now();
  try {
    const args = fillInputs(task.args, task.inputs, (slot) => slot.result.value());
    let value = (task.task.fn as (...a: unknown[]) => unknown)(...args);
    if (typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function') {
      value = await value;
    }
    return { id: task.id, ok: true, result: TaskResult.fromValue(value), durationMs: performance.now() - started };
  } catch (thrown) {
    const error = thrown instanceof Error ? thrown : new Error(`non-Error thrown: ${String(thrown)}`);
    return {
      id: task.id,
      ok: false,
      error: new TaskError(
        { taskName: task.task.name, cid: task.cid, originalMessage: error.message, originalStack: error.stack },
        { cause: thrown },
      ),
      durationMs: performance.now() - started,
    };
  }
}
