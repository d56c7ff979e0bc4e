/**
 * The checks every store makes at its edges. Bytes are trusted only after they hash to
 * the CID they are filed under, so no path (a bug in a caller, a damaged disk, a hand
 * edit) can make a store return a wrong result; it can only cause a miss.
 */
import { InvalidArgumentError } from '../errors.js';
import { FINGERPRINT_INLINE_LIMIT } from '../hash/argument-fingerprints.js';
import { cidOf, DAG_CBOR, RAW } from '../hash/cid.js';
import { GRAPH_ENCODING, VALUE_ENCODING, type Lineage, type ResultRecord } from './store.js';

/**
 * Whether `bytes` hash to `cid`. Results and output files are RAW CIDs; the identity
 * and manifest records kept beside them are DAG-CBOR ones, hashed with the same sha256.
 */
export function bytesMatch(cid: string, bytes: Uint8Array): boolean {
  const codec = cid.startsWith(RAW_PREFIX) ? RAW : cid.startsWith(DAG_CBOR_PREFIX) ? DAG_CBOR : undefined;
  return codec !== undefined && cidOf(codec, bytes) === cid;
}

// CIDv1, base32: 'b', then version 1, the codec and sha2-256 (0x12, 32 bytes) give these.
const RAW_PREFIX = 'bafkrei';
const DAG_CBOR_PREFIX = 'bafyrei';

/** Cheap shape checks on `putResult` (the hash itself is checked on read, not paid per put). */
export function checkPut(callCid: string, record: ResultRecord, bytes: Uint8Array): void {
  if (typeof callCid !== 'string' || callCid === '') {
    throw new InvalidArgumentError(`Expected \`callCid\` to be a non-empty string, got \`${String(callCid)}\``);
  }
  if (!(bytes instanceof Uint8Array)) {
    throw new InvalidArgumentError(`Expected the bytes of ${callCid} to be a Uint8Array, got ${typeof bytes}`);
  }
  if (typeof record?.resultCid !== 'string' || record.resultCid === '') {
    throw new InvalidArgumentError(`Expected the record of ${callCid} to have a resultCid string`);
  }
  if (record.encoding !== VALUE_ENCODING && record.encoding !== GRAPH_ENCODING) {
    throw new InvalidArgumentError(
      `Expected the record of ${callCid} to have encoding \`${VALUE_ENCODING}\` or \`${GRAPH_ENCODING}\`, got \`${String(record.encoding)}\``,
    );
  }
  if (record.size !== bytes.byteLength) {
    throw new InvalidArgumentError(
      `The record of ${callCid} says size ${record.size}, but ${bytes.byteLength} bytes were given`,
    );
  }
  if (record.lineage !== undefined) checkLineage(callCid, record.lineage);
}

/** A lineage the disk could not read back would turn a good result into a miss: refuse it here. */
function checkLineage(callCid: string, lineage: Lineage): void {
  if (typeof lineage?.identity !== 'string' || lineage.identity === '' || !Array.isArray(lineage.args)) {
    throw new InvalidArgumentError(`Expected the lineage of ${callCid} to be { identity: string, args: Uint8Array[] }`);
  }
  for (const [i, fingerprint] of lineage.args.entries()) {
    if (!(fingerprint instanceof Uint8Array) || fingerprint.length === 0 || fingerprint.length > FINGERPRINT_INLINE_LIMIT) {
      throw new InvalidArgumentError(
        `Expected lineage.args[${i}] of ${callCid} to be a fingerprint of 1 to ${FINGERPRINT_INLINE_LIMIT} bytes`,
      );
    }
  }
}
