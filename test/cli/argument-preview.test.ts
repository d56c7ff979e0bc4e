import { describe, expect, test } from 'vitest';
import { previewFingerprint, PREVIEW_LENGTH } from '../../src/cli/argument-preview.js';
import { argumentFingerprints } from '../../src/hash/argument-fingerprints.js';
import { cidOf, DAG_CBOR } from '../../src/hash/cid.js';
import { LinkStub, linkOf } from '../hash/reference.js';

const node = new LinkStub(cidOf(DAG_CBOR, new TextEncoder().encode('an input')));
const names = new Map([[node.cid, 'load']]);
const preview = (value: unknown) => previewFingerprint(argumentFingerprints([value], linkOf)[0]!, (cid) => names.get(cid));

describe('argument previews', () => {
  test('read as the JS values they stand for', () => {
    const cases: [unknown, string][] = [
      [0.5, '0.5'],
      [-3, '-3'],
      [-0, '-0'],
      [NaN, 'NaN'],
      ['train', '"train"'],
      [null, 'null'],
      [undefined, 'undefined'],
      [true, 'true'],
      [10n, '10n'],
      [[1, 'a', [2]], '[1, "a", [2]]'],
      [{ rate: 0.5, 'odd key': 1, $dollar: 2 }, '{rate: 0.5, "odd key": 1, $dollar: 2}'],
      [new Map([['k', 1]]), 'Map {"k" => 1}'],
      [new Set([2, 1]), 'Set {2, 1}'], // in insertion order, as it is addressed
      [new Float64Array([1.5, 2]), 'Float64Array [1.5, 2]'],
      [new BigInt64Array([3n]), 'BigInt64Array [3n]'],
      [Buffer.from([1, 255]), 'Buffer <01 ff>'],
      [new Date(0), 'Date 1970-01-01T00:00:00.000Z'],
      [/a+/g, '/a+/g'],
      [node, `<load ${node.cid.slice(-8)}>`],
      [[new LinkStub(cidOf(DAG_CBOR, new Uint8Array([1])))], `[<call ${cidOf(DAG_CBOR, new Uint8Array([1])).slice(-8)}>]`],
    ];
    for (const [value, expected] of cases) expect(preview(value)).toBe(expected);
  });

  test(`are cut at ${PREVIEW_LENGTH} characters`, () => {
    const text = preview(Array.from({ length: 40 }, (_, i) => i))!;
    expect(text).toHaveLength(PREVIEW_LENGTH);
    expect(text.startsWith('[0, 1, 2, 3')).toBe(true);
    expect(text.endsWith('…')).toBe(true);
  });

  test('a long argument, kept only as a digest, has none', () => {
    expect(preview('x'.repeat(300))).toBeUndefined();
    expect(preview(new Float64Array(64))).toBeUndefined();
  });

  test('bytes that are not a fingerprint have none, and do not throw', () => {
    expect(previewFingerprint(new Uint8Array([0xff]), () => undefined)).toBeUndefined();
    expect(previewFingerprint(new Uint8Array([0xa1, 0x64, 0x24, 0x66, 0x36, 0x34, 0x41, 0x01]), () => undefined)).toBeUndefined(); // {"$f64": 1 byte}
  });
});
