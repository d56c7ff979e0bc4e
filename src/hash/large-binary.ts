/**
 * Binary arguments of LARGE_BINARY_THRESHOLD bytes or more are hashed on
 * their own, streamed through node:crypto, and linked by their RAW CID. The
 * digest is memoised per view object, so a 1 GB array passed to 100 calls is
 * hashed once — which is why arguments must not be mutated once passed.
 * Element bytes are hashed little-endian on every host.
 */
import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import { RAW, cidFromDigest, writeCidBytes } from './cid.js';

/** Binary values of at least this many bytes are hashed on their own and linked by CID. */
export const LARGE_BINARY_THRESHOLD = 64 * 1024;

/** Multi-byte elements are hashed little-endian; big-endian hosts swap a copy. */
export const LITTLE_ENDIAN = endianness() === 'LE';
/** view object → encoded CID bytes of its contents (RAW codec). */
const largeDigests = new WeakMap<object, Uint8Array>();

/** The encoded RAW CID of `bytes` (the contents of `object`, elements of `elementSize` bytes). */
export function largeBinaryCid(object: object, bytes: Uint8Array, elementSize: number): Uint8Array {
  let cid = largeDigests.get(object);
  if (cid === undefined) {
    const hash = createHash('sha256');
    const chunk = 16 * 1024 * 1024;
    for (let at = 0; at < bytes.length; at += chunk) {
      const part = bytes.subarray(at, Math.min(bytes.length, at + chunk));
      hash.update(LITTLE_ENDIAN || elementSize === 1 ? part : swapBytes(part, elementSize));
    }
    cid = new Uint8Array(36);
    writeCidBytes(cidFromDigest(RAW, hash.digest()), cid, 0);
    largeDigests.set(object, cid);
  }
  return cid;
}

/** Little-endian copy of big-endian elements (only runs on big-endian hosts). */
export function swapBytes(bytes: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += size) {
    for (let j = 0; j < size; j++) out[i + j] = bytes[i + size - 1 - j]!;
  }
  return out;
}

/**
 * The encoded RAW CID of `object`'s bytes as they are now, hashed afresh (it may have
 * been changed in place since it was memoised). The memo takes the new digest, so a
 * call made from now on is addressed by the bytes as they are.
 */
export function rehashLargeBinary(object: object, elementSize: number): Uint8Array {
  largeDigests.delete(object);
  const bytes =
    object instanceof Uint8Array
      ? object
      : ArrayBuffer.isView(object)
        ? new Uint8Array(object.buffer, object.byteOffset, object.byteLength)
        : new Uint8Array(object as ArrayBuffer);
  return largeBinaryCid(object, bytes, elementSize);
}
