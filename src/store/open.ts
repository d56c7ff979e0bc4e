/**
 * Process-wide access to cache directories. A directory is shared with other processes
 * (shared/shared-store.ts); within this process concurrent runs share one handle:
 * each run takes a lease, and the directory is closed, and its lock released, when the
 * last lease is released. Acquires that arrive while the store is still opening share
 * that one open; an acquire that arrives while the last holder is closing waits for the
 * close, then opens afresh.
 */
import { resolve } from 'node:path';
import { MemographError } from '../errors.js';
import type { ClaimAnswer, ClaimBoard, Holder } from './claims.js';
import { SharedStore, type SharedStoreOptions } from './shared/shared-store.js';
import type { StoreAdmin } from './store-admin.js';
import type { Attachment, ResultRecord, Store } from './store.js';

export { resolveCacheDir } from './cache-dir.js';

export interface StoreLease {
  /** The shared store. Its `close()` releases this lease (it does not close the shared handle). */
  readonly store: LeasedStore;
  /** Flush; the last release of a directory closes it. Calling it again does nothing. */
  release(): Promise<void>;
}

interface Entry {
  readonly opened: Promise<SharedStore>;
  leases: number;
}

const entries = new Map<string, Entry>();
/** Directories whose last lease was released and whose handle is still closing. */
const closing = new Map<string, Promise<void>>();

/**
 * Lease the store in `directory`, opening it if this process does not hold it yet.
 * `options` apply to that open; an acquire that joins an open in progress shares its outcome.
 */
export async function acquireStore(directory: string, options?: SharedStoreOptions): Promise<StoreLease> {
  const location = resolve(directory);
  let entry = entries.get(location);
  if (entry === undefined) {
    const previous = closing.get(location);
    const opened = (previous ?? Promise.resolve()).then(() => SharedStore.open(location, options));
    const created: Entry = { opened, leases: 0 };
    entry = created;
    entries.set(location, created);
    opened.catch(() => {
      if (entries.get(location) === created) entries.delete(location);
    });
  }
  entry.leases++;
  let store: SharedStore;
  try {
    store = await entry.opened;
  } catch (error) {
    entry.leases--;
    throw error;
  }
  return makeLease(location, entry, store);
}

async function release(location: string, entry: Entry, store: SharedStore): Promise<void> {
  entry.leases--;
  if (entry.leases > 0) return store.flush();
  if (entries.get(location) === entry) entries.delete(location);
  const closed = store.close();
  const settled = closed.then(
    () => {},
    () => {},
  );
  closing.set(location, settled);
  void settled.then(() => {
    if (closing.get(location) === settled) closing.delete(location);
  });
  return closed;
}

function makeLease(location: string, entry: Entry, shared: SharedStore): StoreLease {
  let released: Promise<void> | undefined;
  const store = new LeasedStore(shared, () => lease.release());
  const lease: StoreLease = {
    store,
    release: () => {
      if (released === undefined) {
        store.markReleased();
        released = release(location, entry, shared);
      }
      return released;
    },
  };
  return lease;
}

/** The shared store seen through one lease: usable until that lease is released. */
export class LeasedStore implements Store, StoreAdmin, ClaimBoard {
  readonly location: string;
  readonly #shared: SharedStore;
  readonly #release: () => Promise<void>;
  #released = false;

  constructor(shared: SharedStore, release: () => Promise<void>) {
    this.location = shared.location;
    this.#shared = shared;
    this.#release = release;
  }

  /** Present while this process leads the directory (see SharedStore). */
  get getRecordSync(): ((callCid: string) => ResultRecord | undefined) | undefined {
    this.#assertLeased();
    return this.#shared.getRecordSync;
  }

  get claims(): ClaimBoard {
    return this;
  }

  /** Whether this process holds the directory (and serves it to any others). */
  get leads(): boolean {
    return this.#shared.leads;
  }

  /** Other processes this one serves the directory to right now. */
  get followers(): number {
    return this.#shared.followers;
  }

  /** Who holds the directory: this process or another. */
  get leader(): Holder | undefined {
    return this.#shared.leader;
  }

  getRecords(callCids: readonly string[]): Promise<(ResultRecord | undefined)[]> {
    this.#assertLeased();
    return this.#shared.getRecords(callCids);
  }

  getBytes(resultCid: string): Promise<Uint8Array | undefined> {
    this.#assertLeased();
    return this.#shared.getBytes(resultCid);
  }

  markUsed(callCid: string, at?: number): void {
    this.#assertLeased();
    this.#shared.markUsed(callCid, at);
  }

  putResult(callCid: string, record: ResultRecord, bytes: Uint8Array, attachments?: readonly Attachment[]): void {
    this.#assertLeased();
    this.#shared.putResult(callCid, record, bytes, attachments);
  }

  deleteRecord(callCid: string): Promise<void> {
    this.#assertLeased();
    return this.#shared.deleteRecord(callCid);
  }

  flush(): Promise<void> {
    this.#assertLeased();
    return this.#shared.flush();
  }

  close(): Promise<void> {
    return this.#release();
  }

  claim(callCids: readonly string[]): ClaimAnswer[] | Promise<ClaimAnswer[]> {
    this.#assertLeased();
    return this.#shared.claim(callCids);
  }

  release(callCids: readonly string[]): void {
    // Claims are given up also after the lease went (a run's last tasks settle late).
    this.#shared.release(callCids);
  }

  records(onUnreadable?: (callCid: string) => void): AsyncIterable<[string, ResultRecord]> {
    this.#assertLeased();
    return this.#shared.records(onUnreadable);
  }

  lastUsed(): Promise<Map<string, number>> {
    this.#assertLeased();
    return this.#shared.lastUsed();
  }

  storedSizes(): Promise<Map<string, number>> {
    this.#assertLeased();
    return this.#shared.storedSizes();
  }

  dropUnreferencedBytes(): Promise<number> {
    this.#assertLeased();
    return this.#shared.dropUnreferencedBytes();
  }

  checkBytes(cid: string): Promise<'ok' | 'missing' | 'corrupt'> {
    this.#assertLeased();
    return this.#shared.checkBytes(cid);
  }

  storedBytes(): Promise<{ count: number; bytes: number }> {
    this.#assertLeased();
    return this.#shared.storedBytes();
  }

  clearEntries(): Promise<number> {
    this.#assertLeased();
    return this.#shared.clearEntries();
  }

  markReleased(): void {
    this.#released = true;
  }

  #assertLeased(): void {
    if (this.#released) {
      throw new MemographError('MEMOGRAPH_STORE_FAILED', `This lease on ${this.location} was released`);
    }
  }
}
