/**
 * `memograph cache verify` and `memograph cache repair`. Verify checks the files before
 * it lets LevelDB read them (a damaged table can abort a process that reads it), then
 * every record and the bytes it points at; repair rebuilds the store (store/repair.ts).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { out as pc } from './colors.js';
import { requireMarkedStore, type CacheOptions } from './cache-commands.js';
import { UsageProblem } from './usage-problem.js';
import { checkLevelFiles, type FileDamage } from '../store/level-files/check-files.js';
import { isRedisLocation, openCache } from './open-cache.js';
import { repairStore } from '../store/repair.js';
import { repairCommand } from '../store/store-damage.js';
import { counted, entryCount } from './human-units.js';

interface BadEntry {
  readonly cid: string;
  readonly fn?: string;
  readonly problem: string;
}

export async function cacheVerify(options: CacheOptions): Promise<{ text: string; bad: number }> {
  const directory = options.cacheDir;
  const inRedis = isRedisLocation(directory);
  if (!inRedis && !existsSync(directory)) throw new UsageProblem(`No cache at ${directory}`);
  const files: FileDamage[] = !inRedis && existsSync(join(directory, 'CURRENT')) ? (await checkLevelFiles(directory)).damage : [];
  const bad: BadEntry[] = [];
  let checked = 0;
  // Damaged files are not handed to LevelDB; the records are checked once they are repaired.
  if (files.length === 0) {
    // As one more process on the cache: verify runs while scripts use it.
    const lease = await openCache(directory);
    const store = lease.store;
    try {
      for await (const [cid, record] of store.records((unreadable) => bad.push({ cid: unreadable, problem: 'the record cannot be read' }))) {
        // It points at the bytes of the entry stored beside it, checked there; bad, it is a miss.
        if (record.byValue) continue;
        checked++;
        for (const stored of [record.resultCid, ...Object.values(record.outputs ?? {})]) {
          const state = await store.checkBytes(stored);
          if (state !== 'ok') {
            bad.push({ cid, fn: record.fn, problem: `${stored === record.resultCid ? 'result' : 'output'} ${stored} is ${state}` });
            break;
          }
        }
      }
      checked += bad.filter((entry) => entry.fn === undefined).length;
    } finally {
      await lease.release();
    }
  }
  const problems = files.length + bad.length;
  if (options.json) {
    return { text: JSON.stringify({ checked: files.length > 0 ? null : checked, bad, damagedFiles: files }, null, 2), bad: problems };
  }
  const lines =
    files.length > 0
      ? [`${pc.red(`${files.length} damaged file${files.length === 1 ? '' : 's'}`)} in ${directory} (records not checked until it is repaired):`, ...files.map(({ file, problem }) => `  ${file}: ${problem}`)]
      : [`${entryCount(checked)} checked, ${bad.length} bad`, ...bad.map((entry) => `  ${entry.cid}${entry.fn ? ` ${entry.fn}` : ''}: ${entry.problem}`)];
  if (problems > 0 && inRedis) lines.push('A bad result is a miss: the next run that needs it computes it again and stores it anew.');
  else if (problems > 0) lines.push(`Run \`${repairCommand(directory)}\` to rebuild the store from what can still be read; the lost entries are computed again by the next run.`);
  return { text: lines.join('\n'), bad: problems };
}

export async function cacheRepair(options: CacheOptions): Promise<string> {
  if (isRedisLocation(options.cacheDir)) {
    throw new UsageProblem('repair rebuilds a LevelDB cache directory; a Redis store has no files to rebuild (`memograph cache verify --redis …` checks every value, and a bad one is computed again when needed)');
  }
  requireMarkedStore(options.cacheDir, 'repair');
  const report = await repairStore(options.cacheDir);
  if (options.json) return JSON.stringify(report, null, 2);
  const lines: string[] = [];
  if (report.damaged.length === 0 && report.dropped.length === 0 && report.droppedValues === 0) {
    lines.push(`${options.cacheDir}: no damage found; ${entryCount(report.recordsAfter)}, nothing lost.`);
    return lines.join('\n');
  }
  lines.push(`Repaired ${options.cacheDir}.`);
  if (report.damaged.length > 0) {
    lines.push(`${report.damaged.length} damaged file${report.damaged.length === 1 ? '' : 's'} (the originals are in ${join(options.cacheDir, 'lost')}):`);
    for (const { file, problem } of report.damaged) lines.push(`  ${file}: ${problem}`);
  }
  const lost: string[] = [];
  if (report.lostTables > 0) lost.push(`${report.lostTables} unreadable table${report.lostTables === 1 ? '' : 's'}`);
  if (report.lostBlocks > 0) lost.push(`${report.lostBlocks} unreadable data block${report.lostBlocks === 1 ? '' : 's'}`);
  if (report.salvagedEntries > 0) lost.push(`${entryCount(report.salvagedEntries)} salvaged from the readable blocks of damaged tables`);
  if (lost.length > 0) lines.push(`Tables: ${lost.join('; ')}.`);
  if (report.dropped.length > 0) {
    lines.push(`${entryCount(report.dropped.length)} dropped:`);
    for (const { cid, problem } of report.dropped.slice(0, 20)) lines.push(`  ${cid}: ${problem}`);
    if (report.dropped.length > 20) lines.push(`  … and ${report.dropped.length - 20} more (--json lists them all)`);
  }
  if (report.droppedValues > 0) lines.push(`${counted(report.droppedValues, 'stored value')} dropped: ${report.droppedValues === 1 ? 'it' : 'they'} failed ${report.droppedValues === 1 ? 'its' : 'their'} hash.`);
  const before = report.recordsBefore === undefined ? '' : ` (${report.recordsBefore} before)`;
  lines.push(`${counted(report.recordsAfter, 'entry remains', 'entries remain')}${before}. Whatever was lost is computed again by the next run that needs it.`);
  return lines.join('\n');
}
