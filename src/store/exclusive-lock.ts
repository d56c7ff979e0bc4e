/**
 * Holding a store's LevelDB lock without opening the store, for the repair: LevelDB's
 * RepairDB takes no lock, and opening a damaged store to take it is what must not
 * happen. LevelDB locks `<dir>/LOCK` with fcntl, which locks the file, not the name: so
 * an empty database in a scratch directory inside the store, whose LOCK is a symbolic
 * link to the store's, holds the very same lock, and fails the same way when another
 * process has it.
 */
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { MemographError, StoreLockedError } from '../errors.js';

export const LOCK_PROBE_FOLDER = '.memograph-lock';

/** Take the lock of the store in `location`; resolves to its release. */
export async function holdStoreLock(location: string): Promise<() => Promise<void>> {
  const probe = join(location, LOCK_PROBE_FOLDER);
  rmSync(probe, { recursive: true, force: true });
  mkdirSync(probe);
  const db = new ClassicLevel(probe);
  try {
    symlinkSync(join('..', 'LOCK'), join(probe, 'LOCK'));
    await db.open({ createIfMissing: true });
  } catch (error) {
    rmSync(probe, { recursive: true, force: true });
    const cause = (error as { cause?: unknown }).cause ?? error;
    if ((cause as { code?: unknown }).code === 'LEVEL_LOCKED') throw new StoreLockedError(location, { cause });
    throw new MemographError('MEMOGRAPH_STORE_FAILED', `Cannot lock cache directory ${location} for the repair: ${String(cause)}`, { cause });
  }
  return async () => {
    await db.close();
    rmSync(probe, { recursive: true, force: true });
  };
}
