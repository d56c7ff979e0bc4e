/**
 * Whether a store's files are sound before LevelDB opens them, and how damage is told to
 * the user: which files, what is wrong, and the command that rebuilds the store.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { StoreCorruptError, StoreLockedError } from '../errors.js';
import { readCheckedTables, writeCheckedTables } from './checked-tables.js';
import { checkLevelFiles, type FileDamage } from './level-files/check-files.js';

/** The command that repairs the store in `location`, ready to paste. */
export function repairCommand(location: string): string {
  const quoted = /^[\w@%+=:,./-]+$/.test(location) ? location : `'${location.replace(/'/g, `'\\''`)}'`;
  return `memograph cache repair --cache-dir ${quoted}`;
}

export function damageError(location: string, damage: readonly FileDamage[], options?: { cause?: unknown }): StoreCorruptError {
  const shown = damage.slice(0, 5).map(({ file, problem }) => `${file}: ${problem}`);
  if (damage.length > 5) shown.push(`… (${damage.length} damaged files in all)`);
  return new StoreCorruptError(
    location,
    `${damage.length === 1 ? 'a file is' : `${damage.length} files are`} damaged (${shown.join('; ')}). ` +
      `Run \`${repairCommand(location)}\` to rebuild it from what can still be read; until then it is not used.`,
    { ...options, files: damage.map(({ file }) => file) },
  );
}

/**
 * Throw StoreCorruptError when any file LevelDB would read in `location` is damaged; else
 * resolve to the function that remembers the tables found sound (called once the store
 * opened, so that a refused directory is left exactly as it was). A directory without
 * CURRENT is new (or refused by level-directory.ts): nothing to check.
 */
export async function assertSoundFiles(location: string): Promise<() => void> {
  if (!existsSync(join(location, 'CURRENT'))) return () => {};
  const known = readCheckedTables(location);
  let check: Awaited<ReturnType<typeof checkLevelFiles>>;
  try {
    check = await checkLevelFiles(location, { known });
  } catch (error) {
    // A file vanished while it was read: a live process is rewriting the store (a new
    // manifest at open, a compaction). Not damage: that process holds it.
    if ((error as NodeJS.ErrnoException)?.code === 'ENOENT') throw new StoreLockedError(location, { cause: error });
    throw error;
  }
  if (check.damage.length > 0) throw damageError(location, check.damage);
  return () => writeCheckedTables(location, check.soundTables, known);
}
