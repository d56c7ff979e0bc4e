/**
 * How a {@link ResultRecord} is stored on disk: a msgpack array with a leading format
 * number, `[1, resultCid, encoding, size, durationMs, fn, createdAt]`, and, for a task
 * with declared output files, an eighth field: a map of path → CID. An array (not a map)
 * keeps the record small and its field order fixed; the leading number lets a later
 * layout add fields without guessing. Plain msgpack (no records extension), so any
 * msgpack reader can inspect a store.
 *
 * Decoding never throws: bytes that are not a well-formed record decode to `undefined`,
 * which the store treats as a miss, so a damaged record costs a recompute, never a wrong
 * result or a crash.
 */
import { Packr, Unpackr } from 'msgpackr';
import { VALUE_ENCODING, type ResultRecord } from './store.js';

const RECORD_FORMAT = 1;

const packr = new Packr({ useRecords: false, variableMapSize: true });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });

export function encodeRecord(record: ResultRecord): Uint8Array {
  const fields: unknown[] = [
    RECORD_FORMAT,
    record.resultCid,
    record.encoding,
    record.size,
    record.durationMs,
    record.fn,
    record.createdAt,
  ];
  if (record.outputs) fields.push({ ...record.outputs });
  return packr.pack(fields);
}

export function decodeRecord(bytes: Uint8Array): ResultRecord | undefined {
  let fields: unknown;
  try {
    fields = unpackr.unpack(bytes);
  } catch {
    return undefined;
  }
  if (!Array.isArray(fields) || (fields.length !== 7 && fields.length !== 8) || fields[0] !== RECORD_FORMAT) return undefined;
  const [, resultCid, encoding, size, durationMs, fn, createdAt, outputs] = fields as unknown[];
  if (fields.length === 8 && !isOutputMap(outputs)) return undefined;
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
  const record: ResultRecord = { resultCid, encoding: VALUE_ENCODING, size: size as number, durationMs, fn, createdAt };
  return fields.length === 8 ? { ...record, outputs: outputs as Record<string, string> } : record;
}

function isOutputMap(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.values(value).every((cid) => typeof cid === 'string' && cid !== '');
}

/**
 * A store's own copy of a record: exactly the contract's fields, so what a caller reads
 * back is the same from memory, from a pending batch and from disk.
 */
export function ownRecord(record: ResultRecord): ResultRecord {
  const own = {
    resultCid: record.resultCid,
    encoding: record.encoding,
    size: record.size,
    durationMs: record.durationMs,
    fn: record.fn,
    createdAt: record.createdAt,
  };
  return record.outputs ? { ...own, outputs: { ...record.outputs } } : own;
}
