/**
 * Fingerprints of a call's arguments, stored with its result (ResultRecord.lineage) so
 * that `memograph explain` can say which argument of a call differs from a cached one.
 *
 * One fingerprint per top-level argument, itself DAG-CBOR: the argument's canonical
 * encoding — the very bytes its call record holds for it (call-address.ts), graph nodes
 * as links — when that is at most FINGERPRINT_INLINE_LIMIT bytes, otherwise
 * `{"$sha256": <sha256 of those bytes>}`. No argument encodes to that map (a user key
 * starting with "$" is escaped to "$$", and "$sha256" is no type tag of canonical.ts),
 * so the two forms never collide, and equal fingerprints mean equal arguments.
 *
 * They are made from a call's own arguments when its result is stored, never while a
 * graph is built, so a graph holds nothing more per node for them.
 */
import { acquireEncoder, releaseEncoder, type LinkOf } from './canonical.js';

/** Encodings up to this many bytes are kept whole; longer ones by their digest. */
export const FINGERPRINT_INLINE_LIMIT = 256;

/** `{"$sha256": bytes(32)}`: a one-entry map, its 7-character key, a 32-byte string head. */
const DIGEST_HEAD = Uint8Array.from([0xa1, 0x67, ...Buffer.from('$sha256', 'latin1'), 0x58, 0x20]);
const DIGEST_LENGTH = DIGEST_HEAD.length + 32;

/**
 * The fingerprint of each of `args`. Throws UnhashableError like callAddress when an
 * argument cannot be encoded (which, for the arguments of a built call, means they were
 * changed after the call was made).
 */
export function argumentFingerprints(args: readonly unknown[], linkOf: LinkOf): Uint8Array[] {
  const fingerprints = new Array<Uint8Array>(args.length);
  const encoder = acquireEncoder('args', linkOf);
  try {
    for (let i = 0; i < args.length; i++) {
      encoder.reset('args', linkOf);
      encoder.arg(i, args[i]);
      fingerprints[i] = encoder.written <= FINGERPRINT_INLINE_LIMIT ? encoder.bytes() : digestFingerprint(encoder.digest());
    }
    return fingerprints;
  } finally {
    releaseEncoder(encoder);
  }
}

function digestFingerprint(digest: Uint8Array): Uint8Array {
  const fingerprint = new Uint8Array(DIGEST_LENGTH);
  fingerprint.set(DIGEST_HEAD);
  fingerprint.set(digest, DIGEST_HEAD.length);
  return fingerprint;
}

/** Whether a fingerprint holds only a digest (the argument's encoding was too long to keep). */
export function isDigestFingerprint(fingerprint: Uint8Array): boolean {
  if (fingerprint.length !== DIGEST_LENGTH) return false;
  for (let i = 0; i < DIGEST_HEAD.length; i++) if (fingerprint[i] !== DIGEST_HEAD[i]) return false;
  return true;
}

export function sameFingerprint(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The argument positions whose fingerprints differ; positions only one side has count as differing. */
export function changedPositions(before: readonly Uint8Array[], after: readonly Uint8Array[]): number[] {
  const changed: number[] = [];
  const n = Math.max(before.length, after.length);
  for (let i = 0; i < n; i++) if (!sameFingerprint(before[i], after[i])) changed.push(i);
  return changed;
}
