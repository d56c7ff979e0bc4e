import { afterAll, describe, expect, it } from 'vitest';
import { compute, delayed, shutdown } from '../../src/index.js';
import { identityAddress } from '../../src/hash/identity.js';
import { manifestAddress } from '../../src/identity/manifest.js';
import { greetTask } from '../fixtures/module-tasks.js';
import { decodeIdentityRecord, decodeManifestRecord } from '../../src/identity/stored-identity.js';
import { LevelStore } from '../../src/store/level-store.js';
import { tempDir } from '../helpers.js';

const dir = tempDir();
afterAll(async () => {
  await shutdown();
  dir.remove();
});

describe('identity records beside results', () => {
  it('are stored with the first result of a function, verified on read, and kept by gc while a result needs them', async () => {
    const cacheDir = `${dir.path}/cache`;
    const twice = delayed((x: number) => x * 2, { name: 'twice' });
    const calls = [twice(1), twice(2)];
    await compute(...calls, { cacheDir });
    const identity = identityAddress(calls[0]!.task.identity).cid;

    const store = await LevelStore.open(cacheDir);
    try {
      const bytes = await store.getBytes(identity);
      expect(bytes && decodeIdentityRecord(bytes)).toEqual({ name: 'twice', source: calls[0]!.task.identity.source });
      await store.dropUnreferencedBytes();
      expect(await store.getBytes(identity)).toBeDefined();

      // Once no record refers to it, it goes too.
      for (const call of calls) await store.deleteRecord(call.cid);
      await store.dropUnreferencedBytes();
      expect(await store.getBytes(identity)).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('bring their manifest, which gc keeps with them', async () => {
    const cacheDir = `${dir.path}/manifest`;
    // A module function: its identity links a manifest of the helpers it reaches.
    const call = greetTask('manifest');
    const identity = call.task.identity;
    expect(identity.code?.entries.length).toBeGreaterThan(0);
    await compute(call, { cacheDir });

    const store = await LevelStore.open(cacheDir);
    try {
      await store.dropUnreferencedBytes();
      const own = await store.getBytes(identityAddress(identity).cid);
      expect(own && decodeIdentityRecord(own)?.code).toBe(manifestAddress(identity.code!).cid);
      const entries = await store.getBytes(manifestAddress(identity.code!).cid);
      expect(entries && decodeManifestRecord(entries)).toEqual(identity.code!.entries);
    } finally {
      await store.close();
    }
  });
});
