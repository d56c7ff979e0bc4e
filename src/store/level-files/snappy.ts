/**
 * Snappy decompression, for table blocks LevelDB stored compressed (block type 1). Only
 * reached for blocks whose checksum matched, but a checksum says nothing about a block
 * written by a buggy writer, so every length and offset is checked.
 */
import { FormatError, ByteReader, uint32At } from './varint.js';

export function snappyDecompress(input: Uint8Array): Uint8Array {
  const reader = new ByteReader(input);
  const length = reader.varint();
  // Snappy expands at most ~x21 (a 3-byte copy of 64 bytes): refuse an absurd preamble before allocating.
  if (length > input.length * 32 + 64) throw new FormatError('a compressed block claims an impossible length');
  const out = new Uint8Array(length);
  let pos = reader.pos;
  let at = 0;
  while (pos < input.length) {
    const tag = input[pos++]!;
    const kind = tag & 3;
    if (kind === 0) {
      let len = tag >>> 2;
      if (len >= 60) {
        const extra = len - 59;
        if (pos + extra > input.length) throw new FormatError('a compressed literal runs past the end');
        len = 0;
        for (let i = 0; i < extra; i++) len += input[pos + i]! * 2 ** (8 * i);
        pos += extra;
      }
      len += 1;
      if (pos + len > input.length || at + len > length) throw new FormatError('a compressed literal runs past the end');
      out.set(input.subarray(pos, pos + len), at);
      pos += len;
      at += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (kind === 1) {
      if (pos + 1 > input.length) throw new FormatError('a compressed copy runs past the end');
      len = 4 + ((tag >>> 2) & 7);
      offset = ((tag >>> 5) << 8) | input[pos++]!;
    } else if (kind === 2) {
      if (pos + 2 > input.length) throw new FormatError('a compressed copy runs past the end');
      len = 1 + (tag >>> 2);
      offset = input[pos]! | (input[pos + 1]! << 8);
      pos += 2;
    } else {
      if (pos + 4 > input.length) throw new FormatError('a compressed copy runs past the end');
      len = 1 + (tag >>> 2);
      offset = uint32At(input, pos);
      pos += 4;
    }
    if (offset === 0 || offset > at || at + len > length) throw new FormatError('a compressed copy points outside the block');
    // Byte by byte: a copy may overlap what it writes (a run).
    for (let i = 0; i < len; i++, at++) out[at] = out[at - offset]!;
  }
  if (at !== length) throw new FormatError('a compressed block is shorter than it claims');
  return out;
}
