import { existsSync, readdirSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delayed, shutdown, startRun } from '../../src/index.js';
import { RedisStore } from '../../src/store/redis/redis-store.js';
import { tempDir } from '../helpers.js';
import { haveRedis, noRedisMessage, startRedis, type TestRedis } from '../redis-server.js';
import { callCid, result, runStoreCompliance } from './compliance.js';

if (!haveRedis) console.warn(noRedisMessage);
const describeRedis = haveRedis ? describe : describe.skip;

let redis: TestRedis;
let prefixes = 0;
/** Each test its own prefix: one server for the file, no test sees another's keys. */
const freshPrefix = () => `test${prefixes++}:`;
const dirs: { remove: () => void }[] = [];
beforeAll(async () => {
  if (haveRedis) redis = await startRedis();
});
afterAll(async () => {
  await shutdown();
  await redis?.stop();
  for (const dir of dirs) dir.remove();
});

if (haveRedis) {
  runStoreCompliance(
    'RedisStore',
    async () => {
      const prefix = freshPrefix();
      let store = await RedisStore.open(redis.url, { prefix });
      return {
        store,
        cleanup: () => store.close(),
        reopen: async () => {
          await store.close();
          store = await RedisStore.open(redis.url, { prefix });
          return store;
        },
      };
    },
    { persistent: true },
  );
}

describeRedis('RedisStore', () => {
  it('keeps results over its inline limit in the shared directory, checked on read like any other', async () => {
    const blobs = tempDir();
    dirs.push(blobs);
    const prefix = freshPrefix();
    const store = await RedisStore.open(redis.url, { prefix, blobDir: blobs.path, inlineLimit: 64 });
    const small = result('small');
    const large = result('x'.repeat(1000));
    store.putResult(callCid('small'), small.record, small.bytes);
    store.putResult(callCid('large'), large.record, large.bytes);
    await store.close();
    const files = readdirSync(blobs.path, { recursive: true }).map(String);
    expect(files.some((name) => name.endsWith(large.record.resultCid))).toBe(true);
    expect(files.some((name) => name.endsWith(small.record.resultCid))).toBe(false);

    const again = await RedisStore.open(redis.url, { prefix, blobDir: blobs.path, inlineLimit: 64 });
    expect(await again.getBytes(large.record.resultCid)).toEqual(large.bytes);
    expect(await again.storedBytes()).toEqual({ count: 2, bytes: small.bytes.byteLength + large.bytes.byteLength });
    expect(await again.checkBytes(large.record.resultCid)).toBe('ok');
    expect(await again.clearEntries()).toBe(2);
    expect(existsSync(blobs.path)).toBe(true);
    expect(await again.storedBytes()).toEqual({ count: 0, bytes: 0 });
    await again.close();
  });

  it('reads damaged bytes in Redis as a miss, and lets the recompute store them again', async () => {
    const prefix = freshPrefix();
    const store = await RedisStore.open(redis.url, { prefix });
    const good = result({ value: 'good' });
    store.putResult(callCid(1), good.record, good.bytes);
    await store.flush();
    const raw = new Redis({ path: redis.socket });
    await raw.set(`${prefix}b:${good.record.resultCid}`, Buffer.from('damaged'));
    expect(await store.checkBytes(good.record.resultCid)).toBe('corrupt');
    expect(await store.getBytes(good.record.resultCid)).toBeUndefined();
    store.putResult(callCid(1), good.record, good.bytes);
    await store.flush();
    expect(await store.getBytes(good.record.resultCid)).toEqual(good.bytes);
    // A record copied under another call's key is that call's miss, never its result.
    await raw.copy(`${prefix}r:${callCid(1)}`, `${prefix}r:${callCid(2)}`);
    expect(await store.getRecords([callCid(1), callCid(2)])).toEqual([good.record, undefined]);
    raw.disconnect();
    await store.close();
  });

  it('leaves keys that are not its own alone: a prefix holding other keys is refused, and clearing spares the rest', async () => {
    const raw = new Redis({ path: redis.socket });
    const prefix = freshPrefix();
    await raw.set(`${prefix}someone-else`, 'theirs');
    await expect(RedisStore.open(redis.url, { prefix })).rejects.toThrow(
      new RegExp(`there are keys under ${prefix} \\(${prefix}someone-else, …\\) but no ${prefix}store: they are not a memograph store's`),
    );
    const mine = freshPrefix();
    await raw.set(`${mine}store`, 'another program');
    await expect(RedisStore.open(redis.url, { prefix: mine })).rejects.toMatchObject({ code: 'MEMOGRAPH_STORE_FAILED', message: expect.stringMatching(/belong to something else/) });

    const shared = freshPrefix();
    const store = await RedisStore.open(redis.url, { prefix: shared });
    await raw.set('bull:queue:other', 'kept');
    const { record, bytes } = result('mine');
    store.putResult(callCid(1), record, bytes);
    expect(await store.clearEntries()).toBe(1);
    expect(await raw.get('bull:queue:other')).toBe('kept');
    expect(await raw.get(`${prefix}someone-else`)).toBe('theirs');
    await store.close();
    raw.disconnect();
  });

  it('lets processes that open a fresh prefix at once all open it: the first mark is not taken for a foreign key', async () => {
    // Between one opener's read of the mark and its scan for other keys, another may set the mark.
    for (let round = 0; round < 10; round++) {
      const prefix = freshPrefix();
      const opened = await Promise.allSettled(Array.from({ length: 24 }, () => RedisStore.open(redis.url, { prefix })));
      const refused = opened.flatMap((o) => (o.status === 'rejected' ? [String(o.reason)] : []));
      await Promise.all(opened.map((o) => (o.status === 'fulfilled' ? o.value.close() : undefined)));
      expect(refused).toEqual([]);
    }
  });

  it('says which Redis it cannot reach, without its password', async () => {
    await expect(RedisStore.open('unix:///nonexistent/redis.sock?password=hunter2')).rejects.toThrow(/Cannot reach the Redis at unix:\/\/\/nonexistent\/redis\.sock\?password=\*\*\*/);
    await expect(RedisStore.open('http://localhost')).rejects.toThrow(/unknown scheme `http:`/);
    // Another machine's Redis without a password: refused before anything connects.
    await expect(RedisStore.open('redis://192.0.2.7:6379')).rejects.toMatchObject({
      code: 'MEMOGRAPH_INVALID_ARGUMENT',
      message: expect.stringMatching(/^Refusing the Redis at redis:\/\/192\.0\.2\.7:6379: it is not on this machine and the URL gives no password/),
    });
    await expect(RedisStore.open('redis://:pw@host:6379/x')).rejects.toThrow(/redis:\/\/:\*\*\*@host:6379\/x: the database must be a number/);
  });

  it('is one futures table for every store on the Redis: a claim is held, then stored, and a lapsed lease frees it', async () => {
    const prefix = freshPrefix();
    const a = await RedisStore.open(redis.url, { prefix });
    const b = await RedisStore.open(redis.url, { prefix });
    const cid = callCid('claimed');
    expect(await a.claims.claim([cid])).toEqual([{ kind: 'mine' }]);
    const [held] = await b.claims.claim([cid]);
    expect(held).toMatchObject({ kind: 'held', holder: { pid: process.pid } });
    const { record, bytes } = result('claimed');
    a.putResult(cid, record, bytes);
    a.claims.release([cid]);
    await (held as Extract<typeof held, { kind: 'held' }>).settled;
    // Released after its result landed: the waiter finds it stored.
    expect(await b.claims.claim([cid])).toEqual([{ kind: 'stored', record }]);

    // An owner that dies keeps no claim past its lease.
    const other = callCid('abandoned');
    expect(await a.claims.claim([other])).toEqual([{ kind: 'mine' }]);
    const raw = new Redis({ path: redis.socket });
    await raw.del(`${prefix}lease:${a.claims.owner}`);
    expect(await b.claims.claim([other])).toEqual([{ kind: 'mine' }]);
    raw.disconnect();
    await a.close();
    await b.close();
  });

  it('serves a run from what another process stored, and counts it as cached', async () => {
    const prefix = freshPrefix();
    const square = delayed(function square(x: number) {
      return x * x;
    });
    const total = delayed(function total(...xs: number[]) {
      return xs.reduce((s, x) => s + x, 0);
    });
    const target = total(...[1, 2, 3, 4].map((x) => square(x)));
    const first = await RedisStore.open(redis.url, { prefix });
    const run = startRun([target], { store: first });
    expect(await run.result).toEqual([30]);
    expect(run.counts.executed).toBe(5);
    await first.close();
    const second = await RedisStore.open(redis.url, { prefix });
    const again = startRun([target], { store: second });
    expect(await again.result).toEqual([30]);
    expect(again.counts).toMatchObject({ executed: 0, cached: 1 });
    await second.close();
  });
});
