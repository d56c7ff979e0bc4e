import * as dagCbor from '@ipld/dag-cbor';
import { CID } from 'multiformats/cid';
import { describe, expect, test } from 'vitest';
import {
  argumentFingerprints,
  changedPositions,
  FINGERPRINT_INLINE_LIMIT,
  isDigestFingerprint,
  sameFingerprint,
} from '../../src/hash/argument-fingerprints.js';
import { callAddress, callAddressUnder } from '../../src/hash/call-address.js';
import { encodeCanonical } from '../../src/hash/canonical.js';
import { cidOf, DAG_CBOR, sha256 } from '../../src/hash/cid.js';
import { functionIdentity, identityKey } from '../../src/hash/identity.js';
import { LinkStub, linkOf } from './reference.js';

const identity = functionIdentity(function scale(xs: number[], factor: number) {
  return xs.map((x) => x * factor);
});
const node = new LinkStub(cidOf(DAG_CBOR, new TextEncoder().encode('an input')));
const long = 'x'.repeat(FINGERPRINT_INLINE_LIMIT);

/** The call record rebuilt from fingerprints: its prefix, then each argument's bytes as they are. */
function recordFrom(identityCid: string, fingerprints: readonly Uint8Array[]): Uint8Array {
  const prefix = dagCbor.encode(['memograph/call', 2, CID.parse(identityCid), []]);
  const head = prefix.slice(0, -1); // without the empty list, 0x80
  return Uint8Array.from([...head, 0x80 | fingerprints.length, ...fingerprints.flatMap((f) => [...f])]);
}

describe('argument fingerprints', () => {
  test('a short argument is kept as the very bytes its call record holds', () => {
    const args = [[1, 2.5, 'three'], { rate: 0.5, $odd: undefined }, node, -0];
    const fingerprints = argumentFingerprints(args, linkOf);
    expect(fingerprints.map((f) => Buffer.from(f).toString('hex'))).toEqual(
      args.map((arg) => Buffer.from(encodeCanonical(arg, linkOf)).toString('hex')),
    );
    expect(cidOf(DAG_CBOR, recordFrom(identityKey(identity), fingerprints))).toBe(callAddress(identity, args, linkOf).cid);
    expect(fingerprints.some(isDigestFingerprint)).toBe(false);
  });

  test('a graph node is fingerprinted as a link to its call', () => {
    const [fingerprint] = argumentFingerprints([node], linkOf);
    expect(CID.asCID(dagCbor.decode(fingerprint!))?.toString()).toBe(node.cid);
  });

  test('a long argument is kept as {"$sha256": digest of its encoding}', () => {
    const [short, digest] = argumentFingerprints([long.slice(2), long], linkOf);
    expect(short!.length).toBe(FINGERPRINT_INLINE_LIMIT);
    expect(isDigestFingerprint(short!)).toBe(false);
    expect(isDigestFingerprint(digest!)).toBe(true);
    expect(dagCbor.decode(digest!)).toEqual({ $sha256: new Uint8Array(sha256(encodeCanonical(long))) });
    expect(sameFingerprint(digest, argumentFingerprints([long], linkOf)[0])).toBe(true);
    expect(sameFingerprint(digest, argumentFingerprints([`${long}y`], linkOf)[0])).toBe(false);
  });

  test('no argument can pass for a digest', () => {
    const mimic = { $sha256: sha256(encodeCanonical(long)) }; // a user key starting with $ is escaped
    const [fingerprint] = argumentFingerprints([mimic], linkOf);
    expect(isDigestFingerprint(fingerprint!)).toBe(false);
    expect(sameFingerprint(fingerprint, argumentFingerprints([long], linkOf)[0])).toBe(false);
  });

  test('changedPositions names the differing positions, and those only one side has', () => {
    const before = argumentFingerprints([1, 'a', [2]], linkOf);
    expect(changedPositions(before, argumentFingerprints([1, 'a', [2]], linkOf))).toEqual([]);
    expect(changedPositions(before, argumentFingerprints([1, 'b', [2]], linkOf))).toEqual([1]);
    expect(changedPositions(before, argumentFingerprints([1, 'a'], linkOf))).toEqual([2]);
    expect(changedPositions(before, argumentFingerprints([0, 'a', [2], 4], linkOf))).toEqual([0, 3]);
  });

  test('callAddressUnder an identity CID is callAddress under that identity', () => {
    const args = [[1, 2], 0.5, node];
    const other = functionIdentity(function scale(xs: number[], factor: number) {
      return xs.map((x) => x * factor + 1);
    });
    expect(callAddressUnder(identityKey(identity), args, linkOf)).toBe(callAddress(identity, args, linkOf).cid);
    expect(callAddressUnder(identityKey(other), args, linkOf)).toBe(callAddress(other, args, linkOf).cid);
    expect(callAddressUnder(identityKey(other), args, linkOf)).not.toBe(callAddress(identity, args, linkOf).cid);
  });
});
