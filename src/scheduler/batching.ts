/**
 * How many ready tasks travel to an executor in one message.
 *
 * A worker round trip costs tens of microseconds, far more than a tiny task,
 * so tiny tasks go in batches. A batch runs one task after another on one
 * worker, so batching long tasks would serialise them: only tasks whose
 * function is known (from earlier runs of it) to be short join a batch, up to
 * about BATCH_BUDGET_MS of estimated work. A function never seen before travels
 * alone until its first duration comes back.
 */
import type { DurationEstimate } from '../graph/task-function.js';
import type { TaskNode } from './state.js';

const BATCH_BUDGET_MS = 2;
const MAX_BATCH = 256;
/** The estimate follows recent durations: after this many samples, older ones fade. */
const ESTIMATE_WINDOW = 32;

/**
 * Batches of known-short tasks may queue behind a running batch on the same
 * worker: the next one is then already there when the worker finishes, instead
 * of a round trip later. Longer tasks never queue, so they never wait behind
 * each other while another worker is free.
 */
export const QUEUED_PER_SLOT = 1;

/** Whether the next ready task is known to be short enough to queue behind running work. */
export function nextIsShort(ready: readonly TaskNode[]): boolean {
  const next = ready[ready.length - 1];
  const estimate = next === undefined ? undefined : estimateOf(next);
  return estimate !== undefined && estimate < BATCH_BUDGET_MS;
}

/** Pop the next batch off a LIFO ready stack, leaving work for the other free slots. */
export function takeBatch(ready: TaskNode[], freeSlots: number): TaskNode[] {
  const first = ready.pop()!;
  const batch = [first];
  let estimated = estimateOf(first);
  if (estimated === undefined) return batch;
  const limit = Math.min(MAX_BATCH, Math.ceil((ready.length + 1) / Math.max(1, freeSlots)));
  while (batch.length < limit && ready.length > 0) {
    const next = estimateOf(ready[ready.length - 1]!);
    if (next === undefined || estimated + next > BATCH_BUDGET_MS) break;
    batch.push(ready.pop()!);
    estimated += next;
  }
  return batch;
}

export function recordDuration(estimate: DurationEstimate, durationMs: number): void {
  estimate.count++;
  estimate.meanMs += (durationMs - estimate.meanMs) / Math.min(estimate.count, ESTIMATE_WINDOW);
}

function estimateOf(node: TaskNode): number | undefined {
  const { count, meanMs } = node.delayed.task.durations;
  return count === 0 ? undefined : meanMs;
}
