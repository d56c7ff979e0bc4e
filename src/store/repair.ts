/**
 * Rebuilding a damaged store from what can still be read (`memograph cache repair`).
 *
 * LevelDB's RepairDB rebuilds the manifest from the tables and logs it finds, but it
 * reads them unchecked (a damaged table can abort it as it aborts compaction, and a log's
 * checksums are ignored, so a damaged batch is replayed as garbage). So before it runs:
 *  - each damaged table is moved to `lost/`, and the entries of its blocks that pass their
 *    checksums are written to a fresh log as one-entry batches with their own sequence
 *    numbers (so a salvaged entry loses to a newer copy elsewhere, as it did before);
 *  - each log with a damaged or torn record is replaced by its good records (the
 *    original goes to `lost/`).
 * After it, records that do not decode, records whose bytes are missing or fail their
 * hash, and bytes that fail their hash are deleted, and the files are checked again.
 * Everything happens under the store's lock, inside the marked store directory only.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { MemographError } from '../errors.js';
import { writeCheckedTables } from './checked-tables.js';
import { holdStoreLock } from './exclusive-lock.js';
import { bytesMatch } from './integrity.js';
import { checkLevelFiles, type FileDamage } from './level-files/check-files.js';
import { readLogRecords } from './level-files/log-records.js';
import { encodeLog, entryBatch } from './level-files/log-writer.js';
import { readTable } from './level-files/table.js';
import { LEVEL_LAYOUT } from './level-layout.js';
import { decodeRecord } from './record-codec.js';
import { damageError } from './store-damage.js';
import { hasStoreMarker } from './store-marker.js';

export interface RepairReport {
  readonly directory: string;
  /** The files found damaged (by name, with what was wrong); their originals are in `lost/`. */
  readonly damaged: readonly FileDamage[];
  /** Entries read back from the sound blocks of damaged tables. */
  readonly salvagedEntries: number;
  /** Data blocks of damaged tables that could not be read, and tables that could not be read at all. */
  readonly lostBlocks: number;
  readonly lostTables: number;
  /** Records before the repair, when they could be counted (the files were sound). */
  readonly recordsBefore?: number;
  readonly recordsAfter: number;
  /** Records deleted: they do not decode, or their bytes are missing or fail their hash. */
  readonly dropped: readonly { readonly cid: string; readonly problem: string }[];
  /** Stored byte strings deleted because they fail their hash. */
  readonly droppedValues: number;
}

const TABLE_FILE = /^\d+\.(ldb|sst)$/;
const LOG_FILE = /^\d+\.log$/;
type Db = ClassicLevel<string, Uint8Array>;

export async function repairStore(location: string): Promise<RepairReport> {
  if (!hasStoreMarker(location)) {
    throw new MemographError('MEMOGRAPH_STORE_FAILED', `Refusing to repair ${location}: it is not marked as a memograph cache`);
  }
  const release = await holdStoreLock(location);
  try {
    const check = await checkLevelFiles(location, { allTables: true });
    const recordsBefore = check.damage.length === 0 ? await countRecords(location) : undefined;
    const lost = join(location, 'lost');
    const salvaged: Uint8Array[] = [];
    let lostBlocks = 0;
    let lostTables = 0;
    for (const { file } of check.damage) {
      if (!TABLE_FILE.test(file)) continue;
      let bytes: Uint8Array;
      try {
        bytes = readFileSync(join(location, file));
      } catch {
        continue; // listed by the manifest but missing: nothing to salvage
      }
      const read = readTable(bytes, ([key, value]) => salvaged.push(entryBatch(key, value)));
      if (read.blocks === 0) lostTables++;
      lostBlocks += read.blocks - read.goodBlocks;
      moveTo(lost, location, file);
    }
    for (const file of readdirSync(location)) {
      if (!LOG_FILE.test(file)) continue;
      const read = readLogRecords(readFileSync(join(location, file)));
      if (read.damage.length === 0 && !read.tail) continue;
      moveTo(lost, location, file);
      writeFileSync(join(location, file), encodeLog(read.records));
    }
    if (salvaged.length > 0) writeFileSync(join(location, `${String(nextFileNumber(location)).padStart(6, '0')}.log`), encodeLog(salvaged));

    await ClassicLevel.repair(location);
    const { recordsAfter, dropped, droppedValues } = await dropUnsound(location);

    const after = await checkLevelFiles(location);
    if (after.damage.length > 0) throw damageError(location, after.damage);
    writeCheckedTables(location, after.soundTables, new Set());
    return { directory: location, damaged: check.damage, salvagedEntries: salvaged.length, lostBlocks, lostTables, recordsBefore, recordsAfter, dropped, droppedValues };
  } finally {
    await release();
  }
}

function moveTo(lost: string, location: string, file: string): void {
  mkdirSync(lost, { recursive: true });
  renameSync(join(location, file), join(lost, file));
}

/** A file number above every one in use, as LevelDB's repair numbers its own files from them. */
function nextFileNumber(location: string): number {
  let max = 0;
  for (const name of readdirSync(location)) {
    const match = /^(?:MANIFEST-)?(\d+)(?:\.\w+)?$/.exec(name);
    if (match) max = Math.max(max, Number(match[1]));
  }
  return max + 1;
}

function openDb(location: string): Db {
  return new ClassicLevel<string, Uint8Array>(location, { keyEncoding: 'utf8', valueEncoding: 'view' });
}

async function countRecords(location: string): Promise<number> {
  const db = openDb(location);
  await db.open({ createIfMissing: false });
  try {
    let count = 0;
    // Records under value keys are not entries of their own (ResultRecord.byValue).
    for await (const [key, raw] of db.iterator({ gte: 'c/', lt: 'c0' })) if (!decodeRecord(key.slice(2), raw)?.byValue) count++;
    return count;
  } finally {
    await db.close();
  }
}

/** Delete what a run could not use: undecodable records, records without sound bytes, bytes that fail their hash. */
async function dropUnsound(location: string): Promise<{ recordsAfter: number; dropped: { cid: string; problem: string }[]; droppedValues: number }> {
  const db = openDb(location);
  await db.open({ createIfMissing: false });
  try {
    const batch = db.batch();
    const badValues = new Set<string>();
    for await (const [key, value] of db.iterator({ gte: 'r/', lt: 'r0' })) {
      if (!bytesMatch(key.slice(2), value)) {
        badValues.add(key.slice(2));
        batch.del(key);
      }
    }
    const dropped: { cid: string; problem: string }[] = [];
    let recordsAfter = 0;
    for await (const [key, raw] of db.iterator({ gte: 'c/', lt: 'c0' })) {
      const cid = key.slice(2);
      const record = decodeRecord(cid, raw);
      let problem: string | undefined;
      if (!record) problem = 'the record does not decode';
      else {
        for (const stored of [record.resultCid, ...Object.values(record.outputs ?? {})]) {
          const what = stored === record.resultCid ? 'result' : 'output';
          if (badValues.has(stored)) problem = `its ${what} ${stored} is corrupt`;
          else if (!(await db.has(LEVEL_LAYOUT.resultKey(stored)))) problem = `its ${what} ${stored} is missing`;
          if (problem) break;
        }
      }
      if (problem === undefined) {
        if (!record!.byValue) recordsAfter++;
        continue;
      }
      if (!record?.byValue) dropped.push({ cid, problem });
      batch.del(key);
      batch.del(LEVEL_LAYOUT.usedKey(cid));
    }
    // The store is known to be memograph's (it is marked): a layout key lost with a block is restored.
    if ((await db.get(LEVEL_LAYOUT.layoutKey)) === undefined) batch.put(LEVEL_LAYOUT.layoutKey, Buffer.from(LEVEL_LAYOUT.version, 'utf8'));
    await batch.write();
    return { recordsAfter, dropped, droppedValues: badValues.size };
  } finally {
    await db.close();
  }
}
