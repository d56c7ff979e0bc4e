/**
 * A file's content hash without reading it when nothing changed: a state is
 * trusted while the file's (dev, ino, size, mtime, ctime) stay the same, as
 * git's index does, in memory and across processes (persistent-cache.ts).
 * Git's rule for racy writes applies: a file modified within 2 s of when its
 * hash was taken may have changed again within the same timestamp, so it is
 * read and hashed again until that is no longer so.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync, type Stats } from 'node:fs';
import { markDirty, persistent, type FileState } from './persistent-cache.js';

export type { FileState } from './persistent-cache.js';

export const RACY_MS = 2000;
const memory = new Map<string, FileState>();
/** While an analysis records what it read (see recordingReads), each state it got, by path. */
let reads: Map<string, FileState> | undefined;

/** Run `analysis`, and give every file state it asked for: what its result depends on. */
export function recordingReads<T>(analysis: () => T): { result: T; reads: ReadonlyMap<string, FileState> } {
  const outer = reads;
  const mine = new Map<string, FileState>();
  reads = mine;
  try {
    const result = analysis();
    return { result, reads: mine };
  } finally {
    reads = outer;
    if (outer) for (const [path, state] of mine) outer.set(path, state);
  }
}

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The state of `path` now; throws (ENOENT…) when it cannot be read. `bytes` receives the content when it was read. */
export function fileState(path: string, bytes?: (content: Buffer) => void): FileState {
  const stats = statSync(path);
  const known = memory.get(path) ?? persistent().files[path];
  if (known !== undefined && sameStat(known, stats) && known.checkedAt - known.mtimeMs >= RACY_MS) {
    if (memory.get(path) !== known) memory.set(path, known);
    reads?.set(path, known);
    return known;
  }
  const content = readFileSync(path);
  bytes?.(content);
  const hash = sha256(content);
  const state: FileState = {
    dev: stats.dev, ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs, hash, checkedAt: Date.now(),
  };
  memory.set(path, state);
  reads?.set(path, state);
  const stored = persistent().files[path];
  if (stored === undefined || stored.hash !== hash || !sameStat(stored, stats) || state.checkedAt - state.mtimeMs >= RACY_MS) {
    persistent().files[path] = state;
    markDirty();
  }
  return state;
}

export function sameStat(state: FileState, stats: Stats): boolean {
  return (
    state.size === stats.size && state.mtimeMs === stats.mtimeMs && state.ctimeMs === stats.ctimeMs &&
    state.ino === stats.ino && state.dev === stats.dev
  );
}

/** Forget states held in memory (tests). */
export function resetFileStates(): void {
  memory.clear();
}
