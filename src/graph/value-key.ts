/**
 * A call's value key (hash/value-address.ts), from the results its inputs have in a run.
 */
import { valueAddress } from '../hash/value-address.js';
import { Delayed } from './delayed.js';
import { addressedArgs } from './ignore.js';

const NO_RESULT = Symbol('an input has no result');

/**
 * The value key of `call`, or undefined when it has none: an input has no result CID
 * (its value cannot be encoded), or an argument no longer encodes.
 */
export function valueKeyOf(call: Delayed<unknown>, resultOf: (input: Delayed<unknown>) => string | undefined): string | undefined {
  const linkOf = (value: object): string | undefined => {
    if (!(value instanceof Delayed)) return undefined;
    const cid = resultOf(value);
    if (cid === undefined) throw NO_RESULT;
    return cid;
  };
  try {
    const ignore = call.task.identity.ignore;
    return valueAddress(call.task.identity, ignore === undefined ? call.args : addressedArgs(call.args, ignore), linkOf);
  } catch {
    // Without a value key the call is only run, never served by its inputs' values.
    return undefined;
  }
}
