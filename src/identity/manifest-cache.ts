/**
 * Module function manifests kept between processes. Working a manifest out
 * means summaries of every file of the closure and a slice through them, tens
 * of milliseconds in a fresh process; yet the manifest depends only on the
 * files the analysis read (the closure, the packages' package.json files, the
 * lockfile), and on the environment, whose values are read afresh. So each
 * manifest is stored with the stat and hash of every file it was made from,
 * and a later process that finds every one of them unchanged (same stat, not
 * written within 2 s of being hashed, not written since this process started)
 * takes the manifest as it is, for the cost of a stat per file.
 *
 * One small file per function export, in `.identity-manifests/` of the cache
 * directory (a dot-directory, which the store leaves alone), written
 * atomically; one that is missing, damaged or of another format is a miss.
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { RACY_MS, sameStat, sha256, type FileState } from './file-state.js';
import { ManifestBuilder, MANIFEST_KINDS, type CodeManifest, type EntryDetail, type ManifestEntry } from './manifest.js';
import { cacheFile } from './persistent-cache.js';

const FORMAT = 'memograph-manifest/1';

/** What a stored manifest says, besides its entries: what its files were. */
export interface StoredAnalysis {
  /** Every file the analysis read, with its state then. */
  readonly reads: ReadonlyMap<string, FileState>;
  /** The closure's files (absolute path → project-relative path). */
  readonly closure: ReadonlyMap<string, string>;
  /** Files of the slice, absolute. */
  readonly slice: readonly string[];
  /**
   * Only the slice's files were checked (a stored manifest): the states of the other
   * closure files may be old, so they are not taken as what the process loaded.
   */
  readonly sliceOnly?: boolean;
}

interface Stored {
  format: string;
  key: string;
  reads: [string, FileState][];
  closure: [string, string][];
  slice: string[];
  /** Entries other than `env` ones, whose values are read afresh. */
  entries: ManifestEntry[];
  env: string[];
  details: Record<string, EntryDetail>;
}

/** The manifests' folder in the cache directory (`cache clear` removes it with the store). */
export const MANIFESTS_FOLDER = '.identity-manifests';

/** Undefined when there is no usable cache directory (a blank MEMOGRAPH_CACHE_DIR). */
function fileOf(key: string): string | undefined {
  const cache = cacheFile();
  return cache === undefined ? undefined : join(dirname(cache), MANIFESTS_FOLDER, `${sha256(key)}.json`);
}

/**
 * The stored manifest for `key`, its environment entries made from the values
 * now, when every file it was made from is as it was; otherwise undefined.
 */
export function storedManifest(key: string, environment: (name: string) => string): { manifest: CodeManifest; analysis: StoredAnalysis } | undefined {
  let stored: Stored;
  const file = fileOf(key);
  if (file === undefined) return undefined;
  try {
    stored = JSON.parse(readFileSync(file, 'utf8')) as Stored;
  } catch {
    return undefined;
  }
  if (stored?.format !== FORMAT || stored.key !== key || !Array.isArray(stored.reads) || !Array.isArray(stored.entries)) return undefined;
  const started = performance.timeOrigin;
  const closure = new Map(stored.closure);
  const slice = new Set(stored.slice);
  for (const [path, state] of stored.reads) {
    // A closure file outside the slice cannot change the manifest without a slice file changing too.
    if (closure.has(path) && !slice.has(path)) continue;
    try {
      const stats = statSync(path);
      // Written since this process started: it may not be what the process loaded (loaded-code.ts decides).
      if (!sameStat(state, stats) || state.checkedAt - state.mtimeMs < RACY_MS || stats.mtimeMs > started) return undefined;
    } catch {
      return undefined;
    }
  }
  const builder = new ManifestBuilder();
  for (const entry of stored.entries) {
    if (!Array.isArray(entry) || entry.length !== 4 || !MANIFEST_KINDS.includes(entry[0]) || entry[0] === 'env') return undefined;
    builder.add(entry[0], entry[1], entry[2], entry[3], stored.details?.[`${entry[0]}\u0000${entry[1]}\u0000${entry[2]}`]);
  }
  for (const name of stored.env ?? []) builder.add('env', '', name, environment(name), stored.details?.[`env\u0000\u0000${name}`]);
  return {
    manifest: builder.build(),
    analysis: { reads: new Map(stored.reads), closure, slice: stored.slice, sliceOnly: true },
  };
}

/** Keep `manifest` for later processes; failing to write is no error (it is a shortcut). */
export function storeManifest(key: string, manifest: CodeManifest, analysis: StoredAnalysis): void {
  const stored: Stored = {
    format: FORMAT,
    key,
    reads: [...analysis.reads],
    closure: [...analysis.closure],
    slice: [...analysis.slice],
    entries: manifest.entries.filter((entry) => entry[0] !== 'env') as ManifestEntry[],
    env: manifest.entries.filter((entry) => entry[0] === 'env').map((entry) => entry[2]),
    details: { ...manifest.details },
  };
  const file = fileOf(key);
  if (file === undefined) return;
  try {
    mkdirSync(dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(stored));
    renameSync(temporary, file);
  } catch {
    // A read-only or full disk costs the next process the analysis, nothing more.
  }
}
