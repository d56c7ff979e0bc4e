import { describe, expect, it } from 'vitest';
import { pack, unpack } from 'msgpackr';
import fc from 'fast-check';
import { CALL_CHECK_LENGTH, decodeRecord, encodeRecord, ownRecord, packedRecord, withoutLineage } from '../../src/store/record-codec.js';
import { GRAPH_ENCODING, VALUE_ENCODING, type ResultRecord } from '../../src/store/store.js';
import { UNKNOWN_BELOW } from '../../src/store/work-below.js';

const record: ResultRecord = {
  resultCid: 'bafkreitest',
  encoding: VALUE_ENCODING,
  size: 12,
  durationMs: 1.5,
  fn: 'task',
  createdAt: 1_700_000_000_123,
};
/** The call the records below are stored under. */
const CALL = 'bafyreigwxje2mizrhc7tstgagytivz52mgblus67i6o67oigaam753aa7m';
const OTHER_CALL = 'bafyreiadbqmch5in45mdiz7ubmojmd5aka26laqwmeslj6kuii46axcrhy';
/** Records on disk outlive the code that wrote them: this layout is frozen. */
const GOLDEN =
  '9c04b06f36376f696761616d3735336161376dab6261666b72656974657374aa6d73677061636b722f320ccb3ff8000000000000a47461736bcb4278bcfe5687b000c0c0c0c0';
/** `record` with lineage: an identity and the fingerprints of `(0.5, "x")`. */
const traced: ResultRecord = {
  ...record,
  lineage: { identity: 'bafyreiidentity', args: [Uint8Array.from(Buffer.from('fb3fe0000000000000', 'hex')), Uint8Array.of(0x61, 0x78)] },
};
const GOLDEN_TRACED =
  '9c04b06f36376f696761616d3735336161376dab6261666b72656974657374aa6d73677061636b722f320ccb3ff8000000000000a47461736bcb4278bcfe5687b000' +
  'c0af626166797265696964656e7469747992c409fb3fe0000000000000c4026178c0';
/** `record` above two calls: one named with its duration, and one more its total counts. */
const aboveTwo: ResultRecord = { ...record, below: { ms: 3.25, exact: true, ids: 'abcdefghijkl', us: [1250], complete: false } };
const GOLDEN_ABOVE_TWO =
  '9c04b06f36376f696761616d3735336161376dab6261666b72656974657374aa6d73677061636b722f320ccb3ff8000000000000a47461736bcb4278bcfe5687b000' +
  'c0c0c095cb400a000000000000c3ac6162636465666768696a6b6c91cd04e2c2';
/** The layout before records kept the work below them. */
const FORMAT_3 =
  '9b03b06f36376f696761616d3735336161376dab6261666b72656974657374aa6d73677061636b722f320ccb3ff8000000000000a47461736bcb4278bcfe5687b000c0c0c0';

/** The fields of a record's bytes, given in hex. */
function decodeFields(hex: string): unknown[] {
  return unpack(Buffer.from(hex, 'hex')) as unknown[];
}

describe('record codec', () => {
  it('writes and reads the frozen layout', () => {
    expect(Buffer.from(encodeRecord(CALL, record)).toString('hex')).toBe(GOLDEN);
    expect(decodeRecord(CALL, Buffer.from(GOLDEN, 'hex'))).toEqual(record);
  });

  it('round-trips records, dropping fields the contract does not have', () => {
    const extended = { ...record, fn: 'ünïcode', durationMs: 0, createdAt: 0, extra: 1 } as ResultRecord;
    expect(decodeRecord(CALL, encodeRecord(CALL, extended))).toEqual({ ...record, fn: 'ünïcode', durationMs: 0, createdAt: 0 });
  });

  it('writes and reads lineage and outputs', () => {
    expect(Buffer.from(encodeRecord(CALL, traced)).toString('hex')).toBe(GOLDEN_TRACED);
    expect(decodeRecord(CALL, Buffer.from(GOLDEN_TRACED, 'hex'))).toEqual(traced);
    const withOutputs = { ...traced, outputs: { 'out/a.txt': 'bafkreifile' } };
    expect(decodeRecord(CALL, encodeRecord(CALL, withOutputs))).toEqual(withOutputs);
    const noArguments = { ...record, lineage: { identity: 'bafyreiidentity', args: [] } };
    expect(decodeRecord(CALL, encodeRecord(CALL, noArguments))).toEqual(noArguments);
    const outputsOnly = { ...record, outputs: { 'b.txt': 'bafkreib' } };
    expect(decodeRecord(CALL, encodeRecord(CALL, outputsOnly))).toEqual(outputsOnly);
  });

  it('marks a record stored under a value key, and keeps the mark through withoutLineage', () => {
    const aliased: ResultRecord = { ...traced, byValue: true };
    const bytes = encodeRecord(CALL, aliased);
    // One more field than the frozen layout; records without it are written as before.
    expect(Buffer.from(bytes).toString('hex')).toBe(`9d${GOLDEN_TRACED.slice(2)}c3`);
    expect(decodeRecord(CALL, bytes)).toEqual(aliased);
    expect(withoutLineage(decodeRecord(CALL, bytes)!)).toEqual({ ...record, byValue: true });
    expect(decodeRecord(CALL, pack([...(decodeFields(GOLDEN_TRACED)), false]))).toBeUndefined();
  });

  it('reads a record as a miss under any other call CID than its own', () => {
    expect(decodeRecord(OTHER_CALL, Buffer.from(GOLDEN, 'hex'))).toBeUndefined();
    expect(decodeRecord(OTHER_CALL, encodeRecord(CALL, traced))).toBeUndefined();
    // Two CIDs that share a prefix but not their digest's tail differ too.
    expect(decodeRecord(`${CALL.slice(0, -1)}q`, encodeRecord(CALL, record))).toBeUndefined();
  });

  it('writes and reads the work below a result', () => {
    expect(Buffer.from(encodeRecord(CALL, aboveTwo)).toString('hex')).toBe(GOLDEN_ABOVE_TWO);
    expect(decodeRecord(CALL, Buffer.from(GOLDEN_ABOVE_TWO, 'hex'))).toEqual(aboveTwo);
    expect(withoutLineage({ ...aboveTwo, lineage: traced.lineage! })).toEqual(aboveTwo);
    const fields = decodeFields(GOLDEN_ABOVE_TWO);
    const malformed = [
      [-1, true, '', [], true], // a negative total
      [1, 'yes', '', [], true], // exact not a boolean
      [1, true, 'abc', [5], true], // an id of the wrong length
      [1, true, 'abcdefghijkl', [], true], // an id without a duration
      [1, true, 'abcdefghijkl', [1.5], true], // a duration that is not whole µs
      [1, true, '', []], // too short
      'below',
    ];
    for (const below of malformed) expect(decodeRecord(CALL, pack([...fields.slice(0, 11), below]))).toBeUndefined();
  });

  it('reads a record of format 3 as a hit whose work below is unknown', () => {
    expect(decodeRecord(CALL, Buffer.from(FORMAT_3, 'hex'))).toEqual({ ...record, below: UNKNOWN_BELOW });
    expect(decodeRecord(CALL, pack([...decodeFields(FORMAT_3), true]))).toEqual({ ...record, below: UNKNOWN_BELOW, byValue: true });
    expect(decodeRecord(OTHER_CALL, Buffer.from(FORMAT_3, 'hex'))).toBeUndefined();
  });

  it('reads records of the earlier formats 1 and 2 (unbound, msgpackr/1) as misses', () => {
    const format1 = '9701ab6261666b72656974657374aa6d73677061636b722f310ccb3ff8000000000000a47461736bcb4278bcfe5687b000';
    const format2 =
      '9a02ab6261666b72656974657374aa6d73677061636b722f310ccb3ff8000000000000a47461736bcb4278bcfe5687b000' +
      'c0af626166797265696964656e7469747992c409fb3fe0000000000000c4026178';
    expect(decodeRecord(CALL, Buffer.from(format1, 'hex'))).toBeUndefined();
    expect(decodeRecord(CALL, Buffer.from(format2, 'hex'))).toBeUndefined();
  });

  it('reads fingerprints as plain Uint8Arrays of their own', () => {
    const decoded = decodeRecord(CALL, Buffer.from(GOLDEN_TRACED, 'hex'))!;
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
    const check = CALL.slice(-CALL_CHECK_LENGTH);
    const fields = [3, check, 'cid', VALUE_ENCODING, 1, 1, 'f', 1];
    const fingerprint = new Uint8Array([0x01]);
    const malformed: unknown[] = [
      [...fields, null, 7, [fingerprint]], // identity not a string
      [...fields, null, '', [fingerprint]], // empty identity
      [...fields, null, 'bafyreiidentity', fingerprint], // args not a list
      [...fields, null, 'bafyreiidentity', ['0.5']], // a fingerprint that is not bytes
      [...fields, null, 'bafyreiidentity', [new Uint8Array(0)]], // an empty fingerprint
      [...fields, null, 'bafyreiidentity', [new Uint8Array(257)]], // longer than any fingerprint
      [...fields, null, 'bafyreiidentity', null], // identity without fingerprints
      [...fields, 'outputs', 'bafyreiidentity', [fingerprint]], // outputs neither nil nor a map
      [...fields, null, 'bafyreiidentity'], // too short
      [...fields, null, 'bafyreiidentity', [fingerprint], 'extra'], // too long
    ];
    for (const value of malformed) expect(decodeRecord(CALL, pack(value))).toBeUndefined();
    expect(decodeRecord(CALL, pack([...fields, null, 'bafyreiidentity', [fingerprint]]))).toBeDefined();
    expect(decodeRecord(CALL, pack([...fields, null, null, null]))).toBeDefined();
  });

  it('reads anything malformed as a miss, never a throw', () => {
    const check = CALL.slice(-CALL_CHECK_LENGTH);
    const malformed: unknown[] = [
      [5, check, 'cid', VALUE_ENCODING, 1, 1, 'f', 1, null, null, null, null], // unknown format
      [4, check, 'cid', VALUE_ENCODING, 1, 1, 'f', 1, null, null, null], // format 4 without its work below
      [3, 7, 'cid', VALUE_ENCODING, 1, 1, 'f', 1, null, null, null], // check not a string
      [3, check, 'cid', 'msgpackr/1', 1, 1, 'f', 1, null, null, null], // an earlier encoding
      [3, check, 'cid', 'json', 1, 1, 'f', 1, null, null, null], // unknown encoding
      [3, check, 'cid', VALUE_ENCODING, -1, 1, 'f', 1, null, null, null], // negative size
      [3, check, 7, VALUE_ENCODING, 1, 1, 'f', 1, null, null, null], // cid not a string
      [3, check, 'cid', VALUE_ENCODING, 1, 1, 'f'], // too short
      { resultCid: 'cid' },
      'text',
    ];
    for (const value of malformed) expect(decodeRecord(CALL, pack(value))).toBeUndefined();
    expect(decodeRecord(CALL, new Uint8Array([0xc1]))).toBeUndefined();
    expect(decodeRecord(CALL, new Uint8Array([0x9b, 0x03]))).toBeUndefined(); // truncated
    expect(decodeRecord(CALL, new Uint8Array([]))).toBeUndefined();
  });

  describe('its own writer', () => {
    const text = fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom('', 'fit', 'ünïcode', '\u{1F600}', 'x'.repeat(255), 'y'.repeat(256)));
    const number = fc.oneof(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), fc.double({ noNaN: false }), fc.constantFrom(0, -0, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, -32, -33, -128, -129, -32768, -32769));
    const records = fc.record(
      {
        resultCid: text,
        encoding: fc.constantFrom(VALUE_ENCODING, GRAPH_ENCODING),
        size: fc.nat(),
        durationMs: number,
        fn: text,
        createdAt: number,
        outputs: fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ minLength: 1, maxLength: 8 }), { maxKeys: 3 }),
        lineage: fc.record({ identity: text, args: fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }) }),
        byValue: fc.constant(true as const),
        below: fc.record({ ms: number, exact: fc.boolean(), ids: text, us: fc.array(number, { maxLength: 40 }), complete: fc.boolean() }),
      },
      { requiredKeys: ['resultCid', 'encoding', 'size', 'durationMs', 'fn', 'createdAt'] },
    );

    it('writes the bytes the general msgpack encoder writes, for any record', () => {
      fc.assert(
        fc.property(records, text, (given, call) => {
          expect(Buffer.from(encodeRecord(call, given)).toString('hex')).toBe(Buffer.from(packedRecord(call, given)).toString('hex'));
        }),
        { numRuns: 2000 },
      );
    });

    it('hands out records that later ones never overwrite, across many slabs', () => {
      const many = fc.sample(records, { numRuns: 3000, seed: 7 });
      const written = many.map((given, i) => encodeRecord(`${CALL}${i}`, given));
      const total = written.reduce((sum, bytes) => sum + bytes.length, 0);
      expect(total, 'enough bytes to fill more than one slab').toBeGreaterThan(128 * 1024);
      many.forEach((given, i) => expect(Buffer.from(written[i]!).equals(Buffer.from(packedRecord(`${CALL}${i}`, given)))).toBe(true));
      // A record written before all those still reads back as itself.
      const first = encodeRecord(CALL, traced);
      for (const given of many.slice(0, 500)) encodeRecord(OTHER_CALL, given);
      expect(decodeRecord(CALL, first)).toEqual(ownRecord(traced));
    });
  });
});

