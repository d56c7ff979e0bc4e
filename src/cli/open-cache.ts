/**
 * How the `memograph` commands open a cache: as one more process sharing it, so that a
 * command runs while scripts use the same directory (it follows their leader, or leads
 * them). Nothing is created where no cache exists.
 */
import { existsSync } from 'node:fs';
import { acquireStore, type LeasedStore } from '../store/open.js';
import { UsageProblem } from './usage-problem.js';

export type CacheHandle = LeasedStore;

export async function withCache<T>(directory: string, use: (store: CacheHandle) => Promise<T>): Promise<T> {
  if (!existsSync(directory)) throw new UsageProblem(`No cache at ${directory}`);
  const lease = await acquireStore(directory);
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
