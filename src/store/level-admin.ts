/**
 * The embedded store's answers to the `memograph cache …` commands (store-admin.ts):
 * scans of what is on disk, and the deletions `cache gc` and `cache clear` make. The
 * store flushes what it buffers before it calls any of them, so they see every put.
 */
import { MemographError, StoreCorruptError } from '../errors.js';
import { decodeIdentityRecord } from '../identity/stored-identity.js';
import { bytesMatch } from './integrity.js';
import { LEVEL_LAYOUT, decodeUsed, levelCode, type Db } from './level-layout.js';
import { decodeRecord } from './record-codec.js';
import { repairCommand } from './store-damage.js';
import type { ResultRecord } from './store.js';

/**
 * Every call record on disk. A record that does not decode is not yielded (reads treat
 * it as a miss) but handed to `onUnreadable`; without one, a warning says how many there were.
 */
export async function* recordsOnDisk(db: Db, location: string, onUnreadable?: (callCid: string) => void): AsyncGenerator<[callCid: string, record: ResultRecord]> {
  let unreadable = 0;
  try {
    for await (const [key, raw] of db.iterator({ gte: 'c/', lt: 'c0' })) {
      const callCid = key.slice(2);
      const record = decodeRecord(callCid, raw);
      if (record) yield [callCid, record];
      else if (onUnreadable) onUnreadable(callCid);
      else unreadable++;
    }
  } catch (error) {
    throw corruptOr(error, location, 'Could not list the records');
  }
  if (unreadable > 0) {
    process.emitWarning(
      new StoreCorruptError(
        location,
        `${unreadable} record${unreadable === 1 ? '' : 's'} cannot be read and ${unreadable === 1 ? 'was' : 'were'} left out ` +
          `(a run computes ${unreadable === 1 ? 'it' : 'them'} again). \`${repairCommand(location)}\` drops them.`,
      ),
    );
  }
}

/** When each entry was last served from the cache (entries never served are absent). */
export async function lastUsedOnDisk(db: Db): Promise<Map<string, number>> {
  const used = new Map<string, number>();
  for await (const [key, raw] of db.iterator({ gte: 'u/', lt: 'u0' })) used.set(key.slice(2), decodeUsed(raw));
  return used;
}

/** The size of every stored value (results and output files), by CID. */
export async function sizesOnDisk(db: Db): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  for await (const [key, value] of db.iterator({ gte: 'r/', lt: 'r0' })) sizes.set(key.slice(2), value.byteLength);
  return sizes;
}

/**
 * Remove stored bytes (results, output files, identity records) that no record refers
 * to; returns how many bytes were freed.
 */
export async function dropUnreferenced(db: Db, location: string): Promise<number> {
  const referenced = new Set<string>();
  const identities = new Set<string>();
  for await (const [, record] of recordsOnDisk(db, location)) {
    referenced.add(record.resultCid);
    for (const cid of Object.values(record.outputs ?? {})) referenced.add(cid);
    if (record.lineage) identities.add(record.lineage.identity);
  }
  // An identity kept for explain brings its manifest, which only its record names.
  for (const identity of identities) {
    referenced.add(identity);
    const bytes = await db.get(LEVEL_LAYOUT.resultKey(identity)).catch(() => undefined);
    const code = bytes && decodeIdentityRecord(bytes)?.code;
    if (code) referenced.add(code);
  }
  let freed = 0;
  const batch = db.batch();
  for await (const [key, value] of db.iterator({ gte: 'r/', lt: 'r0' })) {
    if (referenced.has(key.slice(2))) continue;
    batch.del(key);
    freed += value.byteLength;
  }
  await batch.write();
  return freed;
}

/** Whether the bytes stored under `cid` are there and hash to it, leaving them as they are (for `cache verify`). */
export async function checkBytesOnDisk(db: Db, cid: string): Promise<'ok' | 'missing' | 'corrupt'> {
  const stored = await db.get(LEVEL_LAYOUT.resultKey(cid)).catch(() => undefined);
  if (stored === undefined) return 'missing';
  return bytesMatch(cid, stored) ? 'ok' : 'corrupt';
}

/** How many stored byte strings (results and output files) there are, and their total size. */
export async function bytesOnDisk(db: Db): Promise<{ count: number; bytes: number }> {
  let count = 0;
  let bytes = 0;
  for await (const value of db.values({ gte: 'r/', lt: 'r0' })) {
    count++;
    bytes += value.byteLength;
  }
  return { count, bytes };
}

/**
 * Delete every entry, stored value and use time, keeping the layout marker: `cache clear`
 * while other processes use the store (its files cannot be removed under them).
 */
export async function clearOnDisk(db: Db): Promise<number> {
  let entries = 0;
  for await (const _ of db.keys({ gte: 'c/', lt: 'c0' })) entries++;
  for (const prefix of ['c', 'r', 'u']) await db.clear({ gte: `${prefix}/`, lt: `${prefix}0` });
  await db.compactRange('c/', 'u0').catch(() => undefined);
  return entries;
}

/** `error` as StoreCorruptError when LevelDB found damage, else as a failure to `what`. */
function corruptOr(error: unknown, location: string, what: string): MemographError {
  const message = (error as Error)?.message ?? String(error);
  if (levelCode(error) === 'LEVEL_CORRUPTION') {
    return new StoreCorruptError(location, `LevelDB found damage (${message}). Run \`${repairCommand(location)}\` to rebuild the store from what can still be read.`, {
      cause: error,
    });
  }
  return new MemographError('MEMOGRAPH_STORE_FAILED', `${what} in cache directory ${location}: ${message}`, { cause: error });
}
