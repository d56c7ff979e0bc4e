/**
 * `memograph cache gc --max-size 2GB --older-than 30d`: evict entries least
 * recently used first (served from the cache, or else written), then drop the
 * stored bytes no remaining entry refers to.
 */
import { out as pc } from './colors.js';
import { confirm } from './confirm.js';
import { requireMarkedStore, type CacheOptions } from './cache-commands.js';
import { entryCount, formatBytes } from './human-units.js';
import { UsageProblem } from './usage-problem.js';
import { isRedisLocation, openCache } from './open-cache.js';

/**
 * Decimal units are powers of 1000 (as disks and most tools count them), binary ones
 * powers of 1024. A unit is required: a bare `2` read as two bytes evicts everything.
 */
const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};
const TIME_UNITS: Record<string, number> = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 };

/** `2GB`, `500MiB`, `1024B` → bytes; a number without a unit is refused. */
export function parseSize(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/i.exec(text.trim());
  const unit = match ? SIZE_UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) {
    throw new UsageProblem(
      `Expected ${flag} to be a size with a unit such as 500MB or 2GB, got \`${text}\` ` +
        '(B, KB, MB, GB, TB count in powers of 1000; KiB, MiB, GiB, TiB in powers of 1024)',
    );
  }
  return Number(match[1]) * unit;
}

/** `30d`, `12h`, `90m`, `10s` → milliseconds; a number without a unit is refused. */
export function parseAge(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!match) throw new UsageProblem(`Expected ${flag} to be an age such as 30d, 12h or 90m, got \`${text}\``);
  return Number(match[1]) * TIME_UNITS[match[2]!]!;
}

export interface GcOptions extends CacheOptions {
  readonly maxSize?: number;
  readonly olderThanMs?: number;
  /** Report what would be evicted and freed; change nothing. */
  readonly dryRun?: boolean;
  /** Do not ask before evicting more than half the entries. */
  readonly yes?: boolean;
}

export async function cacheGc(options: GcOptions): Promise<string> {
  if (options.maxSize === undefined && options.olderThanMs === undefined) {
    throw new UsageProblem('Say what to evict: --max-size, --older-than, or both');
  }
  if (!isRedisLocation(options.cacheDir)) requireMarkedStore(options.cacheDir, 'gc');
  const lease = await openCache(options.cacheDir);
  const store = lease.store;
  try {
    const used = await store.lastUsed();
    const entries: { cid: string; fn: string; last: number; cids: string[] }[] = [];
    const byValue: { cid: string; resultCid: string }[] = [];
    for await (const [cid, record] of store.records()) {
      if (record.byValue) {
        byValue.push({ cid, resultCid: record.resultCid });
        continue;
      }
      entries.push({ cid, fn: record.fn, last: used.get(cid) ?? record.createdAt, cids: [record.resultCid, ...Object.values(record.outputs ?? {})] });
    }
    entries.sort((a, b) => a.last - b.last); // least recently used first

    // Stored values are shared by identical results: count how many entries use each.
    const sizes = await store.storedSizes();
    const refs = new Map<string, number>();
    for (const entry of entries) for (const cid of new Set(entry.cids)) refs.set(cid, (refs.get(cid) ?? 0) + 1);
    let total = [...sizes.values()].reduce((a, b) => a + b, 0);
    const before = total;

    const now = Date.now();
    const evicted: typeof entries = [];
    for (const entry of entries) {
      const old = options.olderThanMs !== undefined && now - entry.last > options.olderThanMs;
      const over = options.maxSize !== undefined && total > options.maxSize;
      if (!old && !over) continue;
      evicted.push(entry);
      for (const cid of new Set(entry.cids)) {
        const left = refs.get(cid)! - 1;
        refs.set(cid, left);
        if (left === 0) total -= sizes.get(cid) ?? 0;
      }
    }
    const kept = entries.length - evicted.length;

    if (options.dryRun) {
      // What the evicted entries alone free; the real gc also drops bytes nothing referred to before.
      const result = { dryRun: true, evicted: evicted.length, kept, freedBytes: before - total, bytesBefore: before, entries: evicted.map(({ cid, fn }) => ({ cid, fn })) };
      if (options.json) return JSON.stringify(result, null, 2);
      return [
        `Would evict ${pc.bold(entryCount(evicted.length))}, keep ${kept}; would free ${formatBytes(before - total)} of ${formatBytes(before)} (dry run: nothing changed)`,
        ...evicted.map(({ cid, fn }) => `  ${cid}  ${fn}`),
      ].join('\n');
    }

    // Evicting most of a cache is rarely what a limit was meant to do (a size in the wrong unit): ask.
    if (evicted.length * 2 > entries.length && !options.yes) {
      const what = `${evicted.length} of ${entryCount(entries.length)} in ${options.cacheDir}`;
      const yes = await confirm(
        `This evicts ${what} (${formatBytes(before - total)}). Go ahead?`,
        `Refusing to evict ${what} (more than half) without --yes (no terminal to ask on). Nothing was changed; --dry-run lists them.`,
      );
      if (!yes) return options.json ? JSON.stringify({ evicted: 0, kept: entries.length, freedBytes: 0, bytesBefore: before }) : 'Nothing evicted.';
    }

    for (const { cid } of evicted) await store.deleteRecord(cid);
    // A record under a value key goes with the last entry holding its bytes, or it would keep them.
    for (const { cid, resultCid } of byValue) if (!refs.get(resultCid)) await store.deleteRecord(cid);
    const freed = await store.dropUnreferencedBytes();
    const result = { evicted: evicted.length, kept, freedBytes: freed, bytesBefore: before };
    if (options.json) return JSON.stringify(result, null, 2);
    return `${pc.bold(entryCount(evicted.length))} evicted, ${kept} kept; freed ${formatBytes(freed)} of the ${formatBytes(before)} stored`;
  } finally {
    await store.close();
  }
}
