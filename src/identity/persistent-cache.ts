/**
 * A small cache file that lets a fresh process skip parsing and resolving what
 * an earlier one already did: file states (stat and content hash), file
 * summaries by content hash, module graphs by entry file, lockfile integrities.
 * It lives in the memograph cache directory (MEMOGRAPH_CACHE_DIR, default
 * `.memograph`) as `.identity-cache.json`, is written atomically (a temporary file renamed over it) when
 * the process has learned something new, and is only ever a shortcut: a file
 * that is missing, damaged or of another format is ignored, never fatal, and
 * everything it says about a file is checked against the file's stat first.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveCacheDir } from '../store/cache-dir.js';
import type { FileSummary } from './file-summary.js';
import { SUMMARY_FORMAT } from './file-summary.js';

export interface FileState {
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  /** sha256 (hex) of the bytes. */
  readonly hash: string;
  /** When the hash was taken (ms since the epoch): a stat taken within 2 s of a write cannot vouch for the bytes. */
  readonly checkedAt: number;
}

export interface CacheContents {
  files: Record<string, FileState>;
  summaries: Record<string, FileSummary>;
  /** By entry file (absolute path), see module-graph.ts. */
  graphs: Record<string, unknown>;
  /** By lockfile path + content hash: package path → integrity. */
  locks: Record<string, Record<string, string>>;
}

/** The file's name in the cache directory (`cache clear` removes it with the store). */
export const IDENTITY_CACHE_FILE = '.identity-cache.json';

const FORMAT = `memograph-identity-cache/1/${SUMMARY_FORMAT}`;
const MAX_FILES = 20_000;

let contents: CacheContents | undefined;
let dirty = false;
let timer: NodeJS.Timeout | undefined;

/**
 * Where the file lives, or undefined when MEMOGRAPH_CACHE_DIR is blank: that is an error
 * for the run (see cache-dir.ts), and this shortcut must not write into the working
 * directory meanwhile.
 */
export function cacheFile(): string | undefined {
  let directory: string;
  try {
    directory = resolveCacheDir();
  } catch {
    return undefined;
  }
  // A dotfile: the store leaves those alone, and a new store may be created beside it.
  return join(directory, IDENTITY_CACHE_FILE);
}

export function persistent(): CacheContents {
  if (contents === undefined) {
    contents = empty();
    try {
      const file = cacheFile();
      if (file === undefined) return contents;
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as { format?: unknown } & Partial<CacheContents>;
      if (parsed.format === FORMAT && isRecord(parsed.files) && isRecord(parsed.summaries) && isRecord(parsed.graphs) && isRecord(parsed.locks)) {
        contents = { files: parsed.files, summaries: parsed.summaries, graphs: parsed.graphs, locks: parsed.locks };
      }
    } catch {
      // Missing or damaged: start empty.
    }
  }
  return contents;
}

/** Something new was learned: write the cache soon, and at the latest when the process exits. */
export function markDirty(): void {
  if (dirty) return;
  dirty = true;
  if (timer === undefined) {
    process.once('exit', flushCache);
  }
  timer = setTimeout(flushCache, 100);
  timer.unref();
}

export function flushCache(): void {
  if (!dirty || contents === undefined) return;
  dirty = false;
  const file = cacheFile();
  if (file === undefined) return;
  try {
    prune(contents);
    mkdirSync(join(file, '..'), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify({ format: FORMAT, ...contents }));
    renameSync(temporary, file);
  } catch {
    // A cache that cannot be written only makes the next process slower.
  }
}

/** Forget what was loaded (tests: another cache directory). */
export function resetPersistentCache(): void {
  contents = undefined;
  dirty = false;
}

/** Summaries of files no longer known are dropped, and the oldest file states beyond a bound. */
function prune(cache: CacheContents): void {
  const paths = Object.keys(cache.files);
  if (paths.length > MAX_FILES) {
    paths.sort((a, b) => cache.files[a]!.checkedAt - cache.files[b]!.checkedAt);
    for (const path of paths.slice(0, paths.length - MAX_FILES)) delete cache.files[path];
  }
  const live = new Set(Object.values(cache.files).map((state) => state.hash));
  for (const hash of Object.keys(cache.summaries)) if (!live.has(hash)) delete cache.summaries[hash];
}

function empty(): CacheContents {
  return { files: {}, summaries: {}, graphs: {}, locks: {} };
}

function isRecord(value: unknown): value is Record<string, never> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
