/**
 * `computeStructure({ model: m, scores: [s1, s2], note: 'x' })`: compute every Delayed
 * inside a structure of arrays and plain objects in one run, and give the same structure
 * back with values in their places (Dask's `compute` traverses collections this way). A
 * function of its own, taking exactly one structure and then options, so a structure can
 * never be mistaken for options.
 */
import { InvalidArgumentError } from './errors.js';
import { Delayed } from './graph/delayed.js';
import { isPlain } from './graph/returned-graph.js';
import type { Computed } from './graph/computed.js';
import type { ComputeOptions } from './options.js';
import { startRun } from './run.js';

export type { Computed } from './graph/computed.js';

export function computeStructure<const S>(structure: S, options: ComputeOptions = {}): Promise<Computed<S>> {
  try {
    const targets: Delayed<unknown>[] = [];
    const index = new Map<Delayed<unknown>, number>();
    collect(structure, targets, index, 'structure', new Set());
    return startRun(targets, options).result.then((values) => rebuild(structure, values, index) as Computed<S>);
  } catch (error) {
    return Promise.reject(error);
  }
}

function collect(value: unknown, targets: Delayed<unknown>[], index: Map<Delayed<unknown>, number>, where: string, path: Set<object>): void {
  if (value instanceof Delayed) {
    if (!index.has(value)) {
      index.set(value, targets.length);
      targets.push(value);
    }
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (path.has(value)) throw new InvalidArgumentError(`The structure refers to itself at ${where}: it cannot be given back`);
  if (!Array.isArray(value) && !isPlain(value)) return; // a Map, Date or class instance is a value as it stands
  path.add(value);
  if (Array.isArray(value)) value.forEach((item, i) => collect(item, targets, index, `${where}[${i}]`, path));
  else for (const [key, item] of Object.entries(value)) collect(item, targets, index, `${where}.${key}`, path);
  path.delete(value);
}

function rebuild(value: unknown, values: readonly unknown[], index: Map<Delayed<unknown>, number>): unknown {
  if (value instanceof Delayed) return values[index.get(value)!];
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => rebuild(item, values, index));
  if (!isPlain(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = rebuild(item, values, index);
  return out;
}
