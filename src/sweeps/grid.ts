/**
 * Parameter grids: the product of named lists of values, plus explicit points,
 * expanded into a list of points (plain objects of parameter values), each with
 * a label such as `temp=300,seed=1` that names it in tasks, snapshots and
 * results.
 *
 * Order is deterministic — axes vary in the order they are given, the last one
 * fastest (like nested loops, or itertools.product), then the explicit points —
 * and a point already produced by the product is not repeated.
 */
import { InvalidArgumentError } from '../errors.js';
import { tokenize } from '../hash/call-address.js';

/** One point of a sweep: a value for each parameter. */
export type Point = Readonly<Record<string, unknown>>;

/** The points of a product of named lists: `{ temp: [280, 300], seed: [1, 2] }` gives four. */
export type Axes = Readonly<Record<string, readonly unknown[]>>;

/** The type of one point of `Axes`. */
export type PointOf<A extends Axes> = { readonly [K in keyof A]: A[K][number] };

export interface GridOptions<P extends Point> {
  /** Further points to include, as given (they need not lie on the grid). */
  points?: readonly P[];
}

/**
 * Expand a parameter grid into its points.
 *
 * @example
 * grid({ temp: [280, 300], seed: [1, 2] }, { points: [{ temp: 1000, seed: 1 }] })
 * // [{temp: 280, seed: 1}, {temp: 280, seed: 2}, {temp: 300, seed: 1}, {temp: 300, seed: 2}, {temp: 1000, seed: 1}]
 */
export function grid<A extends Axes>(axes: A, options: GridOptions<PointOf<A>> = {}): PointOf<A>[] {
  if (typeof axes !== 'object' || axes === null || Array.isArray(axes)) {
    throw new InvalidArgumentError(`Expected \`axes\` to be an object of named lists, got \`${String(axes)}\``);
  }
  const names = Object.keys(axes);
  for (const name of names) {
    const values = axes[name];
    if (!Array.isArray(values)) {
      throw new InvalidArgumentError(`Expected axis \`${name}\` to be an array of values, got \`${String(values)}\``);
    }
  }
  let points: Record<string, unknown>[] = names.length === 0 ? [] : [{}];
  for (const name of names) {
    const next: Record<string, unknown>[] = [];
    for (const partial of points) for (const value of axes[name]!) next.push({ ...partial, [name]: value });
    points = next;
  }
  const seen = new Set(points.map((p) => tokenize(p)));
  for (const [i, point] of (options.points ?? []).entries()) {
    if (typeof point !== 'object' || point === null || Array.isArray(point)) {
      throw new InvalidArgumentError(`Expected points[${i}] to be an object of parameter values`);
    }
    const key = tokenize(point);
    if (seen.has(key)) continue;
    seen.add(key);
    points.push({ ...point });
  }
  return points.map((p) => Object.freeze(p)) as unknown as PointOf<A>[];
}

/**
 * A point's label: `name=value` pairs in the point's key order, joined by commas.
 * Strings are written bare when that reads unambiguously, otherwise as JSON.
 *
 * @example pointLabel({ temp: 300, seed: 1 }) === 'temp=300,seed=1'
 */
export function pointLabel(point: Point): string {
  return Object.entries(point)
    .map(([name, value]) => `${name}=${formatValue(value)}`)
    .join(',');
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /^[\w.:/+-]*$/.test(value) && value !== '' ? value : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' || value === null || value === undefined) {
    return String(value);
  }
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
