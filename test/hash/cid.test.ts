import fc from 'fast-check';
import { CID } from 'multiformats/cid';
import * as Digest from 'multiformats/hashes/digest';
import { createHash } from 'node:crypto';
import { expect, test } from 'vitest';
import { cidBytes, cidFromDigest, cidOf, sha256, writeCidBytes } from '../../src/hash/cid.js';

// The fast paths of cid.ts must give exactly what multiformats gives.
const reference = (codec: number, bytes: Uint8Array): CID =>
  CID.createV1(codec, Digest.create(0x12, createHash('sha256').update(bytes).digest()));
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const codecs = fc.constantFrom(0x71, 0x55, 0x70, 0x00, 0x7f, 0x80, 0x129);

test('cidOf, cidFromDigest, sha256 agree with multiformats and node:crypto', () => {
  fc.assert(
    fc.property(codecs, fc.uint8Array({ maxLength: 300 }), (codec, bytes) => {
      const expected = reference(codec, bytes).toString();
      expect(cidOf(codec, bytes)).toBe(expected);
      expect(cidFromDigest(codec, sha256(bytes))).toBe(expected);
      expect(hex(sha256(bytes))).toBe(createHash('sha256').update(bytes).digest('hex'));
    }),
    { numRuns: 500 },
  );
});

test('cidBytes and writeCidBytes agree with CID.parse, also in what they reject', () => {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567ABZ8 é\u0162';
  fc.assert(
    fc.property(
      codecs,
      fc.uint8Array({ maxLength: 40 }),
      fc.nat(57),
      fc.constantFrom(...alphabet),
      fc.boolean(),
      (codec, bytes, at, char, corrupt) => {
        let text = reference(codec, bytes).toString();
        if (corrupt) text = text.slice(0, at + 1) + char + text.slice(at + 2);
        let expected: string;
        try {
          expected = hex(CID.parse(text).bytes);
        } catch {
          expect(() => cidBytes(text)).toThrow();
          return;
        }
        expect(hex(cidBytes(text))).toBe(expected);
        const target = new Uint8Array(text.length + 5);
        const n = writeCidBytes(text, target, 5);
        expect(hex(target.subarray(5, 5 + n))).toBe(expected);
      },
    ),
    { numRuns: 2000 },
  );
});
