/**
 * Looks at a cache directory before LevelDB opens it, because LevelDB itself is not
 * careful enough with a directory that is not a healthy database:
 *  - with no CURRENT file and `createIfMissing`, it creates a fresh database over whatever
 *    is there, and later deletes table and log files it does not know, so a store whose
 *    CURRENT was lost would be wiped;
 *  - it would happily scatter its files into a directory of unrelated files.
 * So a new store is only created in a missing or empty directory (or one holding only the
 * leftovers of an interrupted creation), and a CURRENT that does not name a manifest is
 * refused before LevelDB touches anything. Nothing here writes.
 *
 * What remains (a manifest, table or log that fails its checksums) store-damage.ts finds,
 * before LevelDB reads any of it.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MemographError, StoreCorruptError } from '../errors.js';
import { repairCommand } from './store-damage.js';
import { hasStoreMarker } from './store-marker.js';

/** What an interrupted `NewDB` can leave behind (and the lock file LevelDB never removes). */
const CREATION_LEFTOVERS = /^(LOCK|LOG|LOG\.old|MANIFEST-\d+|\d+\.dbtmp)$/;
const CURRENT_CONTENT = /^MANIFEST-\d+\n$/;

export async function checkStoreDirectory(location: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(location);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return; // LevelDB will create it
    if (code === 'ENOTDIR') {
      throw new MemographError('MEMOGRAPH_STORE_FAILED', `Cache directory ${location} is a file, not a directory`, {
        cause: error,
      });
    }
    throw new MemographError('MEMOGRAPH_STORE_FAILED', `Cannot read cache directory ${location}: ${String(error)}`, {
      cause: error,
    });
  }

  if (entries.includes('CURRENT')) {
    let current: string;
    try {
      current = await readFile(join(location, 'CURRENT'), 'latin1');
    } catch (error) {
      throw new StoreCorruptError(location, `its CURRENT file cannot be read (${String(error)})`, { cause: error });
    }
    if (!CURRENT_CONTENT.test(current)) {
      throw new StoreCorruptError(
        location,
        `its CURRENT file does not name a LevelDB manifest (it starts with ${JSON.stringify(current.slice(0, 40))}). ` +
          `Nothing was changed. If it is a memograph cache, \`${repairCommand(location)}\` rebuilds it from its tables.`,
      );
    }
    return;
  }

  // Dotfiles (.gitignore, .DS_Store) are the user's; LevelDB never creates or deletes them.
  const foreign = entries.filter((name) => !name.startsWith('.') && !CREATION_LEFTOVERS.test(name));
  if (foreign.length > 0) {
    const shown = foreign.slice(0, 5).join(', ') + (foreign.length > 5 ? `, … (${foreign.length} in all)` : '');
    throw new StoreCorruptError(
      location,
      `it has no CURRENT file but is not empty (it holds ${shown}). A new cache is only created in an empty ` +
        `directory, so that a damaged store or unrelated files are never overwritten. Nothing was changed.` +
        (hasStoreMarker(location) ? ` It is a memograph cache that lost its CURRENT file: \`${repairCommand(location)}\` rebuilds it.` : ''),
    );
  }
}
