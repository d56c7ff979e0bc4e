/**
 * How a {@link ResultRecord} is stored on disk: a msgpack array with a leading format
 * number. An array (not a map) keeps the record small and its field order fixed; the
 * leading number lets a later layout add fields without guessing. Plain msgpack (no
 * records extension), so any msgpack reader can inspect a store.
 *
 *   format 4: [4, call check, resultCid, encoding, size, durationMs, fn, createdAt,
 *              outputs | nil, identity CID | nil, [argument fingerprint (bin), …] | nil,
 *              [ms, exact, ids, [µs, …], complete] (the work below it) | nil,
 *              (true, only for a record stored under a value key: ResultRecord.byValue)]
 *
 * The call check is the last CALL_CHECK_LENGTH characters of the call CID the record is
 * stored under (80 bits of its sha256 digest, in base32). A record copied or moved under
 * another call's key (by a tool, a bad merge, a swap in LevelDB) reads as a miss there,
 * never as that call's result: a key alone does not say what a value was computed for.
 *
 * Format 3 is format 4 without the work below: its records read with UNKNOWN_BELOW, since
 * what they stand for is still right, only what they spared is unknown. Formats 1 and 2
 * (no call check, results in the msgpackr/1 encoding) read as misses.
 *
 * Decoding never throws: bytes that are not a well-formed record decode to `undefined`,
 * which the store treats as a miss, so a damaged record costs a recompute, never a wrong
 * result or a crash.
 */
import { Packr, Unpackr } from 'msgpackr';
import { FINGERPRINT_INLINE_LIMIT } from '../hash/argument-fingerprints.js';
import { writeRecord } from './record-writer.js';
import { UNKNOWN_BELOW, asWorkBelow, workBelowFields } from './work-below.js';
import { GRAPH_ENCODING, VALUE_ENCODING, type Lineage, type RecordEncoding, type ResultRecord } from './store.js';

const FORMAT = 4;
/** The format before records kept the work below them: read, never written. */
const FORMAT_WITHOUT_WORK = 3;
/** How much of the call CID a record repeats; CIDs end in their digest, so this is digest. */
export const CALL_CHECK_LENGTH = 16;

const packr = new Packr({ useRecords: false, variableMapSize: true });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });

function callCheck(callCid: string): string {
  return callCid.slice(-CALL_CHECK_LENGTH);
}

/** The stored bytes of `record`, bound to the call CID it is stored under. */
export function encodeRecord(callCid: string, record: ResultRecord): Uint8Array {
  const written = writeRecord(FORMAT, callCheck(callCid), record);
  if (written) return written;
  return packedRecord(callCid, record);
}

/** The same bytes by the general encoder: what writeRecord declines, and what the tests compare it with. */
export function packedRecord(callCid: string, record: ResultRecord): Uint8Array {
  const { lineage } = record;
  const fields: unknown[] = [
    FORMAT,
    callCheck(callCid),
    record.resultCid,
    record.encoding,
    record.size,
    record.durationMs,
    record.fn,
    record.createdAt,
    record.outputs ? { ...record.outputs } : null,
    lineage ? lineage.identity : null,
    lineage ? [...lineage.args] : null,
    record.below ? workBelowFields(record.below) : null,
  ];
  if (record.byValue) fields.push(true);
  return packr.pack(fields);
}

/** The record stored under `callCid`, or `undefined` if the bytes are not a record written for it. */
export function decodeRecord(callCid: string, bytes: Uint8Array): ResultRecord | undefined {
  let fields: unknown;
  try {
    fields = unpackr.unpack(bytes);
  } catch {
    return undefined;
  }
  if (!Array.isArray(fields)) return undefined;
  const length = fields[0] === FORMAT_WITHOUT_WORK ? 11 : 12;
  if (fields.length !== length && !(fields.length === length + 1 && fields[length] === true)) return undefined;
  const record = decodeFields(callCid, fields);
  if (record === undefined) return undefined;
  if (length === 11) record.below = UNKNOWN_BELOW;
  else if (fields[11] !== null) {
    const below = asWorkBelow(fields[11]);
    if (below === undefined) return undefined;
    record.below = below;
  }
  if (fields.length > length) record.byValue = true;
  return record;
}

/**
 * A record being put together. Fields are added by assignment, never by spreading a record
 * into a new literal: V8 (Node 20) takes a slow path for `{ ...record, field }` that costs
 * ~1.7 µs, against ~0.02 µs to add a property, and every stored or read record does this.
 */
export type RecordDraft = { -readonly [K in keyof ResultRecord]: ResultRecord[K] };

function decodeFields(callCid: string, fields: unknown[]): RecordDraft | undefined {
  const [format, check, resultCid, encoding, size, durationMs, fn, createdAt, outputs, identity, args] = fields;
  if ((format !== FORMAT && format !== FORMAT_WITHOUT_WORK) || check !== callCheck(callCid)) return undefined;
  const hasOutputs = outputs !== null;
  let lineage: Lineage | undefined;
  if (identity !== null || args !== null) {
    lineage = decodeLineage(identity, args);
    if (lineage === undefined) return undefined;
  }
  if (hasOutputs && !isOutputMap(outputs)) return undefined;
  if (
    typeof resultCid !== 'string' ||
    (encoding !== VALUE_ENCODING && encoding !== GRAPH_ENCODING) ||
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
  const how = encoding as RecordEncoding;
  if (lineage === undefined) {
    return hasOutputs
      ? { resultCid, encoding: how, size: storedSize, durationMs, fn, createdAt, outputs: outputs as Record<string, string> }
      : { resultCid, encoding: how, size: storedSize, durationMs, fn, createdAt };
  }
  return hasOutputs
    ? { resultCid, encoding: how, size: storedSize, durationMs, fn, createdAt, outputs: outputs as Record<string, string>, lineage }
    : { resultCid, encoding: how, size: storedSize, durationMs, fn, createdAt, lineage };
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
  // Built field by field (see RecordDraft): every executed call stores a record.
  const own = requiredFields(record);
  const { outputs, lineage, byValue, below } = record;
  if (byValue) own.byValue = byValue;
  if (below) own.below = below;
  if (outputs) own.outputs = { ...outputs };
  if (lineage) {
    const args = new Array<Uint8Array>(lineage.args.length);
    for (let i = 0; i < args.length; i++) args[i] = lineage.args[i]!.slice();
    own.lineage = { identity: lineage.identity, args };
  }
  return own;
}

/** The record without its lineage, for holders that only need to find the result. */
export function withoutLineage(record: ResultRecord): ResultRecord {
  if (record.lineage === undefined) return record;
  const { resultCid, encoding, size, durationMs, fn, createdAt, outputs, byValue, below } = record;
  const lean: RecordDraft = outputs
    ? { resultCid, encoding, size, durationMs, fn, createdAt, outputs }
    : { resultCid, encoding, size, durationMs, fn, createdAt };
  if (below) lean.below = below;
  if (byValue) lean.byValue = byValue;
  return lean;
}

/** The record's fields but its lineage and value-key mark. */
export function leanCopy(record: ResultRecord): RecordDraft {
  const copy = requiredFields(record);
  if (record.outputs) copy.outputs = record.outputs;
  if (record.below) copy.below = record.below;
  return copy;
}

/** The record with `lineage` in place of any it had, and no value-key mark. */
export function withLineage(record: ResultRecord, lineage: Lineage): ResultRecord {
  const full = leanCopy(record);
  full.lineage = lineage;
  return full;
}

/** The record as stored under a value key: marked, without its lineage. */
export function byValueOf(record: ResultRecord): ResultRecord {
  const keyed = leanCopy(record);
  keyed.byValue = true;
  return keyed;
}

/** The fields every record has, as a new draft of one fixed shape. */
function requiredFields(record: ResultRecord): RecordDraft {
  return {
    resultCid: record.resultCid,
    encoding: record.encoding,
    size: record.size,
    durationMs: record.durationMs,
    fn: record.fn,
    createdAt: record.createdAt,
  };
}
