/**
 * `sweep(points, build)`: one task per point of a parameter grid.
 *
 * `build(point)` makes the point's node (any delayed call or command); the
 * sweep renames it `name[temp=300,seed=1]` so the point is visible in errors,
 * snapshots and the store. The display name is not part of a node's identity,
 * so a point's address depends only on what `build` made of it: changing one
 * value of the grid changes the addresses of exactly the points that use it,
 * and only those run again.
 *
 * Results carry their point: `collect()` is one node whose value lists
 * `{ point, value }` for every point; `partition(outcome)` sorts a settled run
 * (`onFailure: 'continue'`) into completed and failed points.
 */
import { InvalidArgumentError, type TaskError } from '../errors.js';
import { delayed, Delayed } from '../graph/delayed.js';
import { functionNameOf } from '../graph/task-function.js';
import type { RunOutcome } from '../run.js';
import { pointLabel, type Point } from './grid.js';

export interface PointResult<P extends Point, T> {
  readonly point: P;
  readonly label: string;
  readonly value: T;
}

export interface PointFailure<P extends Point> {
  readonly point: P;
  readonly label: string;
  readonly error: TaskError;
}

export interface SweepEntry<P extends Point, T> {
  readonly point: P;
  readonly label: string;
  readonly node: Delayed<T>;
}

export class Sweep<P extends Point, T> {
  readonly entries: readonly SweepEntry<P, T>[];

  /** @internal Use {@link sweep}. */
  constructor(entries: readonly SweepEntry<P, T>[]) {
    this.entries = entries;
  }

  /** One node per point, in the points' order: the targets to compute. */
  get nodes(): Delayed<T>[] {
    return this.entries.map((e) => e.node);
  }

  get points(): P[] {
    return this.entries.map((e) => e.point);
  }

  /** A node whose value is `{ point, label, value }` for every point (it fails if any point fails). */
  collect(): Delayed<PointResult<P, T>[]> {
    const points = this.entries.map(({ point, label }) => ({ point, label }));
    return gather(points, this.nodes) as Delayed<PointResult<P, T>[]>;
  }

  /**
   * Pair a settled run of `nodes` (as targets, in order, e.g.
   * `startRun(s.nodes, { onFailure: 'continue' }).settled`) with the points.
   * A point without a value is failed: by its own error, or by the error of
   * an input it depends on.
   */
  partition(outcome: RunOutcome<T[]>): { completed: PointResult<P, T>[]; failed: PointFailure<P>[] } {
    if (outcome.values.length !== this.entries.length) {
      throw new InvalidArgumentError(`Expected the outcome of a run of this sweep's ${this.entries.length} nodes, got ${outcome.values.length} values`);
    }
    const byCid = new Map(outcome.failures.map((e) => [e.cid, e]));
    const completed: PointResult<P, T>[] = [];
    const failed: PointFailure<P>[] = [];
    this.entries.forEach(({ point, label, node }, i) => {
      if (outcome.available[i]) completed.push({ point, label, value: outcome.values[i] as T });
      else {
        const error = byCid.get(node.cid) ?? outcome.failures[0];
        if (error) failed.push({ point, label, error });
      }
    });
    return { completed, failed };
  }
}

const gather = delayed(
  function sweepResults(points: { point: unknown; label: string }[], values: unknown[]) {
    return points.map((p, i) => ({ point: p.point, label: p.label, value: values[i] }));
  },
  { version: 'memograph/sweep-results/1' },
);

/**
 * One task per point. `build` returns the point's node; it is renamed
 * `<name>[<label>]`, e.g. `simulate[temp=300,seed=1]`.
 *
 * @example
 * const s = sweep(grid({ temp: [280, 300], seed: [1, 2] }), (p) => simulate(p.temp, p.seed));
 * const [rows] = await compute(s.collect());   // [{ point: {temp: 280, seed: 1}, label, value }, …]
 */
export function sweep<P extends Point, T>(points: readonly P[], build: (point: P) => Delayed<T>, options: { name?: string } = {}): Sweep<P, T> {
  if (!Array.isArray(points)) throw new InvalidArgumentError('Expected `points` to be an array (see grid())');
  if (typeof build !== 'function') throw new InvalidArgumentError('Expected `build` to be a function from a point to a Delayed');
  const entries = points.map((point, i) => {
    const node = build(point);
    if (!(node instanceof Delayed)) {
      throw new InvalidArgumentError(`build(points[${i}]) returned \`${String(node)}\`, not a Delayed (call a delayed function in it)`);
    }
    const label = pointLabel(point);
    return { point, label, node: renamed(node, `${options.name ?? node.name}[${label}]`) };
  });
  return new Sweep<P, T>(entries);
}

/**
 * The same call under another display name. The task description is shared but
 * for its name (its identity, and so the CID, are unchanged); the node keeps its
 * class, so a command stays a Command.
 */
function renamed<T>(node: Delayed<T>, name: string): Delayed<T> {
  const Kind = node.constructor as new (task: Delayed<T>['task'], args: readonly unknown[]) => Delayed<T>;
  return new Kind({ ...node.task, name, functionName: functionNameOf(node.task) }, node.args);
}
