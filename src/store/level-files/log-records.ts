/**
 * LevelDB's log format, shared by its write-ahead logs (*.log) and its manifests
 * (MANIFEST-*): 32 KiB blocks of physical records, each a 7-byte header (masked CRC-32C
 * of type and data, 2-byte length, 1-byte type) and data; a logical record is one FULL
 * record or FIRST, MIDDLE…, LAST. A bad physical record costs the rest of its block, as
 * it does in LevelDB's reader.
 *
 * A damaged record that no good record follows is a torn tail: what a crash in the
 * middle of an append leaves, and what LevelDB drops without a word. Anything earlier is
 * damage: records after it were written, so something changed the file afterwards.
 */
import { crc32c, maskCrc } from './crc32c.js';
import { uint32At } from './varint.js';

const BLOCK_SIZE = 32768;
const HEADER_SIZE = 7;
const FULL = 1;
const FIRST = 2;
const MIDDLE = 3;
const LAST = 4;

export interface LogRead {
  /** The logical records that read back whole, in order. */
  readonly records: Uint8Array[];
  /** Damage before the last good record: offset and what is wrong. */
  readonly damage: { readonly offset: number; readonly problem: string }[];
  /** How the file ends in a record that is incomplete or fails its checksum, if it does. */
  readonly tail?: { readonly offset: number; readonly problem: string };
}

export function readLogRecords(file: Uint8Array): LogRead {
  const records: Uint8Array[] = [];
  const problems: { offset: number; problem: string }[] = [];
  let lastGoodEnd = 0;
  let fragments: Uint8Array[] | undefined;
  let fragmentStart = 0;

  for (let block = 0; block < file.length; block += BLOCK_SIZE) {
    const blockEnd = Math.min(block + BLOCK_SIZE, file.length);
    let pos = block;
    while (pos + HEADER_SIZE <= blockEnd) {
      const length = file[pos + 4]! | (file[pos + 5]! << 8);
      const type = file[pos + 6]!;
      // Zeros: the padding of a preallocated file, or the unused end of a block.
      if (type === 0 && length === 0) break;
      const end = pos + HEADER_SIZE + length;
      if (end > blockEnd) {
        problems.push({ offset: pos, problem: blockEnd === file.length ? 'ends in the middle of a record' : 'has a record longer than its block' });
        break;
      }
      if (maskCrc(crc32c(file.subarray(pos + 6, end))) !== uint32At(file, pos)) {
        problems.push({ offset: pos, problem: 'has a record that fails its checksum' });
        break;
      }
      const data = file.subarray(pos + HEADER_SIZE, end);
      if (type === FULL || type === FIRST) {
        if (fragments) problems.push({ offset: fragmentStart, problem: 'has a record whose end is missing' });
        fragments = undefined;
        if (type === FULL) records.push(data);
        else [fragments, fragmentStart] = [[data], pos];
      } else if ((type === MIDDLE || type === LAST) && fragments) {
        fragments.push(data);
        if (type === LAST) {
          records.push(concat(fragments));
          fragments = undefined;
        }
      } else {
        problems.push({ offset: pos, problem: type > LAST ? `has a record of unknown type ${type}` : 'has a record whose start is missing' });
        fragments = undefined;
      }
      lastGoodEnd = end;
      pos = end;
    }
  }
  const damage = problems.filter((problem) => problem.offset < lastGoodEnd);
  const tail = problems[damage.length] ?? (fragments ? { offset: fragmentStart, problem: 'ends in the middle of a record' } : undefined);
  return { records, damage, tail };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
