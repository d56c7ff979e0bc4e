/**
 * The TaskErrors the loop makes itself, for failures that are not a task's own throw:
 * an argument changed, a result that cannot be stored, an executor that broke, code that
 * changed since its identity was built.
 */
import { CaptureChangedError, CodeChangedError, MemographError, TaskError } from '../errors.js';
import type { TaskFunction } from '../graph/task-function.js';
import { changedEnvironment } from '../identity/environment.js';
import { checkClosure } from '../identity/stale-code.js';
import type { TaskNode } from './state.js';

export function taskFailure(node: TaskNode, message: string, cause: unknown): TaskError {
  return new TaskError({ taskName: node.delayed.task.name, cid: node.delayed.cid, originalMessage: message }, { cause });
}

export function unstorable(node: TaskNode, error: unknown): TaskError {
  const message = error instanceof Error ? error.message : String(error);
  return new TaskError(
    { taskName: node.delayed.task.name, cid: node.delayed.cid, originalMessage: `its result cannot be stored: ${message}` },
    { cause: error },
  );
}

export function executorFailure(node: TaskNode, error: unknown): TaskError {
  const message = error instanceof Error ? error.message : String(error);
  return new TaskError(
    { taskName: node.delayed.task.name, cid: node.delayed.cid, originalMessage: `its executor failed: ${message}` },
    { cause: error instanceof MemographError ? error : undefined },
  );
}

/** What makes `task` no longer the function its identity describes, as the error of one of its nodes. */
export function staleness(task: TaskFunction): ((node: TaskNode) => TaskError) | undefined {
  const code = task.identity.code;
  const changed = task.placement.kind === 'module' ? checkClosure(code) : undefined;
  if (changed) return (node) => new CodeChangedError({ taskName: task.name, cid: node.delayed.cid, ...changed });
  const variable = changedEnvironment(code);
  if (variable === undefined) return undefined;
  return (node) =>
    new CaptureChangedError({
      taskName: task.name,
      cid: node.delayed.cid,
      originalMessage: `environment variable ${variable} changed after delayed() built the function's identity; call delayed() again after setting it`,
    });
}
