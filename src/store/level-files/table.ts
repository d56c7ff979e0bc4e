/**
 * LevelDB's table files (*.ldb, *.sst; table/format.cc): data blocks, a filter block, a
 * metaindex block and an index block, then a 48-byte footer holding the handles of the
 * last two and a magic number. Each block is followed by a type byte (0 raw, 1 Snappy)
 * and the masked CRC-32C of block and type.
 *
 * LevelDB verifies none of those checksums unless asked (and classic-level never asks),
 * so a flipped byte reaches compaction as garbage keys, which aborts the process. Hence
 * this reader: every block of a table is checked before LevelDB is allowed to open it.
 */
import { crc32c, maskCrc } from './crc32c.js';
import { snappyDecompress } from './snappy.js';
import { ByteReader, FormatError, uint32At } from './varint.js';

const FOOTER_SIZE = 48;
const TRAILER_SIZE = 5;
const MAGIC_LOW = 0x8b80fb57;
const MAGIC_HIGH = 0xdb477524;

interface Handle {
  readonly offset: number;
  readonly size: number;
}

export interface TableRead {
  /** Data blocks the index lists. */
  readonly blocks: number;
  /** What is wrong: the footer, index or metaindex (the whole table is unreadable), or single blocks. */
  readonly problems: string[];
  /** Data blocks that read back whole. */
  readonly goodBlocks: number;
}

/** A key and value from a table: the key is LevelDB's internal key (user key, then 8 bytes of sequence and type). */
export type TableEntry = readonly [key: Uint8Array, value: Uint8Array];

/**
 * Check every block of `file`; with `onEntry`, hand it every entry of the blocks that
 * read back whole (to salvage a damaged table).
 */
export function readTable(file: Uint8Array, onEntry?: (entry: TableEntry) => void): TableRead {
  let index: Uint8Array;
  try {
    if (file.length < FOOTER_SIZE) throw new FormatError(`it is ${file.length} bytes, shorter than a table's footer`);
    const footer = file.subarray(file.length - FOOTER_SIZE);
    if (uint32At(footer, 40) !== MAGIC_LOW || uint32At(footer, 44) !== MAGIC_HIGH) {
      throw new FormatError('its footer does not end in the table magic number (truncated or overwritten)');
    }
    const reader = new ByteReader(footer);
    const metaindexHandle = readHandle(reader);
    const indexHandle = readHandle(reader);
    const metaindex = readBlock(file, metaindexHandle, 'metaindex');
    for (const [, value] of blockEntries(metaindex)) readBlock(file, readHandle(new ByteReader(value)), 'filter', false);
    index = readBlock(file, indexHandle, 'index');
  } catch (error) {
    if (!(error instanceof FormatError)) throw error;
    return { blocks: 0, goodBlocks: 0, problems: [error.message] };
  }

  const problems: string[] = [];
  let blocks = 0;
  let goodBlocks = 0;
  try {
    for (const [, value] of blockEntries(index, true)) {
      blocks++;
      const handle = readHandle(new ByteReader(value));
      try {
        const block = readBlock(file, handle, 'data');
        const entries = [...blockEntries(block, true)];
        if (onEntry) for (const entry of entries) onEntry(entry);
        goodBlocks++;
      } catch (error) {
        if (!(error instanceof FormatError)) throw error;
        problems.push(error.message.startsWith('its data block') ? error.message : `its data block at byte ${handle.offset} does not parse: ${error.message}`);
      }
    }
  } catch (error) {
    if (!(error instanceof FormatError)) throw error;
    problems.push(`its index block does not parse: ${error.message}`);
  }
  return { blocks, goodBlocks, problems };
}

function readHandle(reader: ByteReader): Handle {
  return { offset: reader.varint(), size: reader.varint() };
}

/** A block's contents, checked and decompressed. */
function readBlock(file: Uint8Array, { offset, size }: Handle, what: string, decompress = true): Uint8Array {
  const end = offset + size;
  if (end + TRAILER_SIZE > file.length - FOOTER_SIZE) throw new FormatError(`its ${what} block at byte ${offset} lies past the end of the file (truncated?)`);
  if (maskCrc(crc32c(file.subarray(offset, end + 1))) !== uint32At(file, end + 1)) {
    throw new FormatError(`its ${what} block at byte ${offset} fails its checksum`);
  }
  const type = file[end]!;
  const contents = file.subarray(offset, end);
  if (type === 0) return contents;
  if (type !== 1) throw new FormatError(`its ${what} block at byte ${offset} has unknown compression type ${type}`);
  if (!decompress) return contents;
  try {
    return snappyDecompress(contents);
  } catch (error) {
    if (error instanceof FormatError) throw new FormatError(`its ${what} block at byte ${offset} does not decompress: ${error.message}`);
    throw error;
  }
}

/**
 * The entries of a block: prefix-compressed keys, then the restart array LevelDB seeks
 * with. For blocks of internal keys, the order is checked: cheap, and exactly what
 * aborts LevelDB when it fails.
 */
function* blockEntries(block: Uint8Array, internalKeys = false): Generator<TableEntry> {
  if (block.length < 4) throw new FormatError('a block is too short');
  const restarts = uint32At(block, block.length - 4);
  const limit = block.length - 4 - 4 * restarts;
  if (restarts === 0 || limit < 0) throw new FormatError('a block has a bad restart array');
  const reader = new ByteReader(block, 0, limit);
  let key = new Uint8Array(0);
  let previous: Uint8Array | undefined;
  while (!reader.done) {
    const shared = reader.varint();
    const unshared = reader.varint();
    const valueLength = reader.varint();
    if (shared > key.length) throw new FormatError('a block entry shares more of its key than there is');
    const next = new Uint8Array(shared + unshared);
    next.set(key.subarray(0, shared));
    next.set(reader.take(unshared), shared);
    key = next;
    if (internalKeys) {
      if (key.length < 8) throw new FormatError('a block holds a key too short for LevelDB');
      if (previous && compareBytes(userKey(previous), userKey(key)) > 0) throw new FormatError('a block has keys out of order');
      previous = key;
    }
    yield [key, reader.take(valueLength)];
  }
}

/** An internal key without its 8 bytes of sequence number and type. */
export function userKey(internalKey: Uint8Array): Uint8Array {
  return internalKey.subarray(0, internalKey.length - 8);
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
