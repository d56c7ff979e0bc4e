import { InvalidArgumentError } from './errors.js';
import { Delayed } from './graph/delayed.js';
import type { ComputeOptions } from './options.js';
import { startRun, type Values } from './run.js';

/**
 * Compute one or more Delayed values in one run, sharing their common inputs.
 * Options, if any, come last.
 *
 * @example
 * const [a, b] = await compute(x, y, { workers: 4 });
 */
export function compute<const T extends readonly Delayed<unknown>[]>(...targets: T): Promise<Values<T>>;
export function compute<const T extends readonly Delayed<unknown>[]>(...args: [...T, ComputeOptions]): Promise<Values<T>>;
export function compute(...args: unknown[]): Promise<unknown[]> {
  // A promise-returning function reports bad input as a rejection, so that
  // `compute(...).catch(…)` and `await` see every error the same way.
  try {
    return start(args);
  } catch (error) {
    return Promise.reject(error);
  }
}

function start(args: unknown[]): Promise<unknown[]> {
  const last = args[args.length - 1];
  const hasOptions = args.length > 0 && !(last instanceof Delayed);
  if (hasOptions && (typeof last !== 'object' || last === null || Array.isArray(last))) {
    throw new InvalidArgumentError(
      `Expected compute's arguments to be Delayed values, optionally followed by an options object; ` +
        `argument ${args.length - 1} is ${Array.isArray(last) ? 'an array' : typeof last}`,
    );
  }
  const targets = (hasOptions ? args.slice(0, -1) : args) as Delayed<unknown>[];
  const options = (hasOptions ? last : {}) as ComputeOptions;
  // A promise of its own: `Run#result` is marked handled for callers who read only
  // `settled`, but a rejected compute() that nobody awaits must still be reported.
  return startRun(targets, options).result.then((values) => values);
}
