/**
 * The content address of a file on disk: the RAW CID (sha256) of its bytes, the
 * same kind of CID as a large binary argument. Computed synchronously while a
 * graph is built (a file value's address must be known before anything runs),
 * by reading fixed-size chunks with fs.readSync, so a 1 GB file never sits in
 * memory.
 *
 * Within a process a digest is memoised by (path, device, inode, size, mtime,
 * ctime), re-checked with a fresh stat on every call. Two guards keep a memo
 * from ever answering with a stale CID:
 *  - the file is stat'ed before and after it is read; if anything moved, the
 *    digest is not memoised (the file changed while being read);
 *  - "racy" files — modified within RACY_WINDOW_MS of being hashed — are not
 *    memoised, since a second write in the same timestamp tick (some file
 *    systems have 1–2 s granularity) could leave every stat field unchanged.
 *    Git's index has the same rule for the same reason.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, statSync, type BigIntStats } from 'node:fs';
import { RAW, cidFromDigest } from '../hash/cid.js';

const CHUNK = 1024 * 1024;
const RACY_WINDOW_MS = 2_000n;

interface Memo {
  readonly stamp: string;
  readonly cid: string;
  readonly size: number;
}

const memo = new Map<string, Memo>();
let scratch: Buffer | undefined;

function stampOf(s: BigIntStats): string {
  return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
}

/** The RAW CID and size of the file at the absolute path `path` (following symlinks). */
export function hashFileSync(path: string): { cid: string; size: number } {
  const before = statSync(path, { bigint: true });
  if (!before.isFile()) throw new Error(`${path} is not a regular file`);
  const stamp = stampOf(before);
  const known = memo.get(path);
  if (known !== undefined && known.stamp === stamp) return { cid: known.cid, size: known.size };

  const startedNs = BigInt(Date.now()) * 1_000_000n;
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  let after: BigIntStats;
  let size = 0;
  try {
    // A re-entrant call (a directory walk inside an encoder) must not share the buffer.
    const buffer = scratch ?? Buffer.allocUnsafe(CHUNK);
    scratch = undefined;
    try {
      for (;;) {
        const n = readSync(fd, buffer, 0, CHUNK, null);
        if (n === 0) break;
        hash.update(buffer.subarray(0, n));
        size += n;
      }
    } finally {
      scratch = buffer;
    }
    after = fstatSync(fd, { bigint: true });
  } finally {
    closeSync(fd);
  }
  const cid = cidFromDigest(RAW, hash.digest());
  const stable = stampOf(after) === stamp && BigInt(size) === before.size;
  const racy = after.mtimeNs + RACY_WINDOW_MS * 1_000_000n > startedNs || after.ctimeNs + RACY_WINDOW_MS * 1_000_000n > startedNs;
  if (stable && !racy) memo.set(path, { stamp, cid, size });
  else memo.delete(path);
  return { cid, size };
}

/** The RAW CID of bytes in memory, as `hashFileSync` would give for a file holding them. */
export function bytesCid(bytes: Uint8Array): string {
  return cidFromDigest(RAW, createHash('sha256').update(bytes).digest());
}

/** Forget every memoised digest (tests). */
export function clearFileHashMemo(): void {
  memo.clear();
}
