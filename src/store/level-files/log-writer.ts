/**
 * Writing LevelDB's log format (see log-records.ts), for the repair: a damaged log is
 * replaced by its good records, and the entries salvaged from a damaged table are handed
 * to LevelDB's repair as a log of one-entry write batches that keep their sequence
 * numbers, so each competes with the surviving copies exactly as it did before.
 */
import { crc32c, maskCrc } from './crc32c.js';

const BLOCK_SIZE = 32768;
const HEADER_SIZE = 7;

/** A log file holding `records`, each as one logical record. */
export function encodeLog(records: readonly Uint8Array[]): Uint8Array {
  const chunks: Uint8Array[] = [];
  let blockLeft = BLOCK_SIZE;
  for (const record of records) {
    let at = 0;
    let first = true;
    do {
      if (blockLeft < HEADER_SIZE) {
        chunks.push(new Uint8Array(blockLeft)); // a block's tail too short for a header is zeros
        blockLeft = BLOCK_SIZE;
      }
      const length = Math.min(record.length - at, blockLeft - HEADER_SIZE);
      const last = at + length === record.length;
      const type = first && last ? 1 : first ? 2 : last ? 4 : 3;
      const physical = new Uint8Array(HEADER_SIZE + length);
      physical[4] = length & 0xff;
      physical[5] = length >>> 8;
      physical[6] = type;
      physical.set(record.subarray(at, at + length), HEADER_SIZE);
      new DataView(physical.buffer).setUint32(0, maskCrc(crc32c(physical.subarray(6))), true);
      chunks.push(physical);
      blockLeft -= physical.length;
      at += length;
      first = false;
    } while (at < record.length);
  }
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let pos = 0;
  for (const chunk of chunks) {
    out.set(chunk, pos);
    pos += chunk.length;
  }
  return out;
}

/**
 * A write batch of one entry, from a table's internal key (user key, then 8 bytes:
 * sequence << 8 | type) and value: sequence, count 1, then type, key and (for a value) value.
 */
export function entryBatch(internalKey: Uint8Array, value: Uint8Array): Uint8Array {
  const userKey = internalKey.subarray(0, internalKey.length - 8);
  const trailer = new DataView(internalKey.buffer, internalKey.byteOffset + internalKey.length - 8, 8);
  const type = trailer.getUint8(0);
  const sequence = trailer.getBigUint64(0, true) >> 8n;
  const parts = [varint(userKey.length), userKey, ...(type === 1 ? [varint(value.length), value] : [])];
  const out = new Uint8Array(13 + parts.reduce((sum, part) => sum + part.length, 0));
  const view = new DataView(out.buffer);
  view.setBigUint64(0, sequence, true);
  view.setUint32(8, 1, true);
  out[12] = type;
  let pos = 13;
  for (const part of parts) {
    out.set(part, pos);
    pos += part.length;
  }
  return out;
}

function varint(value: number): Uint8Array {
  const bytes: number[] = [];
  while (value >= 0x80) {
    bytes.push((value & 0x7f) | 0x80);
    value = Math.floor(value / 128);
  }
  bytes.push(value);
  return Uint8Array.from(bytes);
}
