/**
 * The behaviour every Store must have (src/store/store.ts), as one vitest suite that each
 * implementation's test file runs against its own factory, the way abstract-level tests
 * its back ends.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cidOf, DAG_CBOR, RAW } from '../../src/hash/cid.js';
import { VALUE_ENCODING, type ResultRecord, type Store } from '../../src/store/store.js';
import { packValue, unpackValue } from '../../src/store/value-codec.js';
import { firstDifference } from './same-value.js';

export interface StoreUnderTest {
  store: Store;
  cleanup(): Promise<void>;
  /** Close `store` and open the same data again, where the implementation keeps data across opens. */
  reopen?(): Promise<Store>;
}

/** A call CID that names nothing in particular. */
export function callCid(label: string | number): string {
  return cidOf(DAG_CBOR, new TextEncoder().encode(`call ${label}`));
}

/** A value's bytes and a record that points at them. */
export function result(value: unknown, fn = 'task'): { record: ResultRecord; bytes: Uint8Array } {
  const bytes = packValue(value);
  return {
    bytes,
    record: { resultCid: cidOf(RAW, bytes), encoding: VALUE_ENCODING, size: bytes.byteLength, durationMs: 1.5, fn, createdAt: 1_700_000_000_123 },
  };
}

/** A record by the store's synchronous lookup, or by its asynchronous one where it has none (a follower). */
async function lookup(store: Store, cid: string): Promise<ResultRecord | undefined> {
  return store.getRecordSync ? store.getRecordSync(cid) : (await store.getRecords([cid]))[0];
}

/** `persistent`: the store keeps data across a close and reopen (its factory gives `reopen`). */
export function runStoreCompliance(
  name: string,
  makeStore: () => Promise<StoreUnderTest>,
  traits: { persistent: boolean },
): void {
  describe(`${name} (Store compliance)`, () => {
    let subject: StoreUnderTest;
    let store: Store;

    beforeEach(async () => {
      subject = await makeStore();
      store = subject.store;
    });
    afterEach(async () => {
      await subject.cleanup();
    });

    const readValue = async (resultCid: string) => {
      const bytes = await store.getBytes(resultCid);
      return bytes === undefined ? undefined : unpackValue(bytes);
    };

    it('reads its own writes before and after flush', async () => {
      const value = { answer: 42, list: [1, -0, undefined], big: 2n ** 70n };
      const { record, bytes } = result(value, 'answer');
      store.putResult(callCid(1), record, bytes);

      expect((await lookup(store, callCid(1)))).toEqual(record);
      expect(await store.getRecords([callCid(1)])).toEqual([record]);
      expect(firstDifference(value, await readValue(record.resultCid))).toBeUndefined();

      await store.flush();
      expect((await lookup(store, callCid(1)))).toEqual(record);
      expect(await store.getRecords([callCid(1)])).toEqual([record]);
      expect(firstDifference(value, await readValue(record.resultCid))).toBeUndefined();
    });

    it('answers misses with undefined', async () => {
      expect((await lookup(store, callCid('absent')))).toBeUndefined();
      expect(await store.getRecords([callCid('absent')])).toEqual([undefined]);
      expect(await store.getBytes(result('never stored').record.resultCid)).toBeUndefined();
      expect(await store.getRecords([])).toEqual([]);
    });

    it('returns getRecords in the order asked, with misses and repeats in place', async () => {
      const a = result('a');
      const b = result('b');
      store.putResult(callCid('a'), a.record, a.bytes);
      await store.flush();
      store.putResult(callCid('b'), b.record, b.bytes); // still buffered
      const asked = [callCid('b'), callCid('x'), callCid('a'), callCid('b'), callCid('y')];
      expect(await store.getRecords(asked)).toEqual([b.record, undefined, a.record, b.record, undefined]);
    });

    it('stores identical results once, and later bytes never replace them', async () => {
      const shared = result({ same: true });
      store.putResult(callCid(1), shared.record, shared.bytes);
      store.putResult(callCid(2), { ...shared.record, fn: 'other' }, shared.bytes);
      // A buggy caller files other bytes (of the right size) under the same result CID,
      // both while the first bytes are buffered and after they are written.
      const impostor = new Uint8Array(shared.bytes.byteLength).fill(0xc0);
      store.putResult(callCid(3), shared.record, impostor);
      await store.flush();
      store.putResult(callCid(4), shared.record, impostor);
      await store.flush();

      const records = await store.getRecords([callCid(1), callCid(2), callCid(3), callCid(4)]);
      expect(records.map((record) => record?.resultCid)).toEqual(Array(4).fill(shared.record.resultCid));
      expect(records[1]?.fn).toBe('other');
      expect(await store.getBytes(shared.record.resultCid)).toEqual(shared.bytes);
    });

    it('never returns bytes that do not hash to their CID, and lets a recompute replace them', async () => {
      const good = result({ value: 'good' });
      const wrong = new Uint8Array(good.bytes);
      wrong[wrong.length - 1] = wrong[wrong.length - 1]! ^ 0xff;
      store.putResult(callCid(1), good.record, wrong);
      expect(await store.getBytes(good.record.resultCid)).toBeUndefined(); // while buffered
      store.putResult(callCid(1), good.record, wrong);
      await store.flush();
      expect(await store.getBytes(good.record.resultCid)).toBeUndefined(); // once written
      await store.flush();

      store.putResult(callCid(1), good.record, good.bytes); // the recompute
      await store.flush();
      expect(await store.getBytes(good.record.resultCid)).toEqual(good.bytes);
    });

    it('deletes records but keeps the bytes other records may share', async () => {
      const shared = result([1, 2, 3]);
      store.putResult(callCid(1), shared.record, shared.bytes);
      store.putResult(callCid(2), shared.record, shared.bytes);
      await store.flush();
      await store.deleteRecord(callCid(1));
      expect(await lookup(store, callCid(1))).toBeUndefined();
      expect(await store.getRecords([callCid(1), callCid(2)])).toEqual([undefined, shared.record]);
      expect(await store.getBytes(shared.record.resultCid)).toEqual(shared.bytes);

      store.putResult(callCid(3), shared.record, shared.bytes); // delete a buffered record
      await store.deleteRecord(callCid(3));
      expect(await store.getRecords([callCid(3)])).toEqual([undefined]);
      store.putResult(callCid(1), shared.record, shared.bytes); // and put one back
      expect((await lookup(store, callCid(1)))).toEqual(shared.record);
      await store.deleteRecord(callCid('never stored'));
    });

    it('keeps its own copies of what it is given and hands out copies', async () => {
      const { record, bytes } = result('copied');
      const original = new Uint8Array(bytes);
      const mutableRecord = { ...record };
      store.putResult(callCid(1), mutableRecord, bytes);
      bytes.fill(0);
      mutableRecord.fn = 'changed';
      const read = await store.getBytes(record.resultCid);
      expect(read).toEqual(original);
      read!.fill(1);
      await store.flush();
      expect(await store.getBytes(record.resultCid)).toEqual(original);
      expect((await lookup(store, callCid(1)))?.fn).toBe('task');
    });

    it('rejects a record whose size does not match its bytes', async () => {
      const { record, bytes } = result('sized');
      expect(() => store.putResult(callCid(1), { ...record, size: record.size + 1 }, bytes)).toThrow(TypeError);
      expect(await lookup(store, callCid(1))).toBeUndefined();
    });

    it('keeps every write of a large burst, buffered and flushed', async () => {
      const count = 5000;
      const cids = Array.from({ length: count }, (_, i) => callCid(`burst ${i}`));
      const results = Array.from({ length: count }, (_, i) => result({ i, payload: 'x'.repeat(i % 50) }));
      cids.forEach((cid, i) => store.putResult(cid, results[i]!.record, results[i]!.bytes));
      expect(await store.getRecords(cids)).toEqual(results.map((r) => r.record));
      await store.flush();
      expect(await store.getRecords(cids)).toEqual(results.map((r) => r.record));
      for (const i of [0, 511, 512, 2500, count - 1]) {
        expect((await lookup(store, cids[i]!))).toEqual(results[i]!.record);
        expect(await store.getBytes(results[i]!.record.resultCid)).toEqual(results[i]!.bytes);
      }
    });

    // Registered only where it applies, so no store reports a skipped test.
    if (traits.persistent) it('keeps flushed writes across a reopen', async () => {
      if (!subject.reopen) throw new Error('a persistent store under test must give reopen()');
      const { record, bytes } = result({ durable: true });
      store.putResult(callCid(1), record, bytes);
      await store.flush();
      store = await subject.reopen();
      expect((await lookup(store, callCid(1)))).toEqual(record);
      expect(await store.getRecords([callCid(1)])).toEqual([record]);
      expect(await store.getBytes(record.resultCid)).toEqual(bytes);
    });

    it('stores attachments beside a result in the same write, and keeps the record\'s outputs', async () => {
      const file = new TextEncoder().encode('an output file');
      const fileCid = cidOf(RAW, file);
      const { record, bytes } = result('with outputs');
      const withOutputs = { ...record, outputs: { 'out/a.txt': fileCid } };
      store.putResult(callCid('outputs'), withOutputs, bytes, [{ cid: fileCid, bytes: file }]);
      expect((await lookup(store, callCid('outputs')))?.outputs).toEqual({ 'out/a.txt': fileCid });
      expect(await store.getBytes(fileCid)).toEqual(file);
      await store.flush();
      expect(await store.getRecords([callCid('outputs')])).toEqual([withOutputs]);
      expect(await store.getBytes(fileCid)).toEqual(file);
    });

    it('keeps a record\'s lineage, with or without outputs, buffered, flushed and reopened', async () => {
      const lineage = { identity: callCid('identity'), args: [new Uint8Array([0xfb, 0x3f, 0xe0, 0, 0, 0, 0, 0, 0]), new Uint8Array([0x61, 0x78])] };
      const { record, bytes } = result('traced');
      const traced = { ...record, lineage };
      const both = { ...record, outputs: { 'out/b.txt': record.resultCid }, lineage };
      const none = { ...record, lineage: { identity: lineage.identity, args: [] } };
      store.putResult(callCid('traced'), traced, bytes);
      store.putResult(callCid('both'), both, bytes);
      store.putResult(callCid('none'), none, bytes);
      const cids = [callCid('traced'), callCid('both'), callCid('none')];
      expect(await store.getRecords(cids)).toEqual([traced, both, none]);
      await store.flush();
      expect((await lookup(store, callCid('traced')))).toEqual(traced);
      expect(await store.getRecords(cids)).toEqual([traced, both, none]);
      if (subject.reopen) {
        store = await subject.reopen();
        expect(await store.getRecords(cids)).toEqual([traced, both, none]);
      }
    });

    it('keeps its own copy of a lineage', async () => {
      const fingerprint = new Uint8Array([0x18, 0x2a]);
      const { record, bytes } = result('owned');
      store.putResult(callCid(1), { ...record, lineage: { identity: callCid('identity'), args: [fingerprint] } }, bytes);
      fingerprint.fill(0);
      expect((await lookup(store, callCid(1)))?.lineage?.args).toEqual([new Uint8Array([0x18, 0x2a])]);
      await store.flush();
      expect((await store.getRecords([callCid(1)]))[0]?.lineage?.args).toEqual([new Uint8Array([0x18, 0x2a])]);
    });

    it('rejects a lineage it could not read back', async () => {
      const { record, bytes } = result('badly traced');
      const bad: unknown[] = [
        { identity: '', args: [] },
        { identity: 7, args: [] },
        { identity: callCid('identity') },
        { identity: callCid('identity'), args: ['0.5'] },
        { identity: callCid('identity'), args: [new Uint8Array(0)] },
        { identity: callCid('identity'), args: [new Uint8Array(257)] },
      ];
      for (const lineage of bad) {
        expect(() => store.putResult(callCid(1), { ...record, lineage } as ResultRecord, bytes)).toThrow(TypeError);
      }
      expect(await lookup(store, callCid(1))).toBeUndefined();
    });

    it('flushes on close and refuses work afterwards', async () => {
      const { record, bytes } = result('last');
      store.putResult(callCid(1), record, bytes);
      await store.close();
      expect(() => store.putResult(callCid(2), record, bytes)).toThrow(expect.objectContaining({ code: 'MEMOGRAPH_STORE_FAILED' }));
      if (subject.reopen) {
        store = await subject.reopen();
        expect(await store.getRecords([callCid(1)])).toEqual([record]);
      }
    });
  });
}
