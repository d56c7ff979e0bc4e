/**
 * A cache directory shared by every process that uses it. One process leads (holds the
 * LevelDB, see leader.ts); the others follow it (store-client.ts). This object hides which
 * it is: it is a Store, an admin store and a claim board either way, and it survives the
 * loss of its leader: when the connection breaks it elects again (perhaps itself), gives
 * the next leader the puts and claims the old one may not have had, and retries the
 * requests that were out. Requests are idempotent (a put of a stored call changes
 * nothing), so a retry is always safe.
 */
import { resolve } from 'node:path';
import { InvalidArgumentError, MemographError } from '../../errors.js';
import { thisProcess, type ClaimAnswer, type ClaimBoard, type Holder } from '../claims.js';
import type { StoreAdmin } from '../store-admin.js';
import type { Attachment, ResultRecord, Store } from '../store.js';
import { elect } from './election.js';
import { Leader } from './leader.js';
import { LeaderLostError, type StoreClient, type UnacknowledgedPut } from './store-client.js';

export interface SharedStoreOptions {
  /**
   * How long to wait for a cache whose lock another process holds without serving it
   * (a `cache repair`, or a process that is not memograph's).
   * @default 10000
   */
  lockTimeoutMs?: number;
}

type Role = Leader | StoreClient;
type Backend = Store & StoreAdmin;

export class SharedStore implements Store, StoreAdmin, ClaimBoard {
  readonly location: string;
  readonly #me: Holder = thisProcess();
  readonly #timeoutMs: number;
  #role: Role | undefined;
  #electing: Promise<Role> | undefined;
  /** Puts made while no leader was known, for the next one. */
  #deferred: UnacknowledgedPut[] = [];
  /** Claims this process held at a lost leader, to be claimed again at the next. */
  #reclaim = new Set<string>();
  /** The leader's synchronous lookup, while this process leads. */
  #readSync: ((callCid: string) => ResultRecord | undefined) | undefined;
  #closing: Promise<void> | undefined;

  private constructor(location: string, timeoutMs: number) {
    this.location = location;
    this.#timeoutMs = timeoutMs;
  }

  static async open(directory: string, options: SharedStoreOptions = {}): Promise<SharedStore> {
    const timeoutMs = options.lockTimeoutMs ?? 10_000;
    if (!(timeoutMs >= 0)) {
      throw new InvalidArgumentError(`Expected \`lockTimeoutMs\` to be a number from 0 and up, got \`${String(timeoutMs)}\``);
    }
    const shared = new SharedStore(resolve(directory), timeoutMs);
    shared.#adopt(await elect(shared.location, shared.#me, timeoutMs));
    return shared;
  }

  /** Who serves the cache right now (this process, when it leads). */
  get leader(): Holder | undefined {
    const role = this.#role;
    return role instanceof Leader ? role.holder : role?.leader;
  }

  get leads(): boolean {
    return this.#role instanceof Leader;
  }

  /** How many other processes this one serves (0 when it follows). */
  get followers(): number {
    const role = this.#role;
    return role instanceof Leader ? role.followers : 0;
  }

  /** Present only while this process leads: a follower's lookups are requests. */
  get getRecordSync(): ((callCid: string) => ResultRecord | undefined) | undefined {
    return this.#readSync;
  }

  get claims(): ClaimBoard {
    return this;
  }

  // ---- Store ---------------------------------------------------------------

  getRecords(callCids: readonly string[]): Promise<(ResultRecord | undefined)[]> {
    return this.#use((backend) => backend.getRecords(callCids));
  }

  getBytes(resultCid: string): Promise<Uint8Array | undefined> {
    return this.#use((backend) => backend.getBytes(resultCid));
  }

  putResult(callCid: string, record: ResultRecord, bytes: Uint8Array, attachments: readonly Attachment[] = []): void {
    this.#assertOpen();
    const role = this.#role;
    if (role) backendOf(role).putResult(callCid, record, bytes, attachments);
    else this.#deferred.push({ callCid, record, bytes, attachments });
  }

  markUsed(callCid: string, at?: number): void {
    const role = this.#role;
    // A use time missed while electing only makes eviction a little less exact.
    if (role) backendOf(role).markUsed?.(callCid, at);
  }

  deleteRecord(callCid: string): Promise<void> {
    return this.#use((backend) => backend.deleteRecord(callCid));
  }

  flush(): Promise<void> {
    return this.#use((backend) => backend.flush());
  }

  /**
   * Flush and let go. A leader lost while this process flushes (several processes end
   * together) is no reason to fail: what it had not acknowledged goes to the next leader,
   * which may be this process, and is flushed there.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (;;) {
        const role = this.#role ?? (await this.#electing?.catch(() => undefined));
        if (role === undefined) return;
        try {
          await role.close();
        } catch (error) {
          if (error instanceof LeaderLostError) continue;
          throw error;
        } finally {
          if (this.#role === role) {
            this.#role = undefined;
            this.#readSync = undefined;
          }
        }
        return;
      }
    })();
    return this.#closing;
  }

  // ---- claims --------------------------------------------------------------

  claim(callCids: readonly string[]): ClaimAnswer[] | Promise<ClaimAnswer[]> {
    const role = this.#role;
    if (role instanceof Leader) return role.claim(callCids);
    return this.#retry(async (next) => next.claim(callCids));
  }

  release(callCids: readonly string[]): void {
    const role = this.#role;
    if (role) role.release(callCids);
    else for (const cid of callCids) this.#reclaim.delete(cid);
  }

  // ---- admin ---------------------------------------------------------------

  async *records(onUnreadable?: (callCid: string) => void): AsyncGenerator<[string, ResultRecord]> {
    // Collected first: a listing cut by the loss of the leader starts again at the next one.
    const { rows, unreadable } = await this.#use(async (backend) => {
      const all: [string, ResultRecord][] = [];
      const lost: string[] = [];
      for await (const row of backend.records(onUnreadable && ((cid) => lost.push(cid)))) all.push(row);
      return { rows: all, unreadable: lost };
    });
    for (const cid of unreadable) onUnreadable?.(cid);
    yield* rows;
  }

  lastUsed(): Promise<Map<string, number>> {
    return this.#use((backend) => backend.lastUsed());
  }

  storedSizes(): Promise<Map<string, number>> {
    return this.#use((backend) => backend.storedSizes());
  }

  dropUnreferencedBytes(): Promise<number> {
    return this.#use((backend) => backend.dropUnreferencedBytes());
  }

  checkBytes(cid: string): Promise<'ok' | 'missing' | 'corrupt'> {
    return this.#use((backend) => backend.checkBytes(cid));
  }

  storedBytes(): Promise<{ count: number; bytes: number }> {
    return this.#use((backend) => backend.storedBytes());
  }

  clearEntries(): Promise<number> {
    return this.#use((backend) => backend.clearEntries());
  }

  // ---- roles ---------------------------------------------------------------

  #use<T>(work: (backend: Backend) => Promise<T>): Promise<T> {
    return this.#retry((role) => work(backendOf(role)));
  }

  /** Run `work` on the current role; if the leader is lost meanwhile, on the next one. */
  async #retry<T>(work: (role: Role) => Promise<T>): Promise<T> {
    for (;;) {
      this.#assertOpen();
      const role = this.#role ?? (await this.#electing!);
      try {
        return await work(role);
      } catch (error) {
        if (!(error instanceof LeaderLostError)) throw error;
        await this.#electing;
      }
    }
  }

  #adopt(role: Role): void {
    this.#role = role;
    if (role instanceof Leader) {
      const store = role.store;
      this.#readSync = (callCid) => store.getRecordSync(callCid);
    } else {
      this.#readSync = undefined;
      role.onLost = () => this.#leaderLost(role);
    }
  }

  #leaderLost(lost: StoreClient): void {
    if (this.#role !== lost) return;
    this.#role = undefined;
    const { puts, held } = lost.handOver();
    this.#deferred.push(...puts);
    for (const cid of held) this.#reclaim.add(cid);
    this.#electing = elect(this.location, this.#me, this.#timeoutMs, true).then(
      async (next) => {
        // Also while closing: the puts handed over are flushed there before this process lets go.
        this.#adopt(next);
        this.#electing = undefined;
        const backend = backendOf(next);
        const deferred = this.#deferred;
        this.#deferred = [];
        for (const put of deferred) backend.putResult(put.callCid, put.record, put.bytes, put.attachments);
        const reclaim = [...this.#reclaim];
        this.#reclaim.clear();
        // Lost again meanwhile: the next election hands them on.
        if (reclaim.length > 0) await Promise.resolve(next.claim(reclaim, true)).catch(() => undefined);
        return next;
      },
      (error: unknown) => {
        // Nobody could take over in time: every later request says so.
        this.#electing = Promise.reject(error);
        this.#electing.catch(() => undefined);
        throw error;
      },
    );
    this.#electing.catch(() => undefined);
  }

  #assertOpen(): void {
    if (this.#closing) throw new MemographError('MEMOGRAPH_STORE_FAILED', `The store at ${this.location} is closed`);
  }
}

function backendOf(role: Role): Backend {
  return role instanceof Leader ? role.store : role;
}
