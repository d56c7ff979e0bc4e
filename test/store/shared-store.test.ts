/**
 * The shared store in one process: a leader and followers on one directory, each its
 * own SharedStore, talking over the real socket. Across processes: shared-cache.test.ts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SharedStore } from '../../src/store/shared/shared-store.js';
import { LEADER_FILE } from '../../src/store/shared/leader-file.js';
import { callCid, result, runStoreCompliance } from './compliance.js';

// A follower is a Store like any other: everything it does goes through its leader.
runStoreCompliance(
  'SharedStore follower',
  async () => {
    const root = await mkdtemp(join(tmpdir(), 'memograph-follower-'));
    const directory = join(root, 'cache');
    const leader = await SharedStore.open(directory);
    let follower = await SharedStore.open(directory);
    return {
      store: follower,
      async reopen() {
        await follower.close();
        follower = await SharedStore.open(directory);
        return follower;
      },
      async cleanup() {
        await follower.close().catch(() => undefined);
        await leader.close();
        await rm(root, { recursive: true, force: true });
      },
    };
  },
  { persistent: true },
);

describe('SharedStore', () => {
  let root: string;
  let directory: string;
  const open: SharedStore[] = [];
  const openStore = async () => {
    const store = await SharedStore.open(directory);
    open.push(store);
    return store;
  };
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'memograph-shared-store-'));
    directory = join(root, 'cache');
  });
  afterEach(async () => {
    for (const store of open.splice(0)) await store.close().catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  });

  it('the first to open leads, names itself in the leader file, and the next follows it', async () => {
    const first = await openStore();
    const second = await openStore();
    expect(first.leads).toBe(true);
    expect(second.leads).toBe(false);
    expect(second.leader?.pid).toBe(process.pid);
    expect(first.getRecordSync, 'the leader looks up synchronously').toBeTypeOf('function');
    expect(second.getRecordSync, 'a follower has no synchronous lookup').toBeUndefined();
    expect(JSON.parse(readFileSync(join(directory, LEADER_FILE), 'utf8')).pid).toBe(process.pid);
    expect(first.followers).toBe(1);
  });

  it('a claim is held for one, and the other is told who holds it and when it lets go', async () => {
    const first = await openStore();
    const second = await openStore();
    const cid = callCid('claimed');
    expect(await first.claim([cid])).toEqual([{ kind: 'mine' }]);
    const [answer] = await second.claim([cid]);
    expect(answer?.kind).toBe('held');
    if (answer?.kind !== 'held') return;
    expect(answer.holder.pid).toBe(process.pid);
    let settled = false;
    void answer.settled.then(() => (settled = true));
    const { record, bytes } = result(42);
    first.putResult(cid, record, bytes);
    first.release([cid]);
    await answer.settled;
    expect(settled).toBe(true);
    const [again] = await second.claim([cid]);
    expect(again!.kind, 'stored by its holder meanwhile').toBe('stored');
  });

  it('a follower that holds a claim and has unacknowledged puts hands both to the next leader', async () => {
    const first = await openStore();
    const second = await openStore();
    const third = await openStore();
    const held = callCid('held by second');
    expect(await second.claim([held])).toEqual([{ kind: 'mine' }]);
    const { record, bytes } = result('kept');
    const put = callCid('put by second');
    second.putResult(put, record, bytes);
    await first.close();
    // Once the second has found the next leader (perhaps the third, perhaps itself), it has handed both over.
    await second.flush();
    expect((await third.getRecords([put]))[0]?.resultCid).toBe(record.resultCid);
    expect(await second.getBytes(record.resultCid)).toEqual(bytes);
    const [answer] = await third.claim([held]);
    expect(answer?.kind).toBe('held');
    expect([second.leads, third.leads].filter(Boolean)).toHaveLength(1);
  });

  it('a claim of a follower that closes is released to whoever waits', async () => {
    const first = await openStore();
    const second = await openStore();
    const cid = callCid('dropped');
    expect(await second.claim([cid])).toEqual([{ kind: 'mine' }]);
    const [answer] = await first.claim([cid]);
    expect(answer?.kind).toBe('held');
    await second.close();
    if (answer?.kind === 'held') await answer.settled;
    expect(await first.claim([cid])).toEqual([{ kind: 'mine' }]);
  });

  it('the last to close removes the leader file and the socket, and nothing else', async () => {
    const first = await openStore();
    await first.close();
    expect(existsSync(join(directory, LEADER_FILE))).toBe(false);
    expect(existsSync(join(directory, '.memograph-leader.sock'))).toBe(false);
    expect(existsSync(join(directory, 'CURRENT'))).toBe(true);
  });
});
