import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClassicLevel } from 'classic-level';
import { Level } from 'level';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StoreCorruptError, StoreLockedError } from '../../src/errors.js';
import { LEVEL_LAYOUT } from '../../src/store/level-layout.js';
import { FLUSH_ENTRIES, LevelStore } from '../../src/store/level-store.js';
import type { Store } from '../../src/store/store.js';
import { callCid, result, runStoreCompliance } from './compliance.js';

const LevelDb = Level as unknown as typeof ClassicLevel;

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'memograph-store-'));
}

runStoreCompliance('LevelStore', async () => {
  const root = await tempDir();
  const directory = join(root, 'cache'); // not created yet: open creates it
  let store: Store = await LevelStore.open(directory);
  return {
    store,
    async reopen() {
      await store.close();
      store = await LevelStore.open(directory);
      return store;
    },
    async cleanup() {
      await store.close().catch(() => {});
      await rm(root, { recursive: true, force: true });
    },
  };
}, { persistent: true });

/** Every file in a directory with its bytes, to show that nothing was changed. */
async function snapshot(directory: string, except: RegExp = /^$/): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const name of (await readdir(directory)).sort()) {
    if (!except.test(name)) files[name] = (await readFile(join(directory, name))).toString('base64');
  }
  return files;
}

/** Make the next atomic batch write of any LevelDB handle fail, as a full disk would. */
async function failNextBatchWrite(scratch: string, message: string) {
  const db = new LevelDb(scratch);
  await db.open();
  const chainedBatch = Object.getPrototypeOf(db.batch()) as { write(): Promise<void>; close(): Promise<void> };
  await db.close();
  return vi.spyOn(chainedBatch, 'write').mockImplementationOnce(async function (this: { close(): Promise<void> }) {
    await this.close();
    throw new Error(message);
  });
}

/** Open the directory with a bare LevelDB handle (the store must be closed). */
async function withRawDb(directory: string, use: (db: ClassicLevel<string, Uint8Array>) => Promise<void>): Promise<void> {
  const db = new LevelDb<string, Uint8Array>(directory, { keyEncoding: 'utf8', valueEncoding: 'view' });
  await db.open();
  try {
    await use(db);
  } finally {
    await db.close();
  }
}

describe('LevelStore', () => {
  let root: string;
  let directory: string;
  beforeEach(async () => {
    root = await tempDir();
    directory = join(root, 'cache');
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await rm(root, { recursive: true, force: true });
  });

  it('keeps records and bytes across close and reopen, written on the next macrotask without flush()', async () => {
    const store = await LevelStore.open(directory);
    const batch = vi.spyOn(LevelDb.prototype, 'batch');
    const { record, bytes } = result({ kept: [1, 2, 3] });
    store.putResult(callCid(1), record, bytes);
    expect(batch).not.toHaveBeenCalled();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(batch).toHaveBeenCalledTimes(1);
    await store.close();
    const reopened = await LevelStore.open(directory);
    expect(reopened.location).toBe(directory);
    expect(reopened.getRecordSync(callCid(1))).toEqual(record);
    expect(await reopened.getBytes(record.resultCid)).toEqual(bytes);
    await reopened.close();
  });

  describe('held by another process', () => {
    let child: ChildProcess | undefined;
    afterEach(() => {
      child?.kill();
      child = undefined;
    });

    async function holdInChild(): Promise<ChildProcess> {
      await (await LevelStore.open(directory)).close();
      const fixture = fileURLToPath(new URL('../fixtures/store-hold-lock.mjs', import.meta.url));
      const holder = spawn(process.execPath, [fixture, directory], { stdio: ['pipe', 'pipe', 'inherit'] });
      const [line] = (await once(holder.stdout!, 'data')) as [Buffer];
      expect(line.toString()).toBe('ready\n');
      return holder;
    }

    it('refuses with StoreLockedError naming the directory', async () => {
      child = await holdInChild();
      const attempt = LevelStore.open(directory);
      await expect(attempt).rejects.toBeInstanceOf(StoreLockedError);
      await expect(attempt).rejects.toMatchObject({ code: 'MEMOGRAPH_STORE_LOCKED', directory });
      await expect(attempt).rejects.toThrow(directory);
    });

    it('opens once the other process lets go, within lockTimeoutMs', async () => {
      child = await holdInChild();
      const started = Date.now();
      const attempt = LevelStore.open(directory, { lockTimeoutMs: 20_000 });
      setTimeout(() => child!.stdin!.end(), 300);
      const store = await attempt;
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      await store.close();
    });
  });

  describe('refuses a directory it cannot read, and changes nothing in it', () => {
    async function expectRefused(detail: RegExp, except?: RegExp): Promise<void> {
      const before = await snapshot(directory, except);
      const attempt = LevelStore.open(directory);
      await expect(attempt).rejects.toBeInstanceOf(StoreCorruptError);
      await expect(attempt).rejects.toMatchObject({ code: 'MEMOGRAPH_STORE_CORRUPT', directory });
      await expect(attempt).rejects.toThrow(detail);
      expect(await snapshot(directory, except)).toEqual(before);
    }

    async function storeWithData(): Promise<void> {
      const store = await LevelStore.open(directory);
      const { record, bytes } = result('precious');
      store.putResult(callCid(1), record, bytes);
      await store.close();
    }

    it('garbage in CURRENT', async () => {
      await storeWithData();
      await writeFile(join(directory, 'CURRENT'), 'this is not a manifest name\n');
      await expectRefused(/CURRENT/);
    });

    it('garbage in the MANIFEST', async () => {
      await storeWithData();
      const manifest = (await readFile(join(directory, 'CURRENT'), 'utf8')).trim();
      await writeFile(join(directory, manifest), Buffer.alloc(4096, 0x5a));
      await expectRefused(/a file is damaged \(MANIFEST-\d+: it ends in the middle of a record at byte 0\)/);
    });

    it('a store whose CURRENT was lost (LevelDB would start over and drop its tables)', async () => {
      await storeWithData();
      await rm(join(directory, 'CURRENT'));
      await expectRefused(/no CURRENT file but is not empty/);
    });

    it('a directory of unrelated files', async () => {
      await mkdir(directory);
      await writeFile(join(directory, 'notes.txt'), 'mine');
      await expectRefused(/notes\.txt/);
    });

    it('a LevelDB database that memograph did not write', async () => {
      await withRawDb(directory, (db) => db.put('someone', Buffer.from('else')));
      await expectRefused(/without a memograph layout marker/, /^LOG(\.old)?$|\.log$|\.ldb$|^MANIFEST|^CURRENT$/);
    });

    it('a store of another layout version', async () => {
      await storeWithData();
      await withRawDb(directory, (db) => db.put(LEVEL_LAYOUT.layoutKey, Buffer.from('999')));
      await expectRefused(/layout "999"/, /^LOG(\.old)?$|\.log$|\.ldb$|^MANIFEST|^CURRENT$/);
    });
  });

  it('opens an empty directory, or one holding only dotfiles', async () => {
    await mkdir(directory);
    await writeFile(join(directory, '.gitignore'), '*\n');
    await (await LevelStore.open(directory)).close();
    expect(await readFile(join(directory, '.gitignore'), 'utf8')).toBe('*\n');
  });

  it('deletes stored bytes that fail verification, so the recompute rewrites them', async () => {
    const good = result({ value: 'good' });
    const store = await LevelStore.open(directory);
    store.putResult(callCid(1), good.record, good.bytes);
    await store.close();
    await withRawDb(directory, (db) => db.put(LEVEL_LAYOUT.resultKey(good.record.resultCid), Buffer.from('rotten')));

    const reopened = await LevelStore.open(directory);
    expect(reopened.getRecordSync(callCid(1))).toEqual(good.record);
    expect(await reopened.getBytes(good.record.resultCid)).toBeUndefined();
    await reopened.close();
    await withRawDb(directory, async (db) => {
      expect(await db.get(LEVEL_LAYOUT.resultKey(good.record.resultCid))).toBeUndefined();
    });

    const again = await LevelStore.open(directory);
    again.putResult(callCid(1), good.record, good.bytes);
    await again.flush();
    expect(await again.getBytes(good.record.resultCid)).toEqual(good.bytes);
    await again.close();
  });

  it('treats an undecodable record as a miss', async () => {
    const ok = result('ok');
    const store = await LevelStore.open(directory);
    store.putResult(callCid('ok'), ok.record, ok.bytes);
    await store.close();
    await withRawDb(directory, async (db) => {
      await db.put(LEVEL_LAYOUT.callKey(callCid('bad')), Buffer.from([0xc1, 0xff, 0x00]));
      await db.put(LEVEL_LAYOUT.callKey(callCid('wrong shape')), Buffer.from([0x93, 1, 2, 3]));
    });
    const reopened = await LevelStore.open(directory);
    expect(reopened.getRecordSync(callCid('bad'))).toBeUndefined();
    expect(await reopened.getRecords([callCid('bad'), callCid('ok'), callCid('wrong shape')])).toEqual([undefined, ok.record, undefined]);
    await reopened.close();
  });

  it("reads a record copied or swapped under another call's key as a miss, never as that call's result", async () => {
    const one = result('one');
    const two = result('two');
    const store = await LevelStore.open(directory);
    store.putResult(callCid('one'), one.record, one.bytes);
    store.putResult(callCid('two'), two.record, two.bytes);
    await store.close();
    await withRawDb(directory, async (db) => {
      const first = await db.get(LEVEL_LAYOUT.callKey(callCid('one')));
      const second = await db.get(LEVEL_LAYOUT.callKey(callCid('two')));
      await db.put(LEVEL_LAYOUT.callKey(callCid('one')), second!); // swapped
      await db.put(LEVEL_LAYOUT.callKey(callCid('two')), first!);
      await db.put(LEVEL_LAYOUT.callKey(callCid('three')), first!); // copied
    });
    const reopened = await LevelStore.open(directory);
    expect(reopened.getRecordSync(callCid('one'))).toBeUndefined();
    expect(await reopened.getRecords([callCid('one'), callCid('two'), callCid('three')])).toEqual([undefined, undefined, undefined]);
    const listed: string[] = [];
    for await (const [cid] of reopened.records()) listed.push(cid);
    expect(listed).toEqual([]);
    await reopened.close();
  });

  it('reports a failed batch on the next flush, keeping what was stored before', async () => {
    const store = await LevelStore.open(directory);
    const before = result('before');
    store.putResult(callCid('before'), before.record, before.bytes);
    await store.flush();

    const batch = await failNextBatchWrite(join(root, 'scratch'), 'disk full');
    const lost = result('lost');
    store.putResult(callCid('lost'), lost.record, lost.bytes);
    await new Promise((resolve) => setTimeout(resolve, 20)); // the automatic write fails
    expect(batch).toHaveBeenCalled();
    await expect(store.flush()).rejects.toMatchObject({ code: 'MEMOGRAPH_STORE_FAILED', message: expect.stringContaining('disk full') });
    await store.flush(); // reported once

    expect(store.getRecordSync(callCid('lost'))).toBeUndefined();
    expect(store.getRecordSync(callCid('before'))).toEqual(before.record);
    expect(await store.getBytes(before.record.resultCid)).toEqual(before.bytes);
    await store.close();
  });

  it('writes a synchronous burst in bounded batches', async () => {
    const store = await LevelStore.open(directory);
    const batch = vi.spyOn(LevelDb.prototype, 'batch');
    for (let i = 0; i < 5 * FLUSH_ENTRIES; i++) {
      const { record, bytes } = result(i);
      store.putResult(callCid(i), record, bytes);
    }
    await store.flush();
    expect(batch).toHaveBeenCalledTimes(5);
    await store.close();
  });

  it('puts a record in the same batch as its bytes, even when earlier bytes failed to land', async () => {
    const store = await LevelStore.open(directory);
    await failNextBatchWrite(join(root, 'scratch'), 'the first generation fails');
    const shared = result('shared');
    store.putResult(callCid('first'), shared.record, shared.bytes);
    for (let i = 1; i < FLUSH_ENTRIES; i++) {
      const { record, bytes } = result(i);
      store.putResult(callCid(i), record, bytes); // the last of these closes the first generation
    }
    store.putResult(callCid('second'), shared.record, shared.bytes);
    await expect(store.flush()).rejects.toThrow('the first generation fails');
    await store.close();

    const reopened = await LevelStore.open(directory);
    expect(reopened.getRecordSync(callCid('first'))).toBeUndefined();
    expect(reopened.getRecordSync(callCid('second'))).toEqual(shared.record);
    expect(await reopened.getBytes(shared.record.resultCid)).toEqual(shared.bytes);
    await reopened.close();
  });

  it('surfaces a batch failure from close()', async () => {
    const store = await LevelStore.open(directory);
    await failNextBatchWrite(join(root, 'scratch'), 'io');
    const { record, bytes } = result('x');
    store.putResult(callCid(1), record, bytes);
    await expect(store.close()).rejects.toMatchObject({ code: 'MEMOGRAPH_STORE_FAILED' });
    await (await LevelStore.open(directory)).close(); // and the directory was released
  });
});

describe('LevelStore use times', () => {
  it('keeps when an entry was last served, also when nothing else was written', async () => {
    const root = await tempDir();
    const directory = join(root, 'cache');
    let store = await LevelStore.open(directory);
    const { record, bytes } = result('used');
    store.putResult(callCid('used'), record, bytes);
    await store.close();
    store = await LevelStore.open(directory);
    store.markUsed(callCid('used'), 1_234_567);
    await store.close(); // the use is the only pending write
    store = await LevelStore.open(directory);
    expect(await store.lastUsed()).toEqual(new Map([[callCid('used'), 1_234_567]]));
    await store.deleteRecord(callCid('used'));
    expect(await store.lastUsed()).toEqual(new Map());
    await store.close();
    await rm(root, { recursive: true, force: true });
  });
});
