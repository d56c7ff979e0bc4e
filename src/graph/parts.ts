/**
 * Parts of a value as graph nodes: `x.get(key)`, and the elements of a call made with
 * `nout`. A part is a node like any other (its own CID, cached, deduplicated, drawn),
 * computed by one small built-in function on the main thread, so taking a part never
 * costs a round trip to a worker.
 *
 * Its identity is a fixed version, not its source: what a part is must not change with
 * memograph's own code. Bump PART_VERSION if the getter's meaning ever changes.
 */
import { InvalidArgumentError } from '../errors.js';
import { describeFunction, type TaskFunction } from './task-function.js';

const PART_VERSION = 'memograph/part 1';

/** The keys `get` accepts on a value of type T. */
export type PartKey<T> = unknown extends T
  ? unknown
  : T extends ReadonlyMap<infer K, unknown>
    ? K
    : T extends readonly unknown[]
      ? number
      : Extract<keyof T, string | number>;

/** The type of `value.get(key)`. */
export type PartOf<T, K> = unknown extends T
  ? unknown
  : T extends ReadonlyMap<unknown, infer V>
  ? V
  : T extends readonly unknown[]
    ? K extends keyof T
      ? T[K]
      : T[number]
    : K extends keyof T
      ? T[K]
      : never;

function get(whole: unknown, key: unknown): unknown {
  const shown = typeof key === 'string' ? JSON.stringify(key) : String(key);
  if (whole instanceof Map) {
    if (!whole.has(key)) throw new RangeError(`the Map has no key ${shown}`);
    return whole.get(key);
  }
  if (whole === null || typeof whole !== 'object') {
    throw new TypeError(`cannot take ${shown} of ${whole === null ? 'null' : typeof whole}: only objects, arrays and Maps have parts`);
  }
  if (Array.isArray(whole)) {
    if (typeof key !== 'number' || !Number.isInteger(key) || key < 0 || key >= whole.length) {
      throw new RangeError(`the array has ${whole.length} elements, so there is no element ${shown}`);
    }
    return whole[key];
  }
  if (typeof key !== 'string' && typeof key !== 'number') throw new TypeError(`an object's part is named by a string or number, got ${typeof key}`);
  if (!Object.prototype.hasOwnProperty.call(whole, key)) throw new RangeError(`the value has no property ${shown}`);
  return (whole as Record<string | number, unknown>)[key];
}

let partTask: TaskFunction | undefined;

/** The task every part node calls, described once. */
export function partFunction(): TaskFunction {
  partTask ??= { ...describeFunction(get, { name: 'get', version: PART_VERSION, mainThread: true }), builtin: 'get' };
  return partTask;
}

/** Check `nout` (a call's number of outputs) where it is given. */
export function checkNout(nout: unknown): number | undefined {
  if (nout === undefined) return undefined;
  if (typeof nout !== 'number' || !Number.isInteger(nout) || nout < 1) {
    throw new InvalidArgumentError(`Expected \`nout\` to be a whole number of outputs, 1 or more, got \`${String(nout)}\``);
  }
  return nout;
}
