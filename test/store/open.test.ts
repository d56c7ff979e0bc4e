import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InvalidArgumentError, StoreCorruptError, StoreLockedError } from '../../src/errors.js';
import { compute, delayed, startRun } from '../../src/index.js';
import { LevelStore } from '../../src/store/level-store.js';
import { acquireStore, resolveCacheDir } from '../../src/store/open.js';
import { callCid, result, runStoreCompliance } from './compliance.js';

// What a run uses is the lease's view of the shared store: it must behave like a Store too.
runStoreCompliance(
  'StoreLease',
  async () => {
    const root = await mkdtemp(join(tmpdir(), 'memograph-lease-'));
    let lease = await acquireStore(join(root, 'cache'));
    return {
      store: lease.store,
      async reopen() {
        await lease.release();
        lease = await acquireStore(join(root, 'cache'));
        return lease.store;
      },
      async cleanup() {
        await lease.release().catch(() => undefined);
        await rm(root, { recursive: true, force: true });
      },
    };
  },
  { persistent: true },
);

describe('acquireStore', () => {
  let root: string;
  let directory: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'memograph-open-'));
    directory = join(root, 'cache');
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('shares one handle between concurrent acquires, including ones made while it opens', async () => {
    const [a, b] = await Promise.all([acquireStore(directory), acquireStore(directory)]);
    const c = await acquireStore(join(root, 'cache', '..', 'cache')); // same directory, spelled differently
    const { record, bytes } = result('shared');
    a.store.putResult(callCid(1), record, bytes);
    // Still buffered in a's handle, so only the same handle can see it.
    expect(b.store.getRecordSync?.(callCid(1))).toEqual(record);
    expect(await c.store.getBytes(record.resultCid)).toEqual(bytes);
    expect(a.store.location).toBe(directory);
    await Promise.all([a.release(), b.release(), c.release()]);
  });

  it('keeps the directory locked until the last release, and flushes on every release', async () => {
    const a = await acquireStore(directory);
    const b = await acquireStore(directory);
    const { record, bytes } = result('durable');
    a.store.putResult(callCid(1), record, bytes);
    await a.release();
    await expect(LevelStore.open(directory)).rejects.toBeInstanceOf(StoreLockedError);
    expect(() => a.store.putResult(callCid(2), record, bytes)).toThrow(/released/);
    expect(b.store.getRecordSync?.(callCid(1))).toEqual(record);
    await b.release();
    await b.release(); // a second release does nothing

    const direct = await LevelStore.open(directory);
    expect(direct.getRecordSync(callCid(1))).toEqual(record);
    await direct.close();
  });

  it('treats closing a leased store as releasing the lease', async () => {
    const a = await acquireStore(directory);
    const b = await acquireStore(directory);
    await a.store.close();
    expect(b.store.getRecordSync?.(callCid(1))).toBeUndefined(); // b still works
    await b.store.close();
    await (await LevelStore.open(directory)).close();
  });

  it('opens afresh when acquired while the last holder is closing', async () => {
    const first = await acquireStore(directory);
    const { record, bytes } = result('handover');
    first.store.putResult(callCid(1), record, bytes);
    const releasing = first.release();
    const second = await acquireStore(directory);
    await releasing;
    expect(second.store.getRecordSync?.(callCid(1))).toEqual(record);
    await second.release();
  });

  it('forgets a failed open, so a later acquire tries again', async () => {
    await mkdir(directory);
    await writeFile(join(directory, 'unrelated.txt'), 'x');
    const attempts = await Promise.allSettled([acquireStore(directory), acquireStore(directory)]);
    for (const attempt of attempts) {
      expect(attempt.status).toBe('rejected');
      expect((attempt as PromiseRejectedResult).reason).toBeInstanceOf(StoreCorruptError);
    }
    await rm(join(directory, 'unrelated.txt'));
    const lease = await acquireStore(directory);
    await lease.release();
  });
});

describe('resolveCacheDir', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('prefers the option, then MEMOGRAPH_CACHE_DIR, then ./.memograph, always absolute', () => {
    vi.stubEnv('MEMOGRAPH_CACHE_DIR', '/env/cache');
    expect(resolveCacheDir('/option/cache')).toBe('/option/cache');
    expect(resolveCacheDir('relative/cache')).toBe(resolve('relative/cache'));
    expect(resolveCacheDir()).toBe('/env/cache');
    vi.stubEnv('MEMOGRAPH_CACHE_DIR', 'env-relative');
    expect(resolveCacheDir()).toBe(resolve('env-relative'));
    vi.stubEnv('MEMOGRAPH_CACHE_DIR', undefined);
    expect(resolveCacheDir()).toBe(resolve('.memograph'));
  });

  it('refuses a blank option or MEMOGRAPH_CACHE_DIR, naming it, rather than using the working directory', () => {
    expect(() => resolveCacheDir('')).toThrow(InvalidArgumentError);
    expect(() => resolveCacheDir('  ', '--cache-dir')).toThrow(/Expected --cache-dir to be a directory/);
    vi.stubEnv('MEMOGRAPH_CACHE_DIR', '');
    expect(() => resolveCacheDir()).toThrow(/MEMOGRAPH_CACHE_DIR/);
    expect(resolveCacheDir('/option/cache')).toBe('/option/cache');
    vi.stubEnv('MEMOGRAPH_CACHE_DIR', ' \t');
    expect(() => resolveCacheDir()).toThrow(InvalidArgumentError);
  });

  it('compute and startRun refuse them before running anything', async () => {
    let ran = 0;
    const task = delayed(() => ++ran, { name: 'blank-dir', cache: false, mainThread: true })();
    for (const cacheDir of ['', '   ']) {
      await expect((async () => compute(task, { cacheDir }))()).rejects.toMatchObject({ code: 'MEMOGRAPH_INVALID_ARGUMENT', message: expect.stringContaining('cacheDir') });
      await expect((async () => startRun([task], { cacheDir }).result)()).rejects.toMatchObject({ code: 'MEMOGRAPH_INVALID_ARGUMENT' });
    }
    vi.stubEnv('MEMOGRAPH_CACHE_DIR', '');
    await expect((async () => compute(task))()).rejects.toMatchObject({ code: 'MEMOGRAPH_INVALID_ARGUMENT', message: expect.stringContaining('MEMOGRAPH_CACHE_DIR') });
    expect(ran).toBe(0);
    // Without a cache the variable is not used, so it is no error.
    expect(await compute(task, { cache: false })).toEqual([1]);
  });
});
