/**
 * `delayed(fn, { ignore: ['verbose', 2] })`: arguments that do not change a call's
 * result (a log level, a progress callback's settings), left out of its address, as
 * joblib's `ignore`. A number is a position in the argument list, hashed as `null`; a
 * string is the name of a property of a plain-object argument (`fn({ data, verbose })`),
 * left out of that object. The list is part of the function's identity, so an address
 * made with it is never confused with one made without.
 */
import { InvalidArgumentError } from '../errors.js';
import { holdsNode, isPlain } from './returned-graph.js';

/** The list as the identity holds it: distinct, positions first and in order, then names in order. */
export function checkIgnore(ignore: unknown): readonly (string | number)[] | undefined {
  if (ignore === undefined) return undefined;
  const valid = (item: unknown) => (typeof item === 'number' && Number.isInteger(item) && item >= 0) || (typeof item === 'string' && item !== '');
  if (!Array.isArray(ignore) || !ignore.every(valid)) {
    throw new InvalidArgumentError(
      `Expected \`ignore\` to be an array of argument positions (whole numbers from 0) and property names, got \`${JSON.stringify(ignore)}\``,
    );
  }
  const positions = [...new Set(ignore.filter((item): item is number => typeof item === 'number'))].sort((a, b) => a - b);
  const names = [...new Set(ignore.filter((item): item is string => typeof item === 'string'))].sort();
  return [...positions, ...names];
}

/** The arguments as the address sees them. A graph node among the ignored ones is refused: it would run, unaddressed. */
export function addressedArgs(args: readonly unknown[], ignore: readonly (string | number)[]): unknown[] {
  const names = ignore.filter((item): item is string => typeof item === 'string');
  return args.map((arg, i) => {
    if (ignore.includes(i)) {
      refuseNode(arg, `argument ${i}`);
      return null;
    }
    if (names.length === 0 || typeof arg !== 'object' || arg === null || Array.isArray(arg) || !isPlain(arg)) return arg;
    const kept: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(arg)) {
      if (names.includes(key)) refuseNode(value, `args[${i}].${key}`);
      else kept[key] = value;
    }
    return kept;
  });
}

function refuseNode(value: unknown, where: string): void {
  if (!holdsNode(value)) return;
  throw new InvalidArgumentError(`${where} is ignored (option \`ignore\`) but holds a Delayed value: an input must be part of the call's address`);
}
