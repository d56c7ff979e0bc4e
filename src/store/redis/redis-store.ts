/**
 * A store in Redis (redis-keys.ts says which keys), for every process and machine that
 * reaches that Redis: one cache, and one futures table (redis-claims.ts), for them all.
 *
 * Writes are buffered and land in one MULTI per batch: each result's bytes (set only if
 * absent: bytes are named by their hash, so ones already there are the same or caught on
 * read) before its record, so no reader ever finds a record whose bytes are not there.
 * Results larger than `inlineLimit` go to `blobDir` when one is given (a directory every
 * machine shares), named by their CID and written before the record that needs them.
 * Bytes are checked against their CID on every read: a damaged value is a miss, and is
 * dropped so that the recompute can store it again.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { InvalidArgumentError, MemographError } from '../../errors.js';
import { bytesMatch, checkPut } from '../integrity.js';
import { ownBytes } from '../own-bytes.js';
import { decodeRecord, encodeRecord, ownRecord } from '../record-codec.js';
import type { StoreAdmin } from '../store-admin.js';
import type { Attachment, ResultRecord, Store } from '../store.js';
import { landedWrites } from '../landed-writes.js';
import { RedisClaimBoard } from './redis-claims.js';
import { DEFAULT_PREFIX, RedisKeys, STORE_MARK } from './redis-keys.js';
import { parseRedisUrl } from './redis-url.js';

export interface RedisStoreOptions {
  /** Where every key of this cache starts, so that one Redis can hold several (default `memograph:`). */
  readonly prefix?: string;
  /** A directory every machine shares (NFS, a mounted volume) for results larger than `inlineLimit`. Without it, all results are kept in Redis. */
  readonly blobDir?: string;
  /** Results up to this many bytes are kept in Redis itself (default 512 KiB). */
  readonly inlineLimit?: number;
  /**
   * Use a Redis on another machine without a password. Refused by default: whoever can
   * write to it could plant results that runs would take as theirs.
   */
  readonly insecure?: boolean;
}

export const DEFAULT_INLINE_LIMIT = 512 * 1024;
/** A batch this large is written at once rather than on the next turn. */
const BATCH_LIMIT = 512;

export class RedisStore implements Store, StoreAdmin {
  readonly location: string;
  readonly claims: RedisClaimBoard;
  readonly #redis: Redis;
  readonly #keys: RedisKeys;
  readonly #blobDir: string | undefined;
  readonly #inlineLimit: number;
  // Writes not yet sent, and all not yet landed (sent ones included), which reads see.
  #unsentRecords = new Map<string, ResultRecord>();
  #unsentBytes = new Map<string, Uint8Array>();
  readonly #unlandedRecords = new Map<string, ResultRecord>();
  readonly #unlandedBytes = new Map<string, Uint8Array>();
  #used = new Map<string, number>();
  #scheduled: NodeJS.Timeout | undefined;
  #landing: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(redis: Redis, location: string, options: RedisStoreOptions) {
    this.#redis = redis;
    this.location = location;
    this.#keys = new RedisKeys(options.prefix ?? DEFAULT_PREFIX);
    this.#blobDir = options.blobDir;
    this.#inlineLimit = options.inlineLimit ?? DEFAULT_INLINE_LIMIT;
    this.claims = new RedisClaimBoard(redis, this.#keys, () => this.flush());
  }

  /** Connect to the Redis at `url` and check that its keys under the prefix are a memograph store's. */
  static async open(url: string, options: RedisStoreOptions = {}): Promise<RedisStore> {
    const address = parseRedisUrl(url);
    if (!address.local && !address.authenticated && !options.insecure) {
      throw new InvalidArgumentError(
        `Refusing the Redis at ${address.shown}: it is not on this machine and the URL gives no password, so anyone who reaches it could store results ` +
          `that runs here would take as their own. Give a password (redis://:password@host:port, with requirepass or an ACL user on the server, ` +
          `and rediss:// for TLS), or pass { insecure: true } where the network is trusted`,
      );
    }
    const redis = new Redis(address.options);
    // Errors reach the commands that meet them; unhandled, ioredis would also print each retry.
    redis.on('error', () => undefined);
    try {
      await redis.connect();
    } catch (error) {
      redis.disconnect();
      throw new MemographError('MEMOGRAPH_STORE_FAILED', `Cannot reach the Redis at ${address.shown}: ${(error as Error).message}`, { cause: error });
    }
    const store = new RedisStore(redis, `${address.shown}${options.prefix && options.prefix !== DEFAULT_PREFIX ? ` (prefix ${options.prefix})` : ''}`, options);
    if (options.blobDir) mkdirSync(options.blobDir, { recursive: true });
    await store.#checkMark();
    return store;
  }

  async #checkMark(): Promise<void> {
    const keys = this.#keys;
    const mark = await this.#redis.get(keys.mark);
    if (mark === STORE_MARK) return;
    if (mark !== null) {
      await this.#redis.quit().catch(() => undefined);
      throw new MemographError('MEMOGRAPH_STORE_FAILED', `${this.location}: the keys under ${keys.prefix} belong to something else (${keys.mark} is \`${mark.slice(0, 60)}\`, not \`${STORE_MARK}\`); give another prefix`);
    }
    let found: string[] = [];
    for await (const page of this.#scan(`${keys.prefix}*`)) if ((found = page).length > 0) break;
    // Another process opening the same fresh prefix may have set the mark since it was read.
    if (found.length > 0 && (await this.#redis.get(keys.mark)) !== STORE_MARK) {
      await this.#redis.quit().catch(() => undefined);
      throw new MemographError('MEMOGRAPH_STORE_FAILED', `${this.location}: there are keys under ${keys.prefix} (${found[0]}, …) but no ${keys.mark}: they are not a memograph store's, and memograph leaves them alone; give another prefix`);
    }
    if ((await this.#redis.set(keys.mark, STORE_MARK, 'NX')) === null && (await this.#redis.get(keys.mark)) !== STORE_MARK) {
      await this.#redis.quit().catch(() => undefined);
      throw new MemographError('MEMOGRAPH_STORE_FAILED', `${this.location}: ${keys.mark} was set by something else while this store opened; give another prefix`);
    }
  }

  async getRecords(callCids: readonly string[]): Promise<(ResultRecord | undefined)[]> {
    this.#assertOpen();
    const answers = callCids.map((cid) => this.#unlandedRecords.get(cid));
    const asked = callCids.flatMap((cid, i) => (answers[i] === undefined ? [i] : []));
    if (asked.length === 0) return answers;
    const stored = await this.#command(() => this.#redis.mgetBuffer(...asked.map((i) => this.#keys.record(callCids[i]!))));
    asked.forEach((at, j) => {
      const bytes = stored[j];
      answers[at] = bytes ? decodeRecord(callCids[at]!, bytes) : undefined;
    });
    return answers;
  }

  async getBytes(resultCid: string): Promise<Uint8Array | undefined> {
    this.#assertOpen();
    const pending = this.#unlandedBytes.get(resultCid);
    if (pending !== undefined) {
      if (bytesMatch(resultCid, pending)) return ownBytes(pending);
      this.#unlandedBytes.delete(resultCid);
      this.#unsentBytes.delete(resultCid);
      return undefined;
    }
    const key = this.#keys.bytes(resultCid);
    const bytes: Uint8Array | undefined = (await this.#command(() => this.#redis.getBuffer(key))) ?? this.#readBlob(resultCid);
    if (bytes === undefined) return undefined;
    if (bytesMatch(resultCid, bytes)) return new Uint8Array(bytes);
    // Drop exactly what was read, so that a recompute can store good bytes.
    await this.#command(() => this.#redis.eval(DELETE_IF_SAME, 1, key, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))).catch(() => undefined);
    if (this.#blobDir) rmSync(this.#blobPath(resultCid), { force: true });
    return undefined;
  }

  putResult(callCid: string, record: ResultRecord, bytes: Uint8Array, attachments: readonly Attachment[] = []): void {
    this.#assertOpen();
    checkPut(callCid, record, bytes);
    for (const { cid, bytes: given } of [{ cid: record.resultCid, bytes }, ...attachments]) {
      if (this.#unlandedBytes.has(cid)) continue;
      const own = ownBytes(given);
      this.#unlandedBytes.set(cid, own);
      this.#unsentBytes.set(cid, own);
    }
    const own = ownRecord(record);
    this.#unlandedRecords.set(callCid, own);
    this.#unsentRecords.set(callCid, own);
    if (this.#unsentRecords.size >= BATCH_LIMIT) void this.flush().catch(() => undefined);
    else this.#scheduled ??= setTimeout(() => void this.flush().catch(() => undefined), 1);
  }

  markUsed(callCid: string, at = Date.now()): void {
    if (this.#closed) return;
    this.#used.set(callCid, at);
    this.#scheduled ??= setTimeout(() => void this.flush().catch(() => undefined), 1);
  }

  async deleteRecord(callCid: string): Promise<void> {
    this.#assertOpen();
    this.#unsentRecords.delete(callCid);
    this.#unlandedRecords.delete(callCid);
    await this.#landing.catch(() => undefined);
    await this.#command(() => this.#redis.del(this.#keys.record(callCid)));
  }

  flush(): Promise<void> {
    if (this.#closed) return this.#landing;
    clearTimeout(this.#scheduled);
    this.#scheduled = undefined;
    const records = this.#unsentRecords;
    const bytes = this.#unsentBytes;
    const used = this.#used;
    if (records.size > 0 || bytes.size > 0 || used.size > 0) {
      this.#unsentRecords = new Map();
      this.#unsentBytes = new Map();
      this.#used = new Map();
      this.#landing = this.#landing
        .catch(() => undefined) // an earlier batch's failure was its own flush's to report
        .then(() => this.#write(records, bytes, used))
        .then(
          () => {
            // Landed: read from Redis from now on, unless written again meanwhile.
            for (const [cid, record] of records) if (this.#unlandedRecords.get(cid) === record) this.#unlandedRecords.delete(cid);
            for (const [cid, held] of bytes) if (this.#unlandedBytes.get(cid) === held) this.#unlandedBytes.delete(cid);
          },
          (error: unknown) => {
            // Not landed: still read here, and sent again with the next batch.
            for (const [cid, record] of records) if (this.#unlandedRecords.get(cid) === record && !this.#unsentRecords.has(cid)) this.#unsentRecords.set(cid, record);
            for (const [cid, held] of bytes) if (this.#unlandedBytes.get(cid) === held) this.#unsentBytes.set(cid, held);
            throw error;
          },
        );
    }
    return this.#landing;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.flush();
    } finally {
      this.#closed = true;
      await this.claims.close();
      await this.#redis.quit().catch(() => this.#redis.disconnect());
    }
  }

  async #write(records: Map<string, ResultRecord>, bytes: Map<string, Uint8Array>, used: Map<string, number>): Promise<void> {
    const multi = this.#redis.multi();
    for (const [cid, value] of bytes) {
      if (this.#blobDir && value.byteLength > this.#inlineLimit) this.#writeBlob(cid, value);
      else multi.set(this.#keys.bytes(cid), Buffer.from(value.buffer, value.byteOffset, value.byteLength), 'NX');
    }
    for (const [callCid, record] of records) multi.set(this.#keys.record(callCid), Buffer.from(encodeRecord(callCid, record)));
    for (const [callCid, at] of used) multi.zadd(this.#keys.used, at, callCid);
    const replies = await this.#command(() => multi.exec());
    const failed = replies?.find(([error]) => error);
    if (replies === null || failed) throw new MemographError('MEMOGRAPH_STORE_FAILED', `The Redis store at ${this.location} refused a write: ${failed?.[0]?.message ?? 'the transaction was discarded'}`);
    if (records.size > 0) landedWrites(records.size);
  }

  // ---- large results in the shared directory ---------------------------------------

  #blobPath(cid: string): string {
    return join(this.#blobDir!, cid.slice(-2), cid);
  }

  #writeBlob(cid: string, bytes: Uint8Array): void {
    const path = this.#blobPath(cid);
    try {
      if (statSync(path).size === bytes.byteLength) return;
    } catch {
      // not there yet
    }
    mkdirSync(join(this.#blobDir!, cid.slice(-2)), { recursive: true });
    // Written aside and renamed: a reader on another machine never sees half a file.
    const aside = `${path}.${process.pid}.${Date.now()}.partial`;
    writeFileSync(aside, bytes);
    renameSync(aside, path);
  }

  #readBlob(cid: string): Uint8Array | undefined {
    if (!this.#blobDir) return undefined;
    try {
      return readFileSync(this.#blobPath(cid));
    } catch {
      return undefined;
    }
  }

  #blobs(): [cid: string, size: number][] {
    if (!this.#blobDir) return [];
    const found: [string, number][] = [];
    for (const shard of readdirSync(this.#blobDir)) {
      if (!/^[a-z2-7]{2}$/.test(shard)) continue;
      for (const name of readdirSync(join(this.#blobDir, shard))) {
        if (name.endsWith('.partial') || !name.startsWith('baf')) continue;
        found.push([name, statSync(join(this.#blobDir, shard, name)).size]);
      }
    }
    return found;
  }

  // ---- what the cache commands ask (StoreAdmin) --------------------------------------

  async *records(onUnreadable?: (callCid: string) => void): AsyncIterable<[callCid: string, record: ResultRecord]> {
    await this.flush();
    const skip = this.#keys.record('').length;
    for await (const keys of this.#scan(this.#keys.records)) {
      if (keys.length === 0) continue;
      const values = await this.#command(() => this.#redis.mgetBuffer(...keys));
      for (let i = 0; i < keys.length; i++) {
        const cid = keys[i]!.slice(skip);
        const record = values[i] ? decodeRecord(cid, values[i]!) : undefined;
        if (record) yield [cid, record];
        else if (values[i]) onUnreadable?.(cid);
      }
    }
  }

  async lastUsed(): Promise<Map<string, number>> {
    await this.flush();
    const flat = await this.#command(() => this.#redis.zrange(this.#keys.used, 0, -1, 'WITHSCORES'));
    const used = new Map<string, number>();
    for (let i = 0; i < flat.length; i += 2) used.set(flat[i]!, Number(flat[i + 1]));
    return used;
  }

  async storedSizes(): Promise<Map<string, number>> {
    await this.flush();
    const sizes = new Map<string, number>(this.#blobs());
    const skip = this.#keys.bytes('').length;
    for await (const keys of this.#scan(this.#keys.allBytes)) {
      const pipeline = this.#redis.pipeline();
      for (const key of keys) pipeline.strlen(key);
      const lengths = (await this.#command(() => pipeline.exec())) ?? [];
      keys.forEach((key, i) => sizes.set(key.slice(skip), Number(lengths[i]?.[1] ?? 0)));
    }
    return sizes;
  }

  async storedBytes(): Promise<{ count: number; bytes: number }> {
    let count = 0;
    let bytes = 0;
    for (const size of (await this.storedSizes()).values()) {
      count++;
      bytes += size;
    }
    return { count, bytes };
  }

  async dropUnreferencedBytes(): Promise<number> {
    const referenced = new Set<string>();
    for await (const [, record] of this.records()) {
      referenced.add(record.resultCid);
      for (const cid of Object.values(record.outputs ?? {})) referenced.add(cid);
      if (record.lineage) referenced.add(record.lineage.identity);
    }
    let freed = 0;
    for (const [cid, size] of await this.storedSizes()) {
      if (referenced.has(cid)) continue;
      freed += size;
      await this.#command(() => this.#redis.del(this.#keys.bytes(cid)));
      if (this.#blobDir) rmSync(this.#blobPath(cid), { force: true });
    }
    return freed;
  }

  async checkBytes(cid: string): Promise<'ok' | 'missing' | 'corrupt'> {
    await this.flush();
    const bytes = (await this.#command(() => this.#redis.getBuffer(this.#keys.bytes(cid)))) ?? this.#readBlob(cid);
    if (bytes === undefined || bytes === null) return 'missing';
    return bytesMatch(cid, bytes) ? 'ok' : 'corrupt';
  }

  async clearEntries(): Promise<number> {
    await this.flush();
    let entries = 0;
    for await (const _entry of this.records()) entries++;
    for (const pattern of [this.#keys.records, this.#keys.allBytes]) {
      for await (const keys of this.#scan(pattern)) if (keys.length > 0) await this.#command(() => this.#redis.unlink(...keys));
    }
    await this.#command(() => this.#redis.del(this.#keys.used));
    for (const [cid] of this.#blobs()) rmSync(this.#blobPath(cid), { force: true });
    return entries;
  }

  async *#scan(pattern: string): AsyncIterable<string[]> {
    let cursor = '0';
    do {
      const [next, keys] = await this.#command(() => this.#redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000));
      cursor = next;
      yield keys;
    } while (cursor !== '0');
  }

  /** A Redis command, its failure said as the store's. */
  async #command<T>(send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw new MemographError('MEMOGRAPH_STORE_FAILED', `The Redis store at ${this.location} failed: ${(error as Error).message}`, { cause: error });
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new MemographError('MEMOGRAPH_STORE_FAILED', `The Redis store at ${this.location} is closed`);
  }
}

const DELETE_IF_SAME = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
