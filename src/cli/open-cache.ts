/**
 * How the `memograph` commands open a cache: a directory, as one more process sharing it
 * (it follows their leader, or leads them), or a Redis store, given by its URL (`--redis`),
 * which every process on every machine shares anyway. Nothing is created where no cache
 * directory exists.
 */
import { existsSync } from 'node:fs';
import type { Holder } from '../store/claims.js';
import { acquireStore } from '../store/open.js';
import { RedisStore } from '../store/redis/redis-store.js';
import type { StoreAdmin } from '../store/store-admin.js';
import type { Store } from '../store/store.js';
import { UsageProblem } from './usage-problem.js';

export type CacheHandle = Store &
  StoreAdmin & {
    /** For a directory: whether this process holds it, how many others it serves, and who holds it. */
    readonly leads?: boolean;
    readonly followers?: number;
    readonly leader?: Holder;
  };

/** A `--redis` URL rather than a directory. */
export function isRedisLocation(location: string): boolean {
  return /^(redis|rediss|unix):\/\//.test(location);
}

export async function openCache(location: string): Promise<{ store: CacheHandle; release(): Promise<void> }> {
  if (isRedisLocation(location)) {
    // A command reads and manages the cache, and serves no run: another machine's Redis without a password is its user's call.
    const store = await RedisStore.open(location, { insecure: true });
    return { store, release: () => store.close() };
  }
  if (!existsSync(location)) throw new UsageProblem(`No cache at ${location}`);
  return acquireStore(location);
}

export async function withCache<T>(location: string, use: (store: CacheHandle) => Promise<T>): Promise<T> {
  const lease = await openCache(location);
  try {
    return await use(lease.store);
  } finally {
    await lease.release();
  }
}

/** Function names of stored calls, looked up once, for synchronous use (argument previews). */
export async function storedNames(store: CacheHandle): Promise<(cid: string) => string | undefined> {
  const names = new Map<string, string>();
  for await (const [cid, record] of store.records()) names.set(cid, record.fn);
  return (cid) => names.get(cid);
}
