import * as crypto from 'node:crypto';
import { CID } from 'multiformats/cid';
import * as Digest from 'multiformats/hashes/digest';

/** Multicodec of a canonical call record (DAG-CBOR). */
export const DAG_CBOR = 0x71;
/** Multicodec of opaque bytes (stored results, large binary arguments). */
export const RAW = 0x55;
const SHA2_256 = 0x12;

// crypto.hash (Node ≥ 20.12) is a one-shot digest that skips creating a Hash
// object. Asking it for a latin1 string (one char per byte) is ~4× faster than
// asking for a Buffer, whose allocation dominates the cost of hashing a small
// call record: ~0.45 µs against ~1.7 µs here for 100 bytes.
const oneShot = (crypto as unknown as { hash?: (alg: string, data: Uint8Array, enc: 'latin1') => string }).hash;

function sha256Latin1(bytes: Uint8Array): string {
  return oneShot ? oneShot('sha256', bytes, 'latin1') : crypto.createHash('sha256').update(bytes).digest('binary'); // 'binary' is latin1
}

/** sha256 with node:crypto: synchronous, ~1 µs for a small record (WebCrypto's async digest costs ~10 µs). */
export function sha256(bytes: Uint8Array): Uint8Array {
  return Buffer.from(sha256Latin1(bytes), 'latin1');
}

/** CIDv1 (sha256) of some bytes, as the usual base32 string. */
export function cidOf(codec: number, bytes: Uint8Array): string {
  if (codec < 0 || codec >= 0x80) return cidFromDigest(codec, sha256(bytes));
  const digest = sha256Latin1(bytes);
  const cid = scratchCid;
  for (let i = 0; i < 32; i++) cid[4 + i] = digest.charCodeAt(i);
  return encodeScratch(codec);
}

// Every CID memograph makes is CIDv1 + one-byte codec varint + sha2-256: 36
// bytes, 'b' + 58 base32 characters. multiformats builds CID and Digest objects
// to produce the same string; this fast path produces it directly. Anything
// else goes through multiformats, so outputs are identical in every case.
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const CODES = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0));
const VALUES = new Int8Array(128).fill(-1);
for (let i = 0; i < 32; i++) VALUES[CODES[i]!] = i;

/** The 36 CID bytes being encoded, plus 4 zero bytes so base32 works in whole 5-byte groups. */
const scratchCid = new Uint8Array(40);
const scratchText = Buffer.alloc(64);

export function cidFromDigest(codec: number, digest: Uint8Array): string {
  if (codec < 0 || codec >= 0x80 || digest.length !== 32) {
    return CID.createV1(codec, Digest.create(SHA2_256, digest)).toString();
  }
  scratchCid.set(digest, 4);
  return encodeScratch(codec);
}

/** base32 (RFC 4648, lower case, no padding) of scratchCid, after the multibase prefix 'b'. */
function encodeScratch(codec: number): string {
  const b = scratchCid;
  b[0] = 0x01;
  b[1] = codec;
  b[2] = SHA2_256;
  b[3] = 32;
  const out = scratchText;
  out[0] = 0x62; // 'b'
  let o = 1;
  for (let i = 0; i < 40; i += 5) {
    const b0 = b[i]!;
    const b1 = b[i + 1]!;
    const b2 = b[i + 2]!;
    const b3 = b[i + 3]!;
    const b4 = b[i + 4]!;
    out[o++] = CODES[b0 >> 3]!;
    out[o++] = CODES[((b0 & 7) << 2) | (b1 >> 6)]!;
    out[o++] = CODES[(b1 >> 1) & 31]!;
    out[o++] = CODES[((b1 & 1) << 4) | (b2 >> 4)]!;
    out[o++] = CODES[((b2 & 15) << 1) | (b3 >> 7)]!;
    out[o++] = CODES[(b3 >> 2) & 31]!;
    out[o++] = CODES[((b3 & 3) << 3) | (b4 >> 5)]!;
    out[o++] = CODES[b4 & 31]!;
  }
  // 36 bytes = 288 bits = 57.6 characters: the 58th carries 3 bits and 2 zero bits.
  return latin1Slice ? latin1Slice.call(out, 0, 59) : out.toString('latin1', 0, 59);
}

// Buffer#toString('latin1', …) is a JS wrapper around this undocumented native
// method; calling it directly saves ~10% of a small call's hashing cost.
const latin1Slice = (Buffer.prototype as { latin1Slice?: (this: Buffer, start: number, end: number) => string })
  .latin1Slice;

/** The binary form of a CID string, for embedding as a link. */
export function cidBytes(cid: string): Uint8Array {
  const out = new Uint8Array(36);
  return decodeCommonCid(cid, out, 0) ? out : CID.parse(cid).bytes;
}

/**
 * Write the binary form of a CID string into `target` at `offset` (which must
 * have room for cid.length bytes, an upper bound); returns the number of bytes
 * written. Saves the canonical encoder an allocation per link.
 */
export function writeCidBytes(cid: string, target: Uint8Array, offset: number): number {
  if (decodeCommonCid(cid, target, offset)) return 36;
  const bytes = CID.parse(cid).bytes;
  target.set(bytes, offset);
  return bytes.length;
}

/**
 * Decode a 'b' + 58-character CID (v1, one-byte codec, sha2-256) without
 * multiformats into out[offset..offset+36). Returns false for anything else,
 * including non-canonical trailing bits, so the caller falls back to CID.parse
 * (which validates and throws exactly as before). May scribble on `out` first.
 */
function decodeCommonCid(cid: string, out: Uint8Array, offset: number): boolean {
  if (cid.length !== 59 || cid.charCodeAt(0) !== 0x62 /* b */ || out.length - offset < 36) return false;
  const V = VALUES;
  let o = offset;
  // Any character outside the alphabet sets bits above 31: its table value is
  // -1, or (for a code ≥ 128, looked up masked) the code's own high bits.
  let bad = 0;
  // 7 groups of 8 characters → 5 bytes, then 2 characters → 1 byte + 2 zero bits.
  for (let i = 1; i < 57; i += 8) {
    const k0 = cid.charCodeAt(i);
    const k1 = cid.charCodeAt(i + 1);
    const k2 = cid.charCodeAt(i + 2);
    const k3 = cid.charCodeAt(i + 3);
    const k4 = cid.charCodeAt(i + 4);
    const k5 = cid.charCodeAt(i + 5);
    const k6 = cid.charCodeAt(i + 6);
    const k7 = cid.charCodeAt(i + 7);
    const c0 = V[k0 & 127]!;
    const c1 = V[k1 & 127]!;
    const c2 = V[k2 & 127]!;
    const c3 = V[k3 & 127]!;
    const c4 = V[k4 & 127]!;
    const c5 = V[k5 & 127]!;
    const c6 = V[k6 & 127]!;
    const c7 = V[k7 & 127]!;
    bad |= c0 | c1 | c2 | c3 | c4 | c5 | c6 | c7 | ((k0 | k1 | k2 | k3 | k4 | k5 | k6 | k7) & ~127);
    out[o++] = (c0 << 3) | (c1 >> 2);
    out[o++] = ((c1 & 3) << 6) | (c2 << 1) | (c3 >> 4);
    out[o++] = ((c3 & 15) << 4) | (c4 >> 1);
    out[o++] = ((c4 & 1) << 7) | (c5 << 2) | (c6 >> 3);
    out[o++] = ((c6 & 7) << 5) | c7;
  }
  const k0 = cid.charCodeAt(57);
  const k1 = cid.charCodeAt(58);
  const c0 = V[k0 & 127]!;
  const c1 = V[k1 & 127]!;
  bad |= c0 | c1 | ((k0 | k1) & ~127);
  out[o] = (c0 << 3) | (c1 >> 2);
  // c1's low two bits are padding and must be zero, as multiformats requires.
  if (bad & ~31 || (c1 & 3) !== 0) return false;
  return out[offset] === 0x01 && out[offset + 1]! < 0x80 && out[offset + 2] === SHA2_256 && out[offset + 3] === 32;
}
