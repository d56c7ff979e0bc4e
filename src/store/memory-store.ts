/**
 * A store that lives and dies with the process: for runs that must not touch the disk and
 * for tests. Same semantics as the LevelDB store (see store.ts), with writes that are
 * durable as soon as they are made, so `flush()` has nothing to do.
 */
import { MemographError } from '../errors.js';
import { bytesMatch, checkPut } from './integrity.js';
import { ownBytes } from './own-bytes.js';
import { ownRecord } from './record-codec.js';
import type { Attachment, ResultRecord, Store } from './store.js';

export class MemoryStore implements Store {
  readonly location = 'memory:';
  readonly #records = new Map<string, ResultRecord>();
  readonly #bytes = new Map<string, Uint8Array>();
  #closed = false;

  getRecordSync(callCid: string): ResultRecord | undefined {
    this.#assertOpen();
    return this.#records.get(callCid);
  }

  async getRecords(callCids: readonly string[]): Promise<(ResultRecord | undefined)[]> {
    this.#assertOpen();
    return callCids.map((callCid) => this.#records.get(callCid));
  }

  async getBytes(resultCid: string): Promise<Uint8Array | undefined> {
    this.#assertOpen();
    const bytes = this.#bytes.get(resultCid);
    if (bytes === undefined) return undefined;
    if (bytesMatch(resultCid, bytes)) return ownBytes(bytes);
    this.#bytes.delete(resultCid); // so the recompute stores correct bytes
    return undefined;
  }

  putResult(callCid: string, record: ResultRecord, bytes: Uint8Array, attachments: readonly Attachment[] = []): void {
    this.#assertOpen();
    checkPut(callCid, record, bytes);
    this.#records.set(callCid, ownRecord(record));
    // Bytes are named by their hash: ones already held are identical (or caught on read).
    for (const { cid, bytes: held } of [{ cid: record.resultCid, bytes }, ...attachments]) {
      if (!this.#bytes.has(cid)) this.#bytes.set(cid, ownBytes(held));
    }
  }

  async deleteRecord(callCid: string): Promise<void> {
    this.#assertOpen();
    this.#records.delete(callCid);
  }

  async flush(): Promise<void> {
    this.#assertOpen();
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #assertOpen(): void {
    if (this.#closed) throw new MemographError('MEMOGRAPH_STORE_FAILED', 'The memory store is closed');
  }
}
