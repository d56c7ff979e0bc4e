/**
 * Which files in a cache directory are memograph's, and removing only those: a cache
 * directory may hold the user's files too (a .gitignore, notes, a mistake), and
 * `cache clear` must never delete what memograph did not write.
 */
import { readdirSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { IDENTITY_CACHE_FILE } from '../identity/persistent-cache.js';
import { MANIFESTS_FOLDER } from '../identity/manifest-cache.js';
import { CHECKED_TABLES_FILE } from './checked-tables.js';
import { MARKER_FILE } from './store-marker.js';
import { LEADER_FILE, LEADER_SOCKET } from './shared/leader-file.js';

/**
 * Every file LevelDB writes in its directory (db/filename.cc), and nothing else; `lost` is
 * where its repair moves what it could not read.
 */
const LEVELDB_FILE = /^(CURRENT|LOCK|LOG|LOG\.old|MANIFEST-\d+|\d+\.(log|ldb|sst|dbtmp)|lost)$/;
/** The identity cache and its temporary files (written beside it, then renamed over it). */
const IDENTITY_FILE = new RegExp(`^${IDENTITY_CACHE_FILE.replace(/\./g, '\\.')}(\\.\\d+\\.tmp)?$`);

/** Who leads the store, with the temporary file it is written through, and its socket. */
const LEADER_FILES = new RegExp(`^(${LEADER_FILE.replace(/\./g, '\\.')}(\\.\\d+\\.tmp)?|${LEADER_SOCKET.replace(/\./g, '\\.')})$`);

export function isStoreFile(name: string): boolean {
  return (
    LEVELDB_FILE.test(name) ||
    IDENTITY_FILE.test(name) ||
    LEADER_FILES.test(name) ||
    name === MANIFESTS_FOLDER ||
    name === MARKER_FILE ||
    name.startsWith(CHECKED_TABLES_FILE)
  );
}

/**
 * Delete memograph's files in `directory`, then the directory if nothing else is left.
 * The marker goes last, so a clear that is interrupted can be run again. Returns the
 * names left in place (not memograph's).
 */
export function removeStoreFiles(directory: string): { removed: string[]; kept: string[]; removedDirectory: boolean } {
  const names = readdirSync(directory);
  const removed = names.filter(isStoreFile);
  const kept = names.filter((name) => !isStoreFile(name));
  for (const name of removed) if (name !== MARKER_FILE) rmSync(join(directory, name), { recursive: true, force: true });
  if (removed.includes(MARKER_FILE)) rmSync(join(directory, MARKER_FILE), { force: true });
  let removedDirectory = false;
  if (kept.length === 0) {
    try {
      rmdirSync(directory); // only succeeds if empty: a file that appeared meanwhile stays
      removedDirectory = true;
    } catch {
      // Something appeared meanwhile: it is not ours, leave it and the directory.
    }
  }
  return { removed, kept, removedDirectory };
}
