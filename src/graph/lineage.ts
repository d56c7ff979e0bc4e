/**
 * What a call's result is computed from (ResultRecord.lineage): its function's identity
 * and a fingerprint of each argument. Made when a result is stored, from the call's own
 * arguments, so that a graph holds nothing extra per node for it.
 */
import { argumentFingerprints } from '../hash/argument-fingerprints.js';
import { identityAddress, identityRecords, type FunctionIdentity } from '../hash/identity.js';
import type { Attachment, Lineage, Store } from '../store/store.js';
import { linkOf, type Delayed } from './delayed.js';
import { addressedArgs } from './ignore.js';

/** The lineage of `call`, or undefined when its arguments no longer encode (they were changed after the call was made). */
export function lineageOf(call: Delayed<unknown>): Lineage | undefined {
  try {
    const ignore = call.task.identity.ignore;
    const args = ignore === undefined ? call.args : addressedArgs(call.args, ignore);
    return { identity: identityAddress(call.task.identity).cid, args: argumentFingerprints(args, linkOf) };
  } catch {
    // Lineage explains a miss; it is not part of the result, which is stored all the same.
    return undefined;
  }
}

const attached = new WeakMap<Store, Set<string>>();

/**
 * The attachments to store with a result: its declared output files and, the first
 * time this process stores a result of `identity` in `store`, the identity's own
 * records (its manifest among them), so that explain can later diff the code of a
 * cached result against the code of a call. Records are content-addressed, so
 * storing them again from another process is harmless.
 */
export function withIdentityRecords(
  store: Store,
  identity: FunctionIdentity,
  attachments: readonly Attachment[] | undefined,
): readonly Attachment[] | undefined {
  const cid = identityAddress(identity).cid;
  let seen = attached.get(store);
  if (seen === undefined) attached.set(store, (seen = new Set()));
  if (seen.has(cid)) return attachments;
  seen.add(cid);
  return [...(attachments ?? []), ...identityRecords(identity)];
}
