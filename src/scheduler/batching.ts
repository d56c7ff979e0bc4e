/**
 * How many ready tasks travel to an executor in one message.
 *
 * A worker round trip costs tens of microseconds, far more than a tiny task,
 * so tiny tasks go in batches. A batch runs one task after another on one
 * worker, so batching long tasks would serialise them: only tasks whose
 * function is known (from earlier successful calls of it) to be short join a batch, up to
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

/**
 * Pop the next batch off a LIFO ready stack, leaving work for the other free slots.
 *
 * With `fuse`, a batch also takes any waiting dependent whose every missing input
 * is already in the batch, and that dependent's dependents in turn: the worker
 * runs them in order, handing values along, so a chain or a subtree of tiny tasks
 * costs one round trip instead of one per level (dask fuses linear chains for the
 * same reason). Only known-short tasks join, within the same budget, and no
 * dependent of a `cache: false` call.
 */
export function takeBatch(
  ready: TaskNode[],
  freeSlots: number,
  fuse = false,
  alone: (node: TaskNode) => boolean = () => false,
): TaskNode[] {
  const first = ready.pop()!;
  const batch = [first];
  let estimated = estimateOf(first);
  if (estimated === undefined || alone(first)) return batch;
  const limit = Math.min(MAX_BATCH, Math.ceil((ready.length + 1) / Math.max(1, freeSlots)));
  // How many of each waiting dependent's missing inputs the batch holds so far.
  const inBatch = fuse ? new Map<TaskNode, number>() : undefined;
  /** Fuse the dependents of batch[start] and of everything fused after it. */
  const fuseFrom = (start: number): void => {
    for (let i = start; inBatch && i < batch.length; i++) {
      for (const dependent of batch[i]!.dependents) {
        // A node that follows a graph it returned takes that graph's value; it does not run again.
        if (!dependent.expanded || dependent.state !== 'waiting' || dependent.returned) continue;
        const held = (inBatch.get(dependent) ?? 0) + 1;
        inBatch.set(dependent, held);
        // Fused tasks could not run anywhere else yet, so only the batch's size and
        // budget bound them, not the share of ready work left for other slots.
        if (held !== dependent.missing || batch.length >= MAX_BATCH) continue;
        if (dependent.delayed.task.placement.kind !== first.delayed.task.placement.kind) continue;
        // A dependent of a `cache: false` call is looked up by its inputs' values before it
        // runs (state.ts): fused, it would run whatever they return. Other dependents
        // are fused unlooked-up, giving up early cutoff for the round trips saved.
        if (dependent.byValue && dependent.delayed.volatile) continue;
        const cost = estimateOf(dependent);
        if (cost === undefined || estimated! + cost > BATCH_BUDGET_MS || alone(dependent)) continue;
        batch.push(dependent);
        estimated! += cost;
      }
    }
  };
  fuseFrom(0);
  let taken = 1;
  while (taken < limit && batch.length < MAX_BATCH && ready.length > 0) {
    const next = estimateOf(ready[ready.length - 1]!);
    if (next === undefined || estimated + next > BATCH_BUDGET_MS || alone(ready[ready.length - 1]!)) break;
    const node = ready.pop()!;
    batch.push(node);
    taken++;
    estimated += next;
    fuseFrom(batch.length - 1);
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
