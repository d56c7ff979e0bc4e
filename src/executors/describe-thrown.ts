import { inspect } from 'node:util';

/**
 * The message for a value thrown that is not an Error (`throw { code: 42 }`,
 * `throw 'text'`, `throw undefined`). String() would turn every object into
 * "[object Object]" and lose what the task meant to say: JSON shows plain data
 * as written, and util.inspect covers what JSON cannot (undefined, symbols,
 * functions, BigInts, cycles).
 */
export function describeThrown(value: unknown): string {
  return `non-Error thrown: ${render(value)}`;
}

function render(value: unknown): string {
  try {
    const json = JSON.stringify(value);
    // JSON.stringify gives undefined for undefined, functions and symbols.
    if (json !== undefined) return json;
  } catch {
    // A cycle, a BigInt, or a toJSON that throws: inspect below.
  }
  try {
    return inspect(value, { depth: 4, breakLength: Infinity });
  } catch {
    return Object.prototype.toString.call(value);
  }
}
