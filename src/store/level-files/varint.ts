/** LevelDB's little-endian base-128 integers, read from a byte array at a moving position. */
export class ByteReader {
  constructor(
    readonly bytes: Uint8Array,
    public pos = 0,
    readonly end = bytes.length,
  ) {}

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** A varint up to 2^53 (file numbers, sizes, sequence numbers); throws past the end or when too long. */
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new FormatError('a number runs past the end');
      const byte = this.bytes[this.pos++]!;
      result += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) {
        if (!Number.isSafeInteger(result)) throw new FormatError('a number is out of range');
        return result;
      }
      scale *= 128;
    }
    throw new FormatError('a number is too long');
  }

  take(length: number): Uint8Array {
    if (length < 0 || this.pos + length > this.end) throw new FormatError('a field runs past the end');
    const slice = this.bytes.subarray(this.pos, this.pos + length);
    this.pos += length;
    return slice;
  }

  /** A varint length, then that many bytes. */
  prefixed(): Uint8Array {
    return this.take(this.varint());
  }
}

/** Bytes that do not follow LevelDB's formats: what is wrong, in a few words. */
export class FormatError extends Error {}

export function uint32At(bytes: Uint8Array, pos: number): number {
  return (bytes[pos]! | (bytes[pos + 1]! << 8) | (bytes[pos + 2]! << 16) | (bytes[pos + 3]! << 24)) >>> 0;
}
