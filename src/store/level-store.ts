/**
 * The embedded store: one LevelDB directory per cache (see store.ts for the contract).
 *
 * Layout (utf8 keys, binary values), frozen by LEVEL_LAYOUT (level-layout.ts):
 *   c/<call CID>    → record (record-codec.ts)
 *   r/<result CID>  → value bytes (value-codec.ts)
 *   u/<call CID>    → when the result was last served from the cache, for `cache gc`
 *   m/layout        → the layout version, utf8; a store of another layout is refused
 *
 * Write policy. `putResult` only buffers (tens of thousands of puts a second must not each
 * pay an async step) into the open generation, which closes at {@link FLUSH_ENTRIES}
 * records or {@link FLUSH_BYTES}, or on the next macrotask, whichever comes first. Each
 * generation is written as ONE atomic batch that holds its records together with their
 * bytes (a put adds its bytes to its own generation unless they are already there), so no
 * batch leaves a record whose bytes are missing. Generations are written one at a time,
 * oldest first; until a generation has landed, reads are served from it, so every put is
 * visible at once. A failed batch is reported by the next `flush()`/`close()`; its entries
 * are lost as cache entries (a later run recomputes them) but nothing already stored is
 * touched. Batches are not fsynced: a process crash loses nothing written, a power loss
 * may lose the last batches but never splits one.
 *
 * Integrity. Bytes are keyed by their own hash, so bytes already on disk are never
 * rewritten (identical results are stored once, and a buggy put cannot overwrite good
 * bytes). `getBytes` verifies the hash; bytes that fail are deleted by the next batch,
 * after being re-read and re-checked there, so a racing rewrite is never deleted.
 */
import { resolve } from 'node:path';
import { landedWrites } from './landed-writes.js';
import { InvalidArgumentError, MemographError, StoreCorruptError } from '../errors.js';
import { bytesMatch, checkPut } from './integrity.js';
import { bytesOnDisk, checkBytesOnDisk, clearOnDisk, dropUnreferenced, lastUsedOnDisk, recordsOnDisk, sizesOnDisk } from './level-admin.js';
import { checkStoreDirectory } from './level-directory.js';
import { LEVEL_LAYOUT, encodeUsed, levelCode, type Db } from './level-layout.js';
import { checkLayout, openLocked } from './level-open.js';
import { assertSoundFiles, repairCommand } from './store-damage.js';
import { writeStoreMarker } from './store-marker.js';
import { ownBytes } from './own-bytes.js';
import { decodeRecord, encodeRecord, ownRecord } from './record-codec.js';
import type { Attachment, ResultRecord, Store } from './store.js';
import type { StoreAdmin } from './store-admin.js';

/** Pending entries that trigger a write before the next macrotask. */
export const FLUSH_ENTRIES = 512;
/** Pending bytes that trigger a write before the next macrotask. */
export const FLUSH_BYTES = 8 * 1024 * 1024;

export interface LevelStoreOptions {
  /**
   * How long to keep retrying while another process holds the directory's lock.
   * @default 0
   */
  lockTimeoutMs?: number;
}

/** One generation of buffered writes: becomes one atomic batch. */
interface Pending {
  /** call CID → record, or null for a deletion. */
  readonly records: Map<string, ResultRecord | null>;
  /** result CID → bytes the store owns. */
  readonly bytes: Map<string, Uint8Array>;
  /** Bytes held, to close the generation at FLUSH_BYTES. */
  size: number;
  /** call CID → when it was last served from the cache (ms since the epoch), for `cache gc`. */
  readonly used: Map<string, number>;
}

export class LevelStore implements Store, StoreAdmin {
  readonly location: string;
  readonly #db: Db;
  /** Where puts go. */
  #open: Pending = emptyPending();
  /** Full generations waiting to be written, oldest first (several only in a synchronous burst). */
  #sealed: Pending[] = [];
  /** The generation being written, still served to readers until it lands. */
  #inflight: Pending | undefined;
  /** Result CIDs whose stored bytes failed verification; re-checked and deleted by the next batch. */
  #suspect = new Set<string>();
  #chain: Promise<void> = Promise.resolve();
  /** A write is queued on #chain and has not started; it will take whatever is buffered then. */
  #writeQueued = false;
  #immediate: NodeJS.Immediate | undefined;
  #failures: unknown[] = [];
  /** A read met damage and the warning about it was given. */
  #warnedDamage = false;
  #closing: Promise<void> | undefined;

  private constructor(db: Db, location: string) {
    this.#db = db;
    this.location = location;
  }

  /**
   * Open (creating if needed) the store in `directory`. Throws StoreLockedError when another
   * process holds it past `lockTimeoutMs`, StoreCorruptError when the directory is not a
   * readable store of this layout (nothing in it is changed or repaired).
   */
  static async open(directory: string, options: LevelStoreOptions = {}): Promise<LevelStore> {
    const location = resolve(directory);
    const lockTimeoutMs = options.lockTimeoutMs ?? 0;
    if (!(lockTimeoutMs >= 0)) {
      throw new InvalidArgumentError(
        `Expected \`lockTimeoutMs\` to be a number from 0 and up, got \`${String(lockTimeoutMs)}\``,
      );
    }
    await checkStoreDirectory(location);
    // Before LevelDB sees them: it reads damaged tables unchecked, and can abort on them.
    const rememberSound = await assertSoundFiles(location);
    const db = await openLocked(location, lockTimeoutMs);
    try {
      await checkLayout(db, location);
      // Only now is the directory known to be memograph's: mark it, so that commands
      // that delete (cache clear, cache gc) may act on it.
      writeStoreMarker(location);
      rememberSound();
    } catch (error) {
      await db.close().catch(() => {});
      throw error;
    }
    return new LevelStore(db, location);
  }

  getRecordSync(callCid: string): ResultRecord | undefined {
    this.#assertOpen();
    const buffered = this.#bufferedRecord(callCid);
    if (buffered !== undefined) return buffered ?? undefined;
    let raw: Uint8Array | undefined;
    try {
      raw = this.#db.getSync(LEVEL_LAYOUT.callKey(callCid));
    } catch (error) {
      return this.#readFailure(error, `record ${callCid}`);
    }
    return raw === undefined ? undefined : decodeRecord(callCid, raw);
  }

  /** Every call record on disk, once buffered writes are flushed (level-admin.ts). */
  async *records(onUnreadable?: (callCid: string) => void): AsyncGenerator<[callCid: string, record: ResultRecord]> {
    await this.flush();
    yield* recordsOnDisk(this.#db, this.location, onUnreadable);
  }

  /** Note that `callCid`'s result was served from the cache now: `cache gc` evicts the least recently used first. */
  markUsed(callCid: string, at = Date.now()): void {
    this.#assertOpen();
    this.#open.used.set(callCid, at);
    this.#scheduleWrite();
  }

  // The `cache` commands' scans (store-admin.ts), each after a flush so that it sees every put.

  async lastUsed(): Promise<Map<string, number>> {
    await this.flush();
    return lastUsedOnDisk(this.#db);
  }

  async storedSizes(): Promise<Map<string, number>> {
    await this.flush();
    return sizesOnDisk(this.#db);
  }

  async dropUnreferencedBytes(): Promise<number> {
    await this.flush();
    return dropUnreferenced(this.#db, this.location);
  }

  /** Without getBytes's side effect of dropping corrupt bytes: for `cache verify`. */
  async checkBytes(cid: string): Promise<'ok' | 'missing' | 'corrupt'> {
    await this.flush();
    return checkBytesOnDisk(this.#db, cid);
  }

  async storedBytes(): Promise<{ count: number; bytes: number }> {
    await this.flush();
    return bytesOnDisk(this.#db);
  }

  async clearEntries(): Promise<number> {
    await this.flush();
    return clearOnDisk(this.#db);
  }

  async getRecords(callCids: readonly string[]): Promise<(ResultRecord | undefined)[]> {
    this.#assertOpen();
    const results = new Array<ResultRecord | undefined>(callCids.length);
    const missIndexes: number[] = [];
    for (let i = 0; i < callCids.length; i++) {
      const buffered = this.#bufferedRecord(callCids[i]!);
      if (buffered === undefined) missIndexes.push(i);
      else results[i] = buffered ?? undefined;
    }
    if (missIndexes.length === 0) return results;
    let raws: (Uint8Array | undefined)[];
    try {
      raws = await this.#db.getMany(missIndexes.map((i) => LEVEL_LAYOUT.callKey(callCids[i]!)));
    } catch (error) {
      this.#readFailure(error, `${missIndexes.length} records`);
      raws = [];
    }
    missIndexes.forEach((index, j) => {
      const raw = raws[j];
      results[index] = raw === undefined ? undefined : decodeRecord(callCids[index]!, raw);
    });
    return results;
  }

  async getBytes(resultCid: string): Promise<Uint8Array | undefined> {
    this.#assertOpen();
    for (const generation of this.#generationsNewestFirst()) {
      const buffered = generation.bytes.get(resultCid);
      if (buffered === undefined) continue;
      if (bytesMatch(resultCid, buffered)) return ownBytes(buffered);
      // Not written yet, so dropping them is enough (bytes in flight are caught on disk next time).
      if (generation !== this.#inflight) generation.bytes.delete(resultCid);
      return undefined;
    }
    const stored = await this.#readBytes(resultCid);
    if (stored === undefined) return undefined;
    // A fresh Buffer from LevelDB, so the caller may own it; seen as a plain Uint8Array like
    // every other store's bytes (unpackValue does not care, type-exact comparisons do).
    if (bytesMatch(resultCid, stored)) return new Uint8Array(stored.buffer, stored.byteOffset, stored.byteLength);
    this.#suspect.add(resultCid);
    this.#scheduleWrite();
    return undefined;
  }

  /** Reads asked for in one synchronous stretch, made as one `getMany` (one trip to LevelDB's thread, not one each). */
  #reads: { readonly cids: string[]; readonly settle: ((stored: Uint8Array | undefined, error?: unknown) => void)[] } | undefined;

  #readBytes(resultCid: string): Promise<Uint8Array | undefined> {
    let reads = this.#reads;
    if (reads === undefined) {
      const batch = { cids: [] as string[], settle: [] as ((stored: Uint8Array | undefined, error?: unknown) => void)[] };
      reads = this.#reads = batch;
      queueMicrotask(() => {
        if (this.#reads === batch) this.#reads = undefined;
        void this.#db.getMany(batch.cids.map(LEVEL_LAYOUT.resultKey)).then(
          (values) => batch.settle.forEach((settle, i) => settle(values[i])),
          (error: unknown) => batch.settle.forEach((settle) => settle(undefined, error)),
        );
      });
    }
    return new Promise((resolve, reject) => {
      reads.cids.push(resultCid);
      reads.settle.push((stored, error) => {
        if (error === undefined) return resolve(stored);
        try {
          resolve(this.#readFailure(error, `bytes of ${resultCid}`));
        } catch (failure) {
          reject(failure);
        }
      });
    });
  }

  putResult(callCid: string, record: ResultRecord, bytes: Uint8Array, attachments: readonly Attachment[] = []): void {
    this.#assertOpen();
    checkPut(callCid, record, bytes);
    const open = this.#open;
    open.records.set(callCid, ownRecord(record));
    // First bytes win within a generation; across generations the write skips bytes on disk.
    // Attachments share the result keyspace (CID → bytes) and its batch.
    for (const { cid, bytes: held } of [{ cid: record.resultCid, bytes }, ...attachments]) {
      if (open.bytes.has(cid)) continue;
      open.bytes.set(cid, ownBytes(held));
      open.size += held.byteLength;
    }
    if (open.records.size >= FLUSH_ENTRIES || open.size >= FLUSH_BYTES) {
      // Close the generation now: a synchronous burst must still be written in bounded batches.
      this.#sealed.push(open);
      this.#open = emptyPending();
      void this.#queueWrite();
    } else {
      this.#scheduleWrite();
    }
  }

  async deleteRecord(callCid: string): Promise<void> {
    this.#assertOpen();
    this.#open.records.set(callCid, null);
    await this.#queueWrite();
    this.#throwFailures();
  }

  async flush(): Promise<void> {
    this.#assertOpen();
    await this.#queueWrite();
    this.#throwFailures();
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#immediate) clearImmediate(this.#immediate);
      try {
        await this.#queueWrite();
        this.#throwFailures();
      } finally {
        await this.#db.close();
      }
    })();
    return this.#closing;
  }

  *#generationsNewestFirst(): Generator<Pending> {
    yield this.#open;
    for (let i = this.#sealed.length - 1; i >= 0; i--) yield this.#sealed[i]!;
    if (this.#inflight) yield this.#inflight;
  }

  /** A buffered record, `null` for a buffered deletion, `undefined` when only the disk knows. */
  #bufferedRecord(callCid: string): ResultRecord | null | undefined {
    // Unrolled (no generator): this runs once per graph node.
    const open = this.#open.records.get(callCid);
    if (open !== undefined) return open;
    for (let i = this.#sealed.length - 1; i >= 0; i--) {
      const sealed = this.#sealed[i]!.records.get(callCid);
      if (sealed !== undefined) return sealed;
    }
    return this.#inflight?.records.get(callCid);
  }

  #scheduleWrite(): void {
    this.#immediate ??= setImmediate(() => {
      this.#immediate = undefined;
      void this.#queueWrite();
    });
  }

  /** Resolves once everything buffered before the call is written (or has failed). Never rejects. */
  #queueWrite(): Promise<void> {
    if (!this.#writeQueued) {
      this.#writeQueued = true;
      this.#chain = this.#chain.then(async () => {
        this.#writeQueued = false;
        if (this.#open.records.size > 0 || this.#open.bytes.size > 0 || this.#open.used.size > 0) {
          this.#sealed.push(this.#open);
          this.#open = emptyPending();
        }
        if (this.#sealed.length === 0 && this.#suspect.size > 0) this.#sealed.push(emptyPending());
        while (this.#sealed.length > 0) await this.#write(this.#sealed.shift()!);
      });
    }
    return this.#chain;
  }

  /** Write one generation as one atomic batch; a failure is kept for the next flush()/close(). */
  async #write(generation: Pending): Promise<void> {
    const suspect = this.#suspect;
    this.#suspect = new Set();
    this.#inflight = generation;
    try {
      const db = this.#db;
      const resultCids = [...generation.bytes.keys()];
      const present = resultCids.length > 0 ? await db.hasMany(resultCids.map(LEVEL_LAYOUT.resultKey)) : [];
      const absent = new Set(resultCids.filter((_, i) => !present[i]));
      const deletions: string[] = [];
      for (const resultCid of suspect) {
        const key = LEVEL_LAYOUT.resultKey(resultCid);
        const stored = await db.get(key).catch(() => undefined);
        if (stored === undefined || bytesMatch(resultCid, stored)) continue;
        if (generation.bytes.has(resultCid)) absent.add(resultCid); // overwritten by the new bytes
        else deletions.push(key);
      }
      // A chained batch: measured ~2.6x less main-thread time per put than batch(array).
      const batch = db.batch();
      try {
        for (const key of deletions) batch.del(key);
        for (const resultCid of absent) batch.put(LEVEL_LAYOUT.resultKey(resultCid), generation.bytes.get(resultCid)!);
        for (const [callCid, record] of generation.records) {
          if (record === null) {
            batch.del(LEVEL_LAYOUT.callKey(callCid));
            batch.del(LEVEL_LAYOUT.usedKey(callCid));
          } else {
            batch.put(LEVEL_LAYOUT.callKey(callCid), encodeRecord(callCid, record));
          }
        }
        for (const [callCid, at] of generation.used) batch.put(LEVEL_LAYOUT.usedKey(callCid), encodeUsed(at));
      } catch (error) {
        await batch.close(); // an open batch would hold up db.close()
        throw error;
      }
      await batch.write(); // atomic; closes the batch, also when it fails
      landedWrites(storedRecords(generation));
    } catch (error) {
      this.#failures.push(error);
    } finally {
      this.#inflight = undefined;
    }
  }

  #throwFailures(): void {
    if (this.#failures.length === 0) return;
    const failures = this.#failures;
    const [first] = failures;
    const count = failures.length;
    this.#failures = [];
    const corrupt = failures.find((failure) => levelCode(failure) === 'LEVEL_CORRUPTION');
    if (corrupt) {
      throw new StoreCorruptError(
        this.location,
        `LevelDB found damage while writing (${(corrupt as Error).message}), so ${count > 1 ? `${count} batches` : 'a batch'} of results ` +
          `could not be cached. Run \`${repairCommand(this.location)}\` to rebuild the store from what can still be read.`,
        { cause: corrupt },
      );
    }
    throw new MemographError(
      'MEMOGRAPH_STORE_FAILED',
      `Could not write to cache directory ${this.location}` +
        `${count > 1 ? ` (${count} batches failed)` : ''}: ${(first as Error)?.message ?? String(first)}. ` +
        `The results of those batches were not cached; everything stored before is intact.`,
      { cause: first },
    );
  }

  /**
   * A damaged block reads as a miss (recomputed, then rewritten), with one warning per
   * store (a damaged block may hold thousands of records); other read errors surface.
   */
  #readFailure(error: unknown, what: string): undefined {
    if (levelCode(error) === 'LEVEL_CORRUPTION') {
      if (!this.#warnedDamage) {
        this.#warnedDamage = true;
        process.emitWarning(
          new StoreCorruptError(
            this.location,
            `LevelDB could not read ${what} (${(error as Error).message}); damaged entries are computed again. ` +
              `Run \`${repairCommand(this.location)}\` to rebuild the store from what can still be read.`,
            { cause: error },
          ),
        );
      }
      return undefined;
    }
    throw new MemographError(
      'MEMOGRAPH_STORE_FAILED',
      `Could not read ${what} from cache directory ${this.location}: ${(error as Error)?.message ?? String(error)}`,
      { cause: error },
    );
  }

  #assertOpen(): void {
    if (this.#closing) {
      throw new MemographError('MEMOGRAPH_STORE_FAILED', `The store at ${this.location} is closed`);
    }
  }
}

function emptyPending(): Pending {
  return { records: new Map(), bytes: new Map(), size: 0, used: new Map() };
}

/** Results a landed generation wrote (deletions are not results). */
function storedRecords(generation: Pending): number {
  let count = 0;
  // A record under a value key is another way to find a result stored beside it.
  for (const record of generation.records.values()) if (record !== null && !record.byValue) count++;
  return count;
}
