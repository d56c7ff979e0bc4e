/**
 * The leader's side of a shared cache: serves its LevelDB store and its claim table to
 * the other processes on the cache, one unix-socket connection each.
 *
 * A request is `[id, op, ...args]`; the answer is `[id, 0, value]` or `[id, 1, message]`.
 * Requests with id 0 expect no answer. `[0, 'settled', cids]` tells a follower that
 * claims it waited for were released. Requests that arrive together are answered
 * together, in one frame, as soon as they are all done.
 */
import { unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { Holder } from '../claims.js';
import type { LevelStore } from '../level-store.js';
import { decodeRecord, encodeRecord } from '../record-codec.js';
import type { Attachment } from '../store.js';
import { ClaimTable, type Owner } from './claim-table.js';
import { readFrames, writeFrame } from './frames.js';

type Request = [id: number, op: string, ...args: unknown[]];

export class StoreServer {
  readonly #server: Server;
  readonly #store: LevelStore;
  readonly #table: ClaimTable;
  readonly #connections = new Set<Socket>();
  readonly #path: string;

  private constructor(server: Server, store: LevelStore, table: ClaimTable, path: string) {
    this.#server = server;
    this.#store = store;
    this.#table = table;
    this.#path = path;
    server.on('connection', (socket) => this.#accept(socket));
  }

  /** Listen on `path`. A socket file left by a leader that died is memograph's own and is replaced. */
  static async listen(store: LevelStore, table: ClaimTable, path: string): Promise<StoreServer> {
    try {
      unlinkSync(path);
    } catch {
      // None was left.
    }
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    // Serving others must not keep this process alive once its own work is done.
    server.unref();
    return new StoreServer(server, store, table, path);
  }

  get followers(): number {
    return this.#connections.size;
  }

  /** Stop serving: followers see their connection close and elect a new leader. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const socket of this.#connections) socket.destroy();
    await closed;
    try {
      unlinkSync(this.#path);
    } catch {
      // Already gone.
    }
  }

  #accept(socket: Socket): void {
    socket.unref();
    this.#table.joined();
    this.#connections.add(socket);
    const owner: { holder: Holder } = { holder: { pid: 0, command: 'unknown process' } };
    let outbox: unknown[] = [];
    const send = (message: unknown) => {
      outbox.push(message);
      if (outbox.length === 1) {
        queueMicrotask(() => {
          const batch = outbox;
          outbox = [];
          if (!socket.destroyed) writeFrame(socket, batch);
        });
      }
    };
    socket.on('close', () => {
      this.#connections.delete(socket);
      this.#table.releaseAll(owner);
    });
    socket.on('error', () => {
      // 'close' follows: the follower went away, which is what its claims are released on.
    });
    readFrames(
      socket,
      (message) => {
        if (!Array.isArray(message)) return socket.destroy();
        for (const request of message as Request[]) {
          const [id, op, ...args] = request;
          this.#handle(owner, op, args, send).then(
            (value) => {
              if (id !== 0) send([id, 0, value ?? null]);
            },
            (error: unknown) => {
              if (id !== 0) send([id, 1, error instanceof Error ? error.message : String(error)]);
            },
          );
        }
      },
      () => this.#connections.delete(socket),
    );
  }

  async #handle(owner: { holder: Holder }, op: string, args: unknown[], send: (message: unknown) => void): Promise<unknown> {
    const store = this.#store;
    switch (op) {
      case 'hello':
        owner.holder = args[0] as Holder;
        return process.pid;
      case 'records': {
        const cids = args[0] as string[];
        const records = await store.getRecords(cids);
        return records.map((record, i) => (record ? encodeRecord(cids[i]!, record) : null));
      }
      case 'claim': {
        const [cids, again] = args as [string[], boolean | undefined];
        const answers = this.#table.claim(
          owner as Owner,
          cids,
          (cid) => store.getRecordSync(cid),
          (cid) => send([0, 'settled', [cid]]),
          again === true,
        );
        return answers.map((answer, i) =>
          answer.kind === 'mine'
            ? [0]
            : answer.kind === 'stored'
              ? [1, encodeRecord(cids[i]!, answer.record)]
              : [2, answer.holder.pid, answer.holder.command],
        );
      }
      case 'release':
        this.#table.release(owner as Owner, args[0] as string[]);
        return null;
      case 'bytes':
        return (await store.getBytes(args[0] as string)) ?? null;
      case 'put': {
        const [callCid, raw, bytes, attachments] = args as [string, Uint8Array, Uint8Array, [string, Uint8Array][]];
        const record = decodeRecord(callCid, raw);
        if (!record) throw new Error(`the record sent for ${callCid} does not decode`);
        const held: Attachment[] = attachments.map(([cid, b]) => ({ cid, bytes: b }));
        store.putResult(callCid, record, bytes, held);
        return null;
      }
      case 'used':
        store.markUsed(args[0] as string, args[1] as number);
        return null;
      case 'delete':
        return store.deleteRecord(args[0] as string);
      case 'flush':
        return store.flush();
      case 'allRecords': {
        const rows: [string, Uint8Array][] = [];
        const unreadable: string[] = [];
        for await (const [cid, record] of store.records((cid) => unreadable.push(cid))) rows.push([cid, encodeRecord(cid, record)]);
        return [rows, unreadable];
      }
      case 'lastUsed':
        return [...(await store.lastUsed())];
      case 'storedSizes':
        return [...(await store.storedSizes())];
      case 'dropUnreferenced':
        return store.dropUnreferencedBytes();
      case 'checkBytes':
        return store.checkBytes(args[0] as string);
      case 'storedBytes':
        return store.storedBytes();
      case 'clearEntries':
        return store.clearEntries();
      default:
        throw new Error(`unknown request ${JSON.stringify(op)}`);
    }
  }
}
