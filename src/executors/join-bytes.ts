/**
 * Byte chunks joined into one fresh buffer of exactly their size: what crosses
 * between threads. Buffer.concat may hand out a slice of a shared pool, and
 * cloning a slice clones (or transferring it detaches) the whole pool.
 */
export function joinBytes(chunks: readonly Uint8Array[], size: number): Uint8Array {
  const joined = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    joined.set(chunk, at);
    at += chunk.byteLength;
  }
  return joined;
}
