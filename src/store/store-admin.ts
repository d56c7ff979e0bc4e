/**
 * What the `memograph cache …` commands ask of a store beyond a run's needs: listing,
 * sizes, eviction, verification. The LevelDB store answers them itself; a follower asks
 * its leader (shared/store-client.ts).
 */
import type { ResultRecord } from './store.js';

export interface StoreAdmin {
  /**
   * Every call record (buffered writes first). Records that cannot be read are given to
   * `onUnreadable`, or counted in a warning without it.
   */
  records(onUnreadable?: (callCid: string) => void): AsyncIterable<[callCid: string, record: ResultRecord]>;
  /** When each entry was last served from the cache (entries never served are absent). */
  lastUsed(): Promise<Map<string, number>>;
  /** The size of every stored value (results and output files), by CID. */
  storedSizes(): Promise<Map<string, number>>;
  /** Remove stored bytes no record refers to; returns how many bytes were freed. */
  dropUnreferencedBytes(): Promise<number>;
  /** Whether the bytes stored under `cid` are there and hash to it. */
  checkBytes(cid: string): Promise<'ok' | 'missing' | 'corrupt'>;
  /** How many stored byte strings there are, and their total size. */
  storedBytes(): Promise<{ count: number; bytes: number }>;
  /** Delete every entry and stored value (the store itself stays); returns how many entries there were. */
  clearEntries(): Promise<number>;
}
