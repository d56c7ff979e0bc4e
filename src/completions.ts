/**
 * `run.asCompleted()`: each target as soon as it settles, in the order they settle (as
 * Dask's `as_completed`), with its value or its failure. Targets already settled when
 * it is called come first; targets the run ends without (a fail-fast stop, an abort)
 * come last, with the run's error.
 */
import { MemographError } from './errors.js';
import type { Delayed } from './graph/delayed.js';
import type { RunEvent } from './scheduler/events.js';
import type { RunState, TaskNode } from './scheduler/state.js';

export type Completion<T = unknown> =
  | { readonly index: number; readonly target: Delayed<T>; readonly ok: true; readonly value: T; readonly cached: boolean }
  | { readonly index: number; readonly target: Delayed<T>; readonly ok: false; readonly error: MemographError };

const SETTLED_EVENTS = new Set<RunEvent['type']>(['finished', 'cached', 'failed', 'skipped']);

export interface CompletionSource {
  readonly targets: readonly Delayed<unknown>[];
  readonly state: RunState;
  readonly settled: Promise<unknown>;
  onEvent(listener: (event: RunEvent) => void): () => void;
}

export async function* completions(source: CompletionSource): AsyncGenerator<Completion> {
  const { targets, state } = source;
  const pending = new Map<string, number[]>();
  targets.forEach((target, index) => pending.set(target.cid, [...(pending.get(target.cid) ?? []), index]));
  const ready: Completion[] = [];
  let wake: (() => void) | undefined;
  const take = (cid: string) => {
    const indexes = pending.get(cid);
    const node = state.nodes.get(cid);
    if (!indexes || !node) return;
    const completed = indexes.map((index) => completionOf(node, index, targets[index]!, state));
    if (completed[0] === undefined) return;
    pending.delete(cid);
    ready.push(...(completed as Completion[]));
    wake?.();
  };
  for (const cid of [...pending.keys()]) take(cid);
  // A node's result is set just after its event: read it once the event's work is done.
  const stop = source.onEvent((event) => {
    if (SETTLED_EVENTS.has(event.type) && 'cid' in event && pending.has(event.cid)) queueMicrotask(() => take(event.cid));
  });
  let ended = false;
  void source.settled
    .catch(() => undefined)
    .then(() => {
      ended = true;
      wake?.();
    });
  try {
    for (;;) {
      while (ready.length > 0) yield ready.shift()!;
      if (ended) break;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
    for (const cid of [...pending.keys()]) take(cid);
    while (ready.length > 0) yield ready.shift()!;
    const error = state.error ?? new MemographError('MEMOGRAPH_ABORTED', 'The run ended before computing this target');
    for (const indexes of pending.values()) for (const index of indexes) yield { index, target: targets[index]!, ok: false, error };
  } finally {
    stop();
  }
}

function completionOf(node: TaskNode, index: number, target: Delayed<unknown>, state: RunState): Completion | undefined {
  if (node.result !== undefined && (node.state === 'done' || node.state === 'cached')) {
    return { index, target, ok: true, value: node.result.value(), cached: node.state === 'cached' };
  }
  if (node.state === 'failed' || node.state === 'skipped') return { index, target, ok: false, error: causeOf(node, state) };
  return undefined;
}

/** A failed node's own error; for a skipped one, the failure below it that skipped it. */
function causeOf(node: TaskNode, state: RunState): MemographError {
  const seen = new Set<TaskNode>();
  const stack = [node];
  while (stack.length > 0) {
    const current = stack.pop()!;
    if (seen.has(current)) continue;
    seen.add(current);
    if (current.state === 'failed') {
      const failure = state.failures.find((error) => error.cid === current.delayed.cid);
      if (failure) return failure;
    }
    stack.push(...current.deps);
  }
  return state.error ?? new MemographError('MEMOGRAPH_ABORTED', `${node.delayed} was not computed`);
}
