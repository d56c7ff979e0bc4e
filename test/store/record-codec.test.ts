import { describe, expect, it } from 'vitest';
import { pack } from 'msgpackr';
import { decodeRecord, encodeRecord, withoutLineage } from '../../src/store/record-codec.js';
import { VALUE_ENCODING, type ResultRecord } from '../../src/store/store.js';

const record: ResultRecord = {
  resultCid: 'bafkreitest',
  encoding: VALUE_ENCODING,
  size: 12,
  durationMs: 1.5,
  fn: 'task',
  createdAt: 1_700_000_000_123,
};
/** Records on disk outlive the code that wrote them: these layouts are frozen. */
const GOLDEN = '9701ab6261666b72656974657374aa6d73677061636b722f310ccb3ff8000000000000a47461736bcb4278bcfe5687b000';
/** `record` with lineage: an identity and the fingerprints of `(0.5, "x")`. */
const traced: ResultRecord = {
  ...record,
  lineage: { identity: 'bafyreiidentity', args: [Uint8Array.from(Buffer.from('fb3fe0000000000000', 'hex')), Uint8Array.of(0x61, 0x78)] },
};
const GOLDEN_2 =
  '9a02ab6261666b72656974657374aa6d73677061636b722f310ccb3ff8000000000000a47461736bcb4278bcfe5687b000' +
  'c0af626166797265696964656e7469747992c409fb3fe0000000000000c4026178';

describe('record codec', () => {
  it('writes and reads the frozen layout', () => {
    expect(Buffer.from(encodeRecord(record)).toString('hex')).toBe(GOLDEN);
    expect(decodeRecord(Buffer.from(GOLDEN, 'hex'))).toEqual(record);
  });

  it('round-trips records, dropping fields the contract does not have', () => {
    const extended = { ...record, fn: 'ünïcode', durationMs: 0, createdAt: 0, extra: 1 } as ResultRecord;
    expect(decodeRecord(encodeRecord(extended))).toEqual({ ...record, fn: 'ünïcode', durationMs: 0, createdAt: 0 });
  });

  it('writes a record without lineage in format 1, as records always were', () => {
    expect(Buffer.from(encodeRecord({ ...record, lineage: undefined })).toString('hex')).toBe(GOLDEN);
  });

  it('writes and reads lineage in the frozen format 2', () => {
    expect(Buffer.from(encodeRecord(traced)).toString('hex')).toBe(GOLDEN_2);
    expect(decodeRecord(Buffer.from(GOLDEN_2, 'hex'))).toEqual(traced);
    const withOutputs = { ...traced, outputs: { 'out/a.txt': 'bafkreifile' } };
    expect(decodeRecord(encodeRecord(withOutputs))).toEqual(withOutputs);
    const noArguments = { ...record, lineage: { identity: 'bafyreiidentity', args: [] } };
    expect(decodeRecord(encodeRecord(noArguments))).toEqual(noArguments);
  });

  it('reads fingerprints as plain Uint8Arrays of their own', () => {
    const decoded = decodeRecord(Buffer.from(GOLDEN_2, 'hex'))!;
    for (const fingerprint of decoded.lineage!.args) {
      expect(Object.getPrototypeOf(fingerprint)).toBe(Uint8Array.prototype);
      expect(fingerprint.byteLength).toBe(fingerprint.buffer.byteLength);
    }
  });

  it('drops a lineage for holders that do not need it, and nothing else', () => {
    const withOutputs = { ...traced, outputs: { 'out/a.txt': 'bafkreifile' } };
    expect(withoutLineage(withOutputs)).toEqual({ ...record, outputs: { 'out/a.txt': 'bafkreifile' } });
    expect(withoutLineage(traced)).toEqual(record);
    expect('lineage' in withoutLineage(traced)).toBe(false);
    expect(withoutLineage(record)).toBe(record);
  });

  it('reads a record with a malformed lineage as a miss', () => {
    const fields = [2, 'cid', VALUE_ENCODING, 1, 1, 'f', 1];
    const fingerprint = new Uint8Array([0x01]);
    const malformed: unknown[] = [
      [...fields, null, 7, [fingerprint]], // identity not a string
      [...fields, null, '', [fingerprint]], // empty identity
      [...fields, null, 'bafyreiidentity', fingerprint], // args not a list
      [...fields, null, 'bafyreiidentity', ['0.5']], // a fingerprint that is not bytes
      [...fields, null, 'bafyreiidentity', [new Uint8Array(0)]], // an empty fingerprint
      [...fields, null, 'bafyreiidentity', [new Uint8Array(257)]], // longer than any fingerprint
      [...fields, 'outputs', 'bafyreiidentity', [fingerprint]], // outputs neither nil nor a map
      [...fields, null, 'bafyreiidentity'], // too short
      [...fields, null, 'bafyreiidentity', [fingerprint], 'extra'], // too long
      [1, 'cid', VALUE_ENCODING, 1, 1, 'f', 1, null, 'bafyreiidentity', [fingerprint]], // lineage in format 1
    ];
    for (const value of malformed) expect(decodeRecord(pack(value))).toBeUndefined();
    expect(decodeRecord(pack([...fields, null, 'bafyreiidentity', [fingerprint]]))).toBeDefined();
  });

  it('reads anything malformed as a miss, never a throw', () => {
    const malformed: unknown[] = [
      [3, 'cid', VALUE_ENCODING, 1, 1, 'f', 1], // unknown format
      [2, 'cid', VALUE_ENCODING, 1, 1, 'f', 1], // format 2 without its lineage
      [1, 'cid', 'json', 1, 1, 'f', 1], // unknown encoding
      [1, 'cid', VALUE_ENCODING, -1, 1, 'f', 1], // negative size
      [1, 7, VALUE_ENCODING, 1, 1, 'f', 1], // cid not a string
      [1, 'cid', VALUE_ENCODING, 1, 1, 'f'], // too short
      { resultCid: 'cid' },
      'text',
    ];
    for (const value of malformed) expect(decodeRecord(pack(value))).toBeUndefined();
    expect(decodeRecord(new Uint8Array([0xc1]))).toBeUndefined();
    expect(decodeRecord(new Uint8Array([0x97, 0x01]))).toBeUndefined(); // truncated
    expect(decodeRecord(new Uint8Array([]))).toBeUndefined();
  });
});
