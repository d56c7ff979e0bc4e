/**
 * How a {@link ResultRecord} is stored on disk: a msgpack array with a leading format
 * number. An array (not a map) keeps the record small and its field order fixed; the
 * leading number lets a later layout add fields without guessing. Plain msgpack (no
 * records extension), so any msgpack reader can inspect a store.
 *
 *   format 1: [1, resultCid, encoding, size, durationMs, fn, createdAt]
 *             and, for a task with declared output files, an eighth field: path → CID
 *   format 2: [2, resultCid, encoding, size, durationMs, fn, createdAt, outputs | nil,
 *              identity CID, [argument fingerprint (bin), …]]
 *
 * A record with lineage is written as format 2, one without as format 1, so the bytes of
 * records that carry no lineage are what they always were; both are read.
 *
 * Decoding never throws: bytes that are not a well-formed record decode to `undefined`,
 * which the store treats as a miss, so a damaged record costs a recompute, never a wrong
 * result or a crash.
 */
import { Packr, Unpackr } from 'msgpackr';
import { FINGERPRINT_INLINE_LIMIT } from '../hash/argument-fingerprints.js';
import { VALUE_ENCODING, type Lineage, type ResultRecord } from './store.js';

const PLAIN_FORMAT = 1;
const LINEAGE_FORMAT = 2;

const packr = new Packr({ useRecords: false, variableMapSize: true });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });

export function encodeRecord(record: ResultRecord): Uint8Array {
  const { lineage } = record;
  const fields: unknown[] = [
    lineage ? LINEAGE_FORMAT : PLAIN_FORMAT,
    record.resultCid,
    record.encoding,
    record.size,
    record.durationMs,
    record.fn,
    record.createdAt,
  ];
  if (lineage) fields.push(record.outputs ? { ...record.outputs } : null, lineage.identity, [...lineage.args]);
  else if (record.outputs) fields.push({ ...record.outputs });
  return packr.pack(fields);
}

export function decodeRecord(bytes: Uint8Array): ResultRecord | undefined {
  let fields: unknown;
  try {
    fields = unpackr.unpack(bytes);
  } catch {
    return undefined;
  }
  if (!Array.isArray(fields)) return undefined;
  const [format, resultCid, encoding, size, durationMs, fn, createdAt, outputs, identity, args] = fields as unknown[];
  let hasOutputs: boolean;
  let lineage: Lineage | undefined;
  if (format === PLAIN_FORMAT && (fields.length === 7 || fields.length === 8)) {
    hasOutputs = fields.length === 8;
  } else if (format === LINEAGE_FORMAT && fields.length === 10) {
    hasOutputs = outputs !== null;
    lineage = decodeLineage(identity, args);
    if (lineage === undefined) return undefined;
  } else {
    return undefined;
  }
  if (hasOutputs && !isOutputMap(outputs)) return undefined;
  if (
    typeof resultCid !== 'string' ||
    encoding !== VALUE_ENCODING ||
    !Number.isSafeInteger(size) ||
    (size as number) < 0 ||
    typeof durationMs !== 'number' ||
    typeof fn !== 'string' ||
    typeof createdAt !== 'number'
  ) {
    return undefined;
  }
  // One literal per shape: spreading a record into another costs more than decoding it.
  const storedSize = size as number;
  if (lineage === undefined) {
    return hasOutputs
      ? { resultCid, encoding: VALUE_ENCODING, size: storedSize, durationMs, fn, createdAt, outputs: outputs as Record<string, string> }
      : { resultCid, encoding: VALUE_ENCODING, size: storedSize, durationMs, fn, createdAt };
  }
  return hasOutputs
    ? { resultCid, encoding: VALUE_ENCODING, size: storedSize, durationMs, fn, createdAt, outputs: outputs as Record<string, string>, lineage }
    : { resultCid, encoding: VALUE_ENCODING, size: storedSize, durationMs, fn, createdAt, lineage };
}

function isOutputMap(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.values(value).every((cid) => typeof cid === 'string' && cid !== '');
}

function decodeLineage(identity: unknown, args: unknown): Lineage | undefined {
  if (typeof identity !== 'string' || identity === '' || !Array.isArray(args)) return undefined;
  const fingerprints = new Array<Uint8Array>(args.length);
  for (let i = 0; i < args.length; i++) {
    const fingerprint: unknown = args[i];
    if (!(fingerprint instanceof Uint8Array) || fingerprint.length === 0 || fingerprint.length > FINGERPRINT_INLINE_LIMIT) {
      return undefined;
    }
    // msgpackr hands out views of the whole read buffer: keep exactly these bytes.
    const own = new Uint8Array(fingerprint.length);
    own.set(fingerprint);
    fingerprints[i] = own;
  }
  return { identity, args: fingerprints };
}

/**
 * A store's own copy of a record: exactly the contract's fields, so what a caller reads
 * back is the same from memory, from a pending batch and from disk.
 */
export function ownRecord(record: ResultRecord): ResultRecord {
  const own: ResultRecord = {
    resultCid: record.resultCid,
    encoding: record.encoding,
    size: record.size,
    durationMs: record.durationMs,
    fn: record.fn,
    createdAt: record.createdAt,
  };
  const { outputs, lineage } = record;
  if (!outputs && !lineage) return own;
  return {
    ...own,
    ...(outputs && { outputs: { ...outputs } }),
    ...(lineage && { lineage: { identity: lineage.identity, args: lineage.args.map((fingerprint) => new Uint8Array(fingerprint)) } }),
  };
}

/** The record without its lineage, for holders that only need to find the result. */
export function withoutLineage(record: ResultRecord): ResultRecord {
  if (record.lineage === undefined) return record;
  const { resultCid, encoding, size, durationMs, fn, createdAt, outputs } = record;
  return outputs
    ? { resultCid, encoding, size, durationMs, fn, createdAt, outputs }
    : { resultCid, encoding, size, durationMs, fn, createdAt };
}
