/**
 * A follower's view of a shared cache: the Store, claim board and admin requests of
 * its leader, over the leader's unix socket (protocol in store-server.ts).
 *
 * Requests made in one synchronous stretch travel in one frame. Puts are visible to
 * this process at once (served from `unacknowledged` until the leader has them), and
 * when the leader is lost everything it had not acknowledged, and the claims this
 * process holds, are handed to whoever takes over (shared-store.ts), so nothing this
 * process computed is lost with its leader.
 */
import { connect, type Socket } from 'node:net';
import { MemographError } from '../../errors.js';
import { describeHolder, type ClaimAnswer, type ClaimBoard, type Holder } from '../claims.js';
import { decodeRecord, encodeRecord, ownRecord } from '../record-codec.js';
import type { StoreAdmin } from '../store-admin.js';
import type { Attachment, ResultRecord, Store } from '../store.js';
import { bytesMatch, checkPut } from '../integrity.js';
import { ownBytes } from '../own-bytes.js';
import { readFrames, writeFrame } from './frames.js';
import { SettleWaits } from './settle-waits.js';

/** A put the leader has not acknowledged yet. */
export interface UnacknowledgedPut {
  readonly callCid: string;
  readonly record: ResultRecord;
  readonly bytes: Uint8Array;
  readonly attachments: readonly Attachment[];
}

/** The leader went away while a request was out: ask whoever leads next. */
export class LeaderLostError extends MemographError {
  constructor(location: string) {
    super('MEMOGRAPH_STORE_FAILED', `The process serving the cache at ${location} went away`);
  }
}

/** A leader that has not answered for this long is named in a warning (once per client). */
const SLOW_ANSWER_MS = 2000;

interface Waiting {
  readonly sentAt: number;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export class StoreClient implements Store, StoreAdmin, ClaimBoard {
  readonly location: string;
  /** The leader this client talks to. */
  readonly leader: Holder;
  readonly #socket: Socket;
  readonly #waiting = new Map<number, Waiting>();
  #nextId = 1;
  #outbox: unknown[] = [];
  /** call CID → put not yet acknowledged; result CID → its bytes. */
  readonly #unacknowledged = new Map<string, UnacknowledgedPut>();
  readonly #unacknowledgedBytes = new Map<string, Uint8Array>();
  /** Claims this process holds at the leader. */
  readonly #held = new Set<string>();
  /** call CID → the wait for another process to release it. */
  readonly #settled = new SettleWaits();
  #lost = false;
  #onLost: (() => void) | undefined;
  readonly #acks = new Set<Promise<unknown>>();
  #slowCheck: NodeJS.Timeout | undefined;
  #saidSlow = false;

  private constructor(socket: Socket, location: string, leader: Holder) {
    this.#socket = socket;
    this.location = location;
    this.leader = leader;
    readFrames(
      socket,
      (message) => this.#receive(message as unknown[][]),
      () => socket.destroy(),
    );
    socket.on('close', () => this.#lose());
    socket.on('error', () => {
      // 'close' follows.
    });
  }

  /** Connect to the leader listening on `path`; rejects if nobody answers there. */
  static async connect(path: string, location: string, leader: Holder, me: Holder): Promise<StoreClient> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const socket = connect(path);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(socket);
      });
      socket.once('error', reject);
    });
    const client = new StoreClient(socket, location, leader);
    await client.#request('hello', me);
    return client;
  }

  /** Called once, when the leader is lost (not when this client is closed). */
  set onLost(callback: () => void) {
    this.#onLost = callback;
  }

  get lost(): boolean {
    return this.#lost;
  }

  // ---- Store ---------------------------------------------------------------

  async getRecords(callCids: readonly string[]): Promise<(ResultRecord | undefined)[]> {
    const results = new Array<ResultRecord | undefined>(callCids.length);
    const asked: number[] = [];
    callCids.forEach((cid, i) => {
      const put = this.#unacknowledged.get(cid);
      if (put) results[i] = put.record;
      else asked.push(i);
    });
    if (asked.length === 0) return results;
    const raws = (await this.#request('records', asked.map((i) => callCids[i]!))) as (Uint8Array | null)[];
    asked.forEach((index, j) => {
      const raw = raws[j];
      results[index] = raw ? decodeRecord(callCids[index]!, raw) : undefined;
    });
    return results;
  }

  async getBytes(resultCid: string): Promise<Uint8Array | undefined> {
    const buffered = this.#unacknowledgedBytes.get(resultCid);
    if (buffered) return bytesMatch(resultCid, buffered) ? ownBytes(buffered) : undefined;
    const bytes = (await this.#request('bytes', resultCid)) as Uint8Array | null;
    // The leader verified them; they arrive as a Buffer, and leave as the plain bytes every store gives.
    return bytes ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : undefined;
  }

  putResult(callCid: string, record: ResultRecord, bytes: Uint8Array, attachments: readonly Attachment[] = []): void {
    checkPut(callCid, record, bytes);
    const put: UnacknowledgedPut = { callCid, record: ownRecord(record), bytes: ownBytes(bytes), attachments };
    this.#unacknowledged.set(callCid, put);
    this.#unacknowledgedBytes.set(record.resultCid, put.bytes);
    const ack = this.#request(
      'put',
      callCid,
      encodeRecord(callCid, put.record),
      put.bytes,
      attachments.map(({ cid, bytes: held }) => [cid, held]),
    ).then(() => {
      if (this.#unacknowledged.get(callCid) === put) this.#unacknowledged.delete(callCid);
      if (this.#unacknowledgedBytes.get(record.resultCid) === put.bytes) this.#unacknowledgedBytes.delete(record.resultCid);
    });
    this.#track(ack);
  }

  markUsed(callCid: string, at = Date.now()): void {
    this.#notify('used', callCid, at);
  }

  async deleteRecord(callCid: string): Promise<void> {
    this.#unacknowledged.delete(callCid);
    await this.#request('delete', callCid);
  }

  async flush(): Promise<void> {
    await Promise.all([...this.#acks]);
    await this.#request('flush');
  }

  async close(): Promise<void> {
    if (!this.#lost) {
      try {
        await this.flush();
      } finally {
        this.#onLost = undefined;
        this.#socket.end();
      }
    }
  }

  // ---- claims --------------------------------------------------------------

  get claims(): ClaimBoard {
    return this;
  }

  /** `again`: claims this process held at a lost leader (see ClaimTable#settle). */
  async claim(callCids: readonly string[], again = false): Promise<ClaimAnswer[]> {
    const answers = (await this.#request('claim', callCids, again)) as [number, ...unknown[]][];
    return answers.map(([kind, a, b], i): ClaimAnswer => {
      const cid = callCids[i]!;
      if (kind === 0) {
        this.#held.add(cid);
        return { kind: 'mine' };
      }
      if (kind === 1) {
        const record = decodeRecord(cid, a as Uint8Array);
        // A record that does not decode is no result: wait for nothing, look again.
        if (record) return { kind: 'stored', record };
        return { kind: 'held', holder: this.leader, settled: Promise.resolve() };
      }
      return { kind: 'held', holder: { pid: a as number, command: b as string }, settled: this.#settled.for(cid) };
    });
  }

  release(callCids: readonly string[]): void {
    const held = callCids.filter((cid) => this.#held.delete(cid));
    if (held.length > 0) this.#notify('release', held);
  }

  // ---- admin ---------------------------------------------------------------

  async *records(onUnreadable?: (callCid: string) => void): AsyncGenerator<[string, ResultRecord]> {
    await this.flush();
    const [rows, unreadable] = (await this.#request('allRecords')) as [[string, Uint8Array][], string[]];
    const lost = [...unreadable];
    for (const [cid, raw] of rows) {
      const record = decodeRecord(cid, raw);
      if (record) yield [cid, record];
      else lost.push(cid);
    }
    if (onUnreadable) for (const cid of lost) onUnreadable(cid);
    else if (lost.length > 0) {
      process.emitWarning(`memograph: ${lost.length} records in the cache at ${this.location} cannot be read; \`memograph cache verify\` lists them`);
    }
  }

  async lastUsed(): Promise<Map<string, number>> {
    await this.flush();
    return new Map((await this.#request('lastUsed')) as [string, number][]);
  }

  async storedSizes(): Promise<Map<string, number>> {
    await this.flush();
    return new Map((await this.#request('storedSizes')) as [string, number][]);
  }

  async dropUnreferencedBytes(): Promise<number> {
    await this.flush();
    return (await this.#request('dropUnreferenced')) as number;
  }

  async checkBytes(cid: string): Promise<'ok' | 'missing' | 'corrupt'> {
    await this.flush();
    return (await this.#request('checkBytes', cid)) as 'ok' | 'missing' | 'corrupt';
  }

  async storedBytes(): Promise<{ count: number; bytes: number }> {
    await this.flush();
    return (await this.#request('storedBytes')) as { count: number; bytes: number };
  }

  async clearEntries(): Promise<number> {
    await this.flush();
    return (await this.#request('clearEntries')) as number;
  }

  // ---- hand-over -----------------------------------------------------------

  /** What the next leader must be given: puts it may not have, claims this process holds. */
  handOver(): { puts: UnacknowledgedPut[]; held: string[] } {
    const handed = { puts: [...this.#unacknowledged.values()], held: [...this.#held] };
    this.#unacknowledged.clear();
    this.#unacknowledgedBytes.clear();
    this.#held.clear();
    return handed;
  }

  // ---- wire ----------------------------------------------------------------

  #track(ack: Promise<unknown>): void {
    const settled = ack.catch(() => undefined);
    this.#acks.add(settled);
    void settled.then(() => this.#acks.delete(settled));
  }

  #request(op: string, ...args: unknown[]): Promise<unknown> {
    if (this.#lost) return Promise.reject(new LeaderLostError(this.location));
    const id = this.#nextId++;
    const answer = new Promise<unknown>((resolve, reject) => this.#waiting.set(id, { sentAt: Date.now(), resolve, reject }));
    this.#send([id, op, ...args]);
    if (this.#slowCheck === undefined && !this.#saidSlow) {
      this.#slowCheck = setInterval(() => this.#checkSlow(), SLOW_ANSWER_MS / 2);
      this.#slowCheck.unref();
    }
    return answer;
  }

  /** A leader busy on its main thread answers late: say whom this process waits for. */
  #checkSlow(): void {
    const oldest = this.#waiting.values().next().value as Waiting | undefined;
    if (oldest === undefined || this.#lost) {
      clearInterval(this.#slowCheck);
      this.#slowCheck = undefined;
      return;
    }
    if (Date.now() - oldest.sentAt < SLOW_ANSWER_MS) return;
    this.#saidSlow = true;
    clearInterval(this.#slowCheck);
    this.#slowCheck = undefined;
    process.emitWarning(
      `memograph: waiting for ${describeHolder(this.leader)}, which serves the cache at ${this.location}, to answer ` +
        `(it has not for ${Math.round((Date.now() - oldest.sentAt) / 1000)} s; it may be busy on its main thread)`,
    );
  }

  #notify(op: string, ...args: unknown[]): void {
    if (!this.#lost) this.#send([0, op, ...args]);
  }

  #send(request: unknown[]): void {
    this.#outbox.push(request);
    if (this.#outbox.length === 1) {
      queueMicrotask(() => {
        const batch = this.#outbox;
        this.#outbox = [];
        if (!this.#lost) writeFrame(this.#socket, batch);
      });
    }
  }

  #receive(messages: unknown[][]): void {
    for (const [id, status, value] of messages) {
      if (id === 0) {
        if (status === 'settled') for (const cid of value as string[]) this.#settled.wake(cid);
        continue;
      }
      const waiting = this.#waiting.get(id as number);
      if (!waiting) continue;
      this.#waiting.delete(id as number);
      if (status === 0) waiting.resolve(value);
      else waiting.reject(new MemographError('MEMOGRAPH_STORE_FAILED', `The cache's leader process reported: ${String(value)}`));
    }
  }

  #lose(): void {
    if (this.#lost) return;
    this.#lost = true;
    clearInterval(this.#slowCheck);
    const error = new LeaderLostError(this.location);
    for (const waiting of this.#waiting.values()) waiting.reject(error);
    this.#waiting.clear();
    // Whoever waited on a claim looks again, at the next leader (which lets the holders
    // claim theirs again first: ClaimTable#settle).
    this.#settled.wakeAll();
    const onLost = this.#onLost;
    this.#onLost = undefined;
    onLost?.();
  }
}
