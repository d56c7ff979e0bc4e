/**
 * What a call's result is computed from (ResultRecord.lineage): its function's identity
 * and a fingerprint of each argument. Made when a result is stored, from the call's own
 * arguments, so that a graph holds nothing extra per node for it.
 */
import { argumentFingerprints } from '../hash/argument-fingerprints.js';
import { identityAddress } from '../hash/identity.js';
import type { Lineage } from '../store/store.js';
import { linkOf, type Delayed } from './delayed.js';

/** The lineage of `call`, or undefined when its arguments no longer encode (they were changed after the call was made). */
export function lineageOf(call: Delayed<unknown>): Lineage | undefined {
  try {
    return { identity: identityAddress(call.task.identity).cid, args: argumentFingerprints(call.args, linkOf) };
  } catch {
    // Lineage explains a miss; it is not part of the result, which is stored all the same.
    return undefined;
  }
}
