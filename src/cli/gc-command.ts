/**
 * `memograph cache gc --max-size 2GB --older-than 30d`: evict entries least
 * recently used first (served from the cache, or else written), then drop the
 * stored bytes no remaining entry refers to.
 */
import { out as pc } from './colors.js';
import { LevelStore } from '../store/level-store.js';
import { UsageProblem, type CacheOptions } from './cache-commands.js';

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4 };
const TIME_UNITS: Record<string, number> = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 };

/** `2GB`, `500MiB`, `1024` (bytes) → bytes. */
export function parseSize(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = SIZE_UNITS[(match?.[2] || 'b').toLowerCase()];
  if (!match || unit === undefined) throw new UsageProblem(`Expected ${flag} to be a size such as 2GB or 500MiB, got \`${text}\``);
  return Number(match[1]) * unit;
}

/** `30d`, `12h`, `90m`, `10s` → milliseconds. */
export function parseAge(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!match) throw new UsageProblem(`Expected ${flag} to be an age such as 30d, 12h or 90m, got \`${text}\``);
  return Number(match[1]) * TIME_UNITS[match[2]!]!;
}

export async function cacheGc(options: CacheOptions & { maxSize?: number; olderThanMs?: number }): Promise<string> {
  if (options.maxSize === undefined && options.olderThanMs === undefined) {
    throw new UsageProblem('Say what to evict: --max-size, --older-than, or both');
  }
  const store = await LevelStore.open(options.cacheDir);
  try {
    const used = await store.lastUsed();
    const entries: { cid: string; last: number; cids: string[] }[] = [];
    for await (const [cid, record] of store.records()) {
      entries.push({ cid, last: used.get(cid) ?? record.createdAt, cids: [record.resultCid, ...Object.values(record.outputs ?? {})] });
    }
    entries.sort((a, b) => a.last - b.last); // least recently used first

    // Stored values are shared by identical results: count how many entries use each.
    const sizes = await store.storedSizes();
    const refs = new Map<string, number>();
    for (const entry of entries) for (const cid of new Set(entry.cids)) refs.set(cid, (refs.get(cid) ?? 0) + 1);
    let total = [...sizes.values()].reduce((a, b) => a + b, 0);
    const before = total;

    const now = Date.now();
    const evicted: string[] = [];
    for (const entry of entries) {
      const old = options.olderThanMs !== undefined && now - entry.last > options.olderThanMs;
      const over = options.maxSize !== undefined && total > options.maxSize;
      if (!old && !over) continue;
      evicted.push(entry.cid);
      for (const cid of new Set(entry.cids)) {
        const left = refs.get(cid)! - 1;
        refs.set(cid, left);
        if (left === 0) total -= sizes.get(cid) ?? 0;
      }
    }
    for (const cid of evicted) await store.deleteRecord(cid);
    const freed = await store.dropUnreferencedBytes();
    const result = { evicted: evicted.length, kept: entries.length - evicted.length, freedBytes: freed, bytesBefore: before };
    if (options.json) return JSON.stringify(result, null, 2);
    return `${pc.bold(String(evicted.length))} entries evicted, ${result.kept} kept; ${freed} of ${before} stored bytes freed`;
  } finally {
    await store.close();
  }
}
