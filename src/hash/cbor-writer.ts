/**
 * The byte-level half of the canonical encoder: a growable output buffer and
 * the CBOR items DAG-CBOR needs (shortest-form heads, UTF-8 text, tag-42
 * links), then the CID of what was written. One instance is reused for every
 * record, so the per-call cost is the bytes, not allocations.
 */
import { InvalidArgumentError } from '../errors.js';
import { cidOf, sha256, writeCidBytes } from './cid.js';

const INITIAL_BUFFER = 16 * 1024;
/** A buffer grown past this by one huge record is dropped afterwards. */
const MAX_KEPT_BUFFER = 1024 * 1024;
/** Records shorter than this reuse a cached view of the output buffer for hashing. */
const VIEW_CACHE_LIMIT = 4096;

/** False for strings with lone surrogates, which have no UTF-8 encoding. */
export const isWellFormed: (s: string) => boolean =
  typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function'
    ? (s) => (s as unknown as { isWellFormed(): boolean }).isWellFormed()
    : (s) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

export class CborWriter {
  // The output, as a plain Uint8Array for the JS writes (element access on a
  // Buffer, a subclass, is slower) and as a Buffer over the same memory for
  // the native helpers (utf8 write, compare) and a DataView for floats.
  protected buf = new Uint8Array(INITIAL_BUFFER);
  protected nodeBuf = Buffer.from(this.buf.buffer);
  protected view = new DataView(this.buf.buffer);
  /** views[n] = buf.subarray(0, n), made on demand (see cid()). */
  private views: (Uint8Array | undefined)[] = [];
  protected pos = 0;

  /** Start a new record. */
  protected rewind(): void {
    this.pos = 0;
  }

  /** Do not keep a buffer grown by one huge record for the life of the process. */
  protected shrink(): void {
    if (this.buf.length > MAX_KEPT_BUFFER) this.setBuffer(new Uint8Array(INITIAL_BUFFER));
  }

  private setBuffer(buf: Uint8Array<ArrayBuffer>): void {
    this.buf = buf;
    this.nodeBuf = Buffer.from(buf.buffer);
    this.view = new DataView(buf.buffer);
    this.views = [];
  }

  /** A copy of the bytes written so far. */
  bytes(): Uint8Array {
    return new Uint8Array(this.buf.subarray(0, this.pos));
  }

  /** How many bytes have been written. */
  get written(): number {
    return this.pos;
  }

  /** sha256 of the bytes written so far, without copying them. */
  digest(): Uint8Array {
    return sha256(this.buf.subarray(0, this.pos));
  }

  /** CIDv1 (sha256) of the bytes written so far. */
  cid(codec: number): string {
    const pos = this.pos;
    if (pos >= VIEW_CACHE_LIMIT) return cidOf(codec, this.buf.subarray(0, pos));
    // Records of one shape have one length: reuse the view of that length
    // rather than allocate one per record.
    let view = this.views[pos];
    if (view === undefined) this.views[pos] = view = this.buf.subarray(0, pos);
    return cidOf(codec, view);
  }

  // --- low level writers ---------------------------------------------------

  protected ensure(n: number): void {
    if (this.pos + n > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
      next.set(this.buf.subarray(0, this.pos));
      this.setBuffer(next);
    }
  }

  raw(bytes: Uint8Array): void {
    const n = bytes.length;
    this.ensure(n);
    if (n > 64) {
      this.buf.set(bytes, this.pos);
      this.pos += n;
      return;
    }
    // A JS loop beats the native call of set() for the short runs written per call.
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = bytes[i]!;
    this.pos = p;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** A CBOR head: major type and argument, shortest form (n ≤ 2^53). */
  head(major: number, n: number): void {
    this.ensure(9);
    const buf = this.buf;
    const m = major << 5;
    if (n < 24) {
      buf[this.pos++] = m | n;
    } else if (n < 0x100) {
      buf[this.pos++] = m | 24;
      buf[this.pos++] = n;
    } else if (n < 0x10000) {
      buf[this.pos++] = m | 25;
      buf[this.pos++] = n >>> 8;
      buf[this.pos++] = n & 0xff;
    } else if (n < 0x100000000) {
      buf[this.pos++] = m | 26;
      this.view.setUint32(this.pos, n);
      this.pos += 4;
    } else {
      buf[this.pos++] = m | 27;
      this.view.setUint32(this.pos, Math.floor(n / 0x100000000));
      this.view.setUint32(this.pos + 4, n >>> 0);
      this.pos += 8;
    }
  }

  /** Writes a text item; returns false (writing nothing) if `s` has lone surrogates. */
  text(s: string): boolean {
    const n = s.length;
    if (n < 64) {
      // ASCII fast path: one byte per code unit, header of at most 2 bytes.
      this.ensure(n + 2);
      const buf = this.buf;
      const start = this.pos;
      let p = start + (n < 24 ? 1 : 2);
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) {
          p = -1;
          break;
        }
        buf[p++] = c;
      }
      if (p >= 0) {
        if (n < 24) buf[start] = 0x60 | n;
        else (buf[start] = 0x78), (buf[start + 1] = n);
        this.pos = p;
        return true;
      }
    }
    if (!isWellFormed(s)) return false;
    const len = Buffer.byteLength(s, 'utf8');
    this.head(3, len);
    this.ensure(len);
    this.pos += this.nodeBuf.write(s, this.pos, len, 'utf8');
    return true;
  }

  /** A CID link (tag 42, bytes 0x00 + CID). */
  linkBytes(cid: Uint8Array): void {
    this.ensure(3 + cid.length + 2);
    this.buf[this.pos++] = 0xd8;
    this.buf[this.pos++] = 42;
    this.head(2, cid.length + 1);
    this.buf[this.pos++] = 0;
    this.raw(cid);
  }

  /** A link to a CID given as a string (decoded straight into the buffer). */
  protected linkString(cid: string): void {
    this.ensure(cid.length + 8);
    const buf = this.buf;
    const start = this.pos;
    buf[start] = 0xd8;
    buf[start + 1] = 42;
    buf[start + 2] = 0x58;
    buf[start + 4] = 0;
    const n = writeCidBytes(cid, buf, start + 5);
    if (n + 1 < 24) {
      buf[start + 2] = 0x40 | (n + 1);
      buf.copyWithin(start + 3, start + 4, start + 5 + n);
      this.pos = start + 4 + n;
    } else if (n + 1 < 0x100) {
      buf[start + 3] = n + 1;
      this.pos = start + 5 + n;
    } else {
      throw new InvalidArgumentError(`linkOf returned an oversized CID: ${cid}`);
    }
  }

  /** The start of a tagged value: a one-entry map and its (pre-encoded) key. */
  protected tag(key: Uint8Array): void {
    this.ensure(1 + key.length);
    this.buf[this.pos++] = 0xa1;
    for (let i = 0; i < key.length; i++) this.buf[this.pos++] = key[i]!;
  }
}
