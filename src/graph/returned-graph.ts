/**
 * A task may return a graph instead of a value: a Delayed, or arrays and plain objects
 * holding some (`return chunks.map((c) => analyse(c))`). The run then computes what was
 * returned, and the task's value is that structure with values in place of the nodes.
 * This is how a task decides what runs next: as many chunks as the data needs, a
 * recursion, a step taken only when a condition holds.
 *
 * An async task returns a Delayed through a promise, and the language asks a returned
 * promise's value for `then`: so inside a task's call, `Delayed#then` settles with a
 * placeholder ({@link ReturnedDelayed}) that stands for the node, where outside one it
 * fails (awaiting a Delayed is a mistake there). The placeholder is only good for being
 * returned; using it as a value throws.
 *
 * Nodes are recognised by a brand shared by every copy of memograph a thread loads, so a
 * task's module that imports the package by another path returns nodes this copy knows.
 */
import type { Delayed } from './delayed.js';

export const DELAYED_BRAND = Symbol.for('memograph.delayed');

/** A Delayed, from this copy of memograph or another. */
export function isDelayed(value: unknown): value is Delayed<unknown> {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[DELAYED_BRAND] === true;
}

/** What `await node` gives inside a task: the node, to be returned. */
export class ReturnedDelayed {
  readonly #node: Delayed<unknown>;

  constructor(node: Delayed<unknown>) {
    this.#node = node;
  }

  get node(): Delayed<unknown> {
    return this.#node;
  }

  toString(): string {
    return `ReturnedDelayed(${this.#node})`;
  }

  [Symbol.toPrimitive](): never {
    throw new TypeError(
      `${this.#node} has no value inside the task that made it: a task can return it (and the run computes it), not use its value`,
    );
  }
}

/** How deep a returned structure is searched for nodes; deeper ones are values (and fail to store as such). */
const SEARCH_DEPTH = 64;

/**
 * The graph a task returned: `value` with every placeholder replaced by its node, or
 * `undefined` when `value` holds no node (an ordinary value). Only arrays and plain
 * objects are searched, as those are what a run can fill with values.
 */
export function returnedGraph(value: unknown): unknown {
  return holdsNode(value, 0) ? unboxed(value, 0) : undefined;
}

/** Whether `value` is a node (or a placeholder of one) or holds one, through arrays and plain objects. */
export function holdsNode(value: unknown, depth = 0): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (value instanceof ReturnedDelayed || isDelayed(value)) return true;
  if (depth >= SEARCH_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === 'object' && item !== null && holdsNode(item, depth + 1)) return true;
    }
    return false;
  }
  if (!isPlain(value)) return false;
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    if (typeof item === 'object' && item !== null && holdsNode(item, depth + 1)) return true;
  }
  return false;
}

function unboxed(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof ReturnedDelayed) return value.node;
  if (isDelayed(value) || depth >= SEARCH_DEPTH) return value;
  if (Array.isArray(value)) return value.map((item) => unboxed(item, depth + 1));
  if (!isPlain(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) copy[key] = unboxed((value as Record<string, unknown>)[key], depth + 1);
  return copy;
}

type Found = { node: Delayed<unknown>; path: (string | number)[] }[];

/**
 * The nodes inside `value` (arrays and plain objects, as deep as a returned structure is
 * searched) with where each is: what hashing a call's arguments finds, without hashing.
 * A worker sketches every call of a returned graph with it, so it allocates nothing for
 * a value without nodes.
 */
export function nodesIn(value: unknown): Found {
  const found: Found = [];
  if (typeof value === 'object' && value !== null) search(value, [], 0, found);
  return found;
}

function search(item: object, path: (string | number)[], depth: number, found: Found): void {
  if (isDelayed(item)) {
    found.push({ node: item, path: path.slice() });
    return;
  }
  if (depth >= SEARCH_DEPTH) return;
  if (Array.isArray(item)) {
    for (let i = 0; i < item.length; i++) {
      const child: unknown = item[i];
      if (typeof child !== 'object' || child === null) continue;
      path.push(i);
      search(child, path, depth + 1, found);
      path.pop();
    }
    return;
  }
  if (!isPlain(item)) return;
  for (const key of Object.keys(item)) {
    const child = (item as Record<string, unknown>)[key];
    if (typeof child !== 'object' || child === null) continue;
    path.push(key);
    search(child, path, depth + 1, found);
    path.pop();
  }
}

export function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
