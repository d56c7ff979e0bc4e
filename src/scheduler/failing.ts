/**
 * A node fails: once more after its retry policy's delay, or for good (then `fail`
 * in state.ts skips what depends on it, and whoever waits for its future hears).
 */
import type { TaskError } from '../errors.js';
import { retryDelay, shouldRetry } from '../graph/policies.js';
import { about, emitIf, settle, type LoopContext } from './loop-context.js';
import { fail, setState, type TaskNode } from './state.js';

/** `ran`: where the failed attempt ran and for how long, when its thread said so. */
export function failNode(loop: LoopContext, node: TaskNode, error: TaskError, ran?: { workerId: number; durationMs: number; startedAt?: number }): void {
  node.attempts++;
  const retry = node.delayed.task.retry ?? loop.options.retry;
  if (!loop.stopped && shouldRetry(retry, node.attempts, error)) {
    // Its inputs stay held (it has not finished), so it can simply run again.
    setState(loop.state, node, 'waiting');
    loop.state.counts.retried++;
    loop.pending++;
    const delayMs = retryDelay(retry!, node.attempts);
    emitIf(loop, () => ({ type: 'retried', ...about(node), ...ran, attempt: node.attempts, delayMs, error }));
    setTimeout(() => loop.events.push({ kind: 'retry', node }), delayMs);
    return;
  }
  emitIf(loop, () => ({ type: 'failed', ...about(node), ...ran, error }));
  fail(loop.state, node, error);
  settle(loop, node, { kind: 'failed', error });
}

/** Fail without retrying: trying again cannot help (an argument changed since the call was made). */
export function refuse(loop: LoopContext, node: TaskNode, error: TaskError): void {
  emitIf(loop, () => ({ type: 'failed', ...about(node), error }));
  fail(loop.state, node, error);
  settle(loop, node, { kind: 'failed', error });
}
