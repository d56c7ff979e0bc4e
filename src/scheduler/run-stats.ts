/**
 * What a run measures about itself for `Run#status()`: which tasks are running
 * and since when, per-function durations, and the largest worker heap seen.
 */
import type { TaskNode } from './state.js';
import { functionNameOf } from '../graph/task-function.js';

/** Duration statistics of one function's tasks in a run. */
export interface FunctionStats {
  count: number;
  totalMs: number;
  minMs: number;
  maxMs: number;
}

export class RunStats {
  /** Tasks running now, with when each started (ms since the epoch). */
  readonly running = new Map<TaskNode, number>();
  /** By function name, over the tasks the run executed. */
  readonly functions = new Map<string, FunctionStats>();
  /** The largest worker heap in use reported after a batch. */
  peakWorkerHeapBytes = 0;

  started(node: TaskNode): void {
    this.running.set(node, Date.now());
  }

  stopped(node: TaskNode): void {
    this.running.delete(node);
  }

  executed(node: TaskNode, durationMs: number, heapUsedBytes: number | undefined): void {
    const name = functionNameOf(node.delayed.task);
    const stats = this.functions.get(name);
    if (stats) {
      stats.count++;
      stats.totalMs += durationMs;
      stats.minMs = Math.min(stats.minMs, durationMs);
      stats.maxMs = Math.max(stats.maxMs, durationMs);
    } else {
      this.functions.set(name, { count: 1, totalMs: durationMs, minMs: durationMs, maxMs: durationMs });
    }
    if (heapUsedBytes !== undefined && heapUsedBytes > this.peakWorkerHeapBytes) this.peakWorkerHeapBytes = heapUsedBytes;
  }
}
