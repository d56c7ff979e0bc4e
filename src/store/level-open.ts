/**
 * Opening a cache directory's LevelDB: waiting out another process's lock for as long as
 * asked, telling damage from other failures, and refusing a database that is not
 * memograph's or is of another layout. Nothing here changes a database it refuses.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { MemographError, StoreCorruptError, StoreLockedError } from '../errors.js';
import { LEVEL_LAYOUT, LevelDb, levelCode, type Db } from './level-layout.js';
import { repairCommand } from './store-damage.js';

/** The database in `location`, created if missing; retries while another process holds its lock, up to `lockTimeoutMs`. */
export async function openLocked(location: string, lockTimeoutMs: number): Promise<Db> {
  const deadline = Date.now() + lockTimeoutMs;
  for (let delay = 10; ; delay = Math.min(delay * 2, 250)) {
    const db: Db = new LevelDb<string, Uint8Array>(location, { keyEncoding: 'utf8', valueEncoding: 'view' });
    try {
      await db.open({ createIfMissing: true });
      return db;
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause ?? error;
      const code = levelCode(cause);
      const remaining = deadline - Date.now();
      if (code === 'LEVEL_LOCKED') {
        if (remaining <= 0) throw new StoreLockedError(location, { cause });
        await sleep(Math.min(delay, remaining));
        continue;
      }
      const message = (cause as Error)?.message ?? String(cause);
      // LevelDB reports an unreadable manifest or table as Corruption, a mismatched
      // comparator or options as "Invalid argument".
      if (code === 'LEVEL_CORRUPTION' || message.startsWith('Invalid argument')) {
        throw new StoreCorruptError(
          location,
          `LevelDB cannot open it: ${message}. Nothing was changed; \`${repairCommand(location)}\` rebuilds it from what can still be read.`,
          { cause },
        );
      }
      throw new MemographError('MEMOGRAPH_STORE_FAILED', `Could not open cache directory ${location}: ${message}`, {
        cause,
      });
    }
  }
}

/** Refuse a database of another layout, or one memograph did not write; mark a new one. */
export async function checkLayout(db: Db, location: string): Promise<void> {
  const marker = await db.get(LEVEL_LAYOUT.layoutKey);
  if (marker !== undefined) {
    const version = Buffer.from(marker).toString('utf8');
    if (version === LEVEL_LAYOUT.version) return;
    throw new StoreCorruptError(
      location,
      `it was written with store layout ${JSON.stringify(version)}, and this version of memograph reads ` +
        `layout ${JSON.stringify(LEVEL_LAYOUT.version)} only. Use another cache directory; nothing was changed.`,
    );
  }
  for await (const key of db.keys({ limit: 1 })) {
    throw new StoreCorruptError(
      location,
      `it is a LevelDB database without a memograph layout marker (it holds keys such as ${JSON.stringify(key)}), ` +
        `so it was not written by memograph. Nothing was changed.`,
    );
  }
  await db.put(LEVEL_LAYOUT.layoutKey, Buffer.from(LEVEL_LAYOUT.version, 'utf8'));
}
