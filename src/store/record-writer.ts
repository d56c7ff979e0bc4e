/**
 * Writes a record's msgpack array (the layout in record-codec.ts) straight into bytes.
 * Every executed call stores a record, and a general msgpack encoder spent ~3 µs on each
 * (it asks every value what it is); this writer knows the layout and writes the same
 * bytes in a fraction of that. It covers what records hold in practice: numbers, ASCII
 * strings, short binaries, arrays. Anything else (a non-ASCII name, an outputs map, a
 * string of 256 characters or more) returns undefined and the caller falls back to the general encoder, so
 * the bytes on disk are the same whichever path wrote them (the tests compare them).
 */

import type { ResultRecord } from './store.js';

/**
 * Records are written one after another into a slab and handed out as views of it: a
 * typed array over 64 bytes gets a backing store of its own, which costs V8 ~2.5 µs
 * to allocate, against ~0.1 µs for a view. A slab lives while any record in it does.
 */
const SLAB_BYTES = 64 * 1024;
/** A Buffer for its native string writer; what callers get are plain Uint8Array views of it. */
let scratch = Buffer.allocUnsafeSlow(SLAB_BYTES);
let view = new DataView(scratch.buffer, scratch.byteOffset, scratch.byteLength);
/** Where the record being written starts, and where the next byte goes. */
let start = 0;
let at = 0;
/** Set when a value is outside what this writer handles. */
let unsupported = false;

/** Room for `bytes` more: when the slab is full, the record so far moves to a new one. */
function room(bytes: number): void {
  if (at + bytes <= scratch.length) return;
  const written = at - start;
  const fresh = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, 2 * (written + bytes)));
  fresh.set(scratch.subarray(start, at));
  scratch = fresh;
  view = new DataView(scratch.buffer, scratch.byteOffset, scratch.byteLength);
  start = 0;
  at = written;
}

/** A number as msgpack's smallest unsigned or signed integer, else a float64. */
function number(n: number): void {
  room(9);
  if (n >>> 0 === n) {
    if (n < 0x80) scratch[at++] = n;
    else if (n < 0x100) {
      scratch[at++] = 0xcc;
      scratch[at++] = n;
    } else if (n < 0x10000) {
      scratch[at++] = 0xcd;
      view.setUint16(at, n);
      at += 2;
    } else {
      scratch[at++] = 0xce;
      view.setUint32(at, n);
      at += 4;
    }
    return;
  }
  if (n >> 0 === n) {
    if (n >= -0x20) scratch[at++] = n & 0xff;
    else if (n >= -0x80) {
      scratch[at++] = 0xd0;
      view.setInt8(at++, n);
    } else if (n >= -0x8000) {
      scratch[at++] = 0xd1;
      view.setInt16(at, n);
      at += 2;
    } else {
      scratch[at++] = 0xd2;
      view.setInt32(at, n);
      at += 4;
    }
    return;
  }
  scratch[at++] = 0xcb;
  view.setFloat64(at, n);
  at += 8;
}

/** An ASCII string shorter than 256 bytes; anything else is left to the general encoder. */
function ascii(s: string): void {
  const length = s.length;
  if (length >= 0x100) {
    unsupported = true;
    return;
  }
  // Room for UTF-8's worst case, so that the count written is never cut short by the slab's end.
  room(3 * length + 2);
  const header = length < 0x20 ? 1 : 2;
  // A string of only ASCII characters is exactly as many UTF-8 bytes as it has characters.
  if ((utf8Write ? utf8Write.call(scratch, s, at + header) : scratch.write(s, at + header, 'utf8')) !== length) {
    unsupported = true;
    return;
  }
  if (header === 1) scratch[at] = 0xa0 | length;
  else {
    scratch[at] = 0xd9;
    scratch[at + 1] = length;
  }
  at += header + length;
}

// Buffer#write(…, 'utf8') is a JS wrapper around this undocumented native method, which
// costs half as much for the few short strings of a record.
const utf8Write = (Buffer.prototype as { utf8Write?: (this: Buffer, text: string, offset: number) => number }).utf8Write;

function binary(bytes: Uint8Array): void {
  if (bytes.length >= 0x100) {
    unsupported = true;
    return;
  }
  room(bytes.length + 2);
  scratch[at++] = 0xc4;
  scratch[at++] = bytes.length;
  scratch.set(bytes, at);
  at += bytes.length;
}

function arrayHeader(length: number): void {
  room(3);
  if (length < 0x10) scratch[at++] = 0x90 | length;
  else if (length < 0x10000) {
    scratch[at++] = 0xdc;
    view.setUint16(at, length);
    at += 2;
  } else unsupported = true;
}

function constant(byte: number): void {
  room(1);
  scratch[at++] = byte;
}

const NIL = 0xc0;
const FALSE = 0xc2;
const TRUE = 0xc3;

/** The record's bytes, or undefined when something in it needs the general encoder. Records with outputs always do. */
export function writeRecord(format: number, check: string, r: ResultRecord): Uint8Array | undefined {
  if (r.outputs) return undefined;
  start = at;
  unsupported = false;
  const byValue = r.byValue === true;
  arrayHeader(byValue ? 13 : 12);
  number(format);
  ascii(check);
  ascii(r.resultCid);
  ascii(r.encoding);
  number(r.size);
  number(r.durationMs);
  ascii(r.fn);
  number(r.createdAt);
  constant(NIL); // outputs: records that have some take the general encoder
  const lineage = r.lineage;
  if (lineage === undefined) constant(NIL);
  else ascii(lineage.identity);
  if (lineage === undefined) constant(NIL);
  else {
    arrayHeader(lineage.args.length);
    for (let i = 0; i < lineage.args.length && !unsupported; i++) binary(lineage.args[i]!);
  }
  const below = r.below;
  if (below === undefined) constant(NIL);
  else {
    arrayHeader(5);
    number(below.ms);
    constant(below.exact ? TRUE : FALSE);
    ascii(below.ids);
    arrayHeader(below.us.length);
    for (let i = 0; i < below.us.length; i++) number(below.us[i]!);
    constant(below.complete ? TRUE : FALSE);
  }
  if (byValue) constant(TRUE);
  if (unsupported) {
    at = start;
    return undefined;
  }
  return new Uint8Array(scratch.buffer, scratch.byteOffset + start, at - start);
}
