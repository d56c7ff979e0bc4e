/**
 * The leader role: this process holds the cache's LevelDB (and so its lock), keeps the
 * claim table, and serves both to the other processes on the cache. Its own reads and
 * claims are local and synchronous, as fast as a private store.
 */
import type { ClaimAnswer, ClaimBoard, Holder } from '../claims.js';
import { LevelStore } from '../level-store.js';
import { ClaimTable, toClaimAnswer, type Owner } from './claim-table.js';
import { removeLeaderFile, socketPathFor, writeLeaderFile } from './leader-file.js';
import { SettleWaits } from './settle-waits.js';
import { StoreServer } from './store-server.js';

export class Leader implements ClaimBoard {
  readonly store: LevelStore;
  readonly holder: Holder;
  readonly #table = new ClaimTable();
  readonly #owner: Owner;
  readonly #server: StoreServer;
  readonly #settled = new SettleWaits();

  private constructor(store: LevelStore, holder: Holder, server: StoreServer, table: ClaimTable) {
    this.store = store;
    this.holder = holder;
    this.#owner = { holder };
    this.#server = server;
    this.#table = table;
  }

  /**
   * Take the lead: throws StoreLockedError at once if another process holds the directory.
   * `successor`: this process followed a leader that went away, whose followers may hold claims.
   */
  static async start(location: string, me: Holder, successor: boolean): Promise<Leader> {
    const store = await LevelStore.open(location);
    const table = new ClaimTable();
    if (successor) table.settle(me);
    try {
      const socket = socketPathFor(location);
      const server = await StoreServer.listen(store, table, socket);
      writeLeaderFile(location, { ...me, socket, startedAt: Date.now() });
      return new Leader(store, me, server, table);
    } catch (error) {
      await store.close().catch(() => undefined);
      throw error;
    }
  }

  get followers(): number {
    return this.#server.followers;
  }

  claim(callCids: readonly string[], again = false): ClaimAnswer[] {
    // No lookup: this process's runs looked in the store in the same synchronous stretch
    // (scheduler/explore.ts, `explore`), and nothing lands in between.
    const answers = this.#table.claim(this.#owner, callCids, undefined, (cid) => this.#settled.wake(cid), again);
    return answers.map((answer, i) => toClaimAnswer(answer, () => this.#settled.for(callCids[i]!)));
  }

  release(callCids: readonly string[]): void {
    this.#table.release(this.#owner, callCids);
  }

  /** Step down: followers elect another leader; then the store closes (and its lock goes). */
  async close(): Promise<void> {
    removeLeaderFile(this.store.location);
    try {
      await this.#server.close();
    } finally {
      this.#table.clear();
      this.#settled.wakeAll();
      await this.store.close();
    }
  }

}
