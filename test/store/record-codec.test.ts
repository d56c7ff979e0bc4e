import { describe, expect, it } from 'vitest';
import { pack } from 'msgpackr';
import { decodeRecord, encodeRecord } from '../../src/store/record-codec.js';
import { VALUE_ENCODING, type ResultRecord } from '../../src/store/store.js';

const record: ResultRecord = {
  resultCid: 'bafkreitest',
  encoding: VALUE_ENCODING,
  size: 12,
  durationMs: 1.5,
  fn: 'task',
  createdAt: 1_700_000_000_123,
};
/** Records on disk outlive the code that wrote them: this layout is frozen. */
const GOLDEN = '9701ab6261666b72656974657374aa6d73677061636b722f310ccb3ff8000000000000a47461736bcb4278bcfe5687b000';

describe('record codec', () => {
  it('writes and reads the frozen layout', () => {
    expect(Buffer.from(encodeRecord(record)).toString('hex')).toBe(GOLDEN);
    expect(decodeRecord(Buffer.from(GOLDEN, 'hex'))).toEqual(record);
  });

  it('round-trips records, dropping fields the contract does not have', () => {
    const extended = { ...record, fn: 'ünïcode', durationMs: 0, createdAt: 0, extra: 1 } as ResultRecord;
    expect(decodeRecord(encodeRecord(extended))).toEqual({ ...record, fn: 'ünïcode', durationMs: 0, createdAt: 0 });
  });

  it('reads anything malformed as a miss, never a throw', () => {
    const malformed: unknown[] = [
      [2, 'cid', VALUE_ENCODING, 1, 1, 'f', 1], // unknown format
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
