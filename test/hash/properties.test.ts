import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { callAddress, tokenize } from '../../src/hash/call-address.js';
import { encodeCanonical, LARGE_BINARY_THRESHOLD } from '../../src/hash/canonical.js';
import type { FunctionIdentity } from '../../src/hash/identity.js';
import { LinkStub, linkOf, referenceBytes, strictEqual } from './reference.js';

const IDENTITY: FunctionIdentity = { name: 'f', version: '1' };
const stubs = [0, 1, 2].map((i) => new LinkStub(tokenize(`node ${i}`)));
/** Two stubs with the same CID: the same computation built twice. */
const twin = new LinkStub(stubs[0]!.cid);

const cidOfValue = (value: unknown): string => callAddress(IDENTITY, [value], linkOf).cid;

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

// --- generators -------------------------------------------------------------

const binary = (max: number): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.uint8Array({ maxLength: max }),
    fc.uint8Array({ maxLength: max }).map((b) => Buffer.from(b)),
    fc.uint8ClampedArray({ maxLength: max }),
    fc.int8Array({ maxLength: max }),
    fc.uint16Array({ maxLength: max }),
    fc.int16Array({ maxLength: max }),
    fc.uint32Array({ maxLength: max }),
    fc.int32Array({ maxLength: max }),
    fc.float32Array({ maxLength: max }),
    fc.float64Array({ maxLength: max }),
    fc.bigInt64Array({ maxLength: max }),
    fc.bigUint64Array({ maxLength: max }),
    fc.uint8Array({ maxLength: max + 2 }).map((b) => new DataView(b.buffer, Math.min(1, b.length))),
    fc.uint8Array({ maxLength: max }).map((b) => b.buffer),
  );

/** Every kind of value, drawn widely. */
const richLeaf = fc.oneof(
  fc.constantFrom<unknown>(0, -0, NaN, Infinity, -Infinity, 2 ** 53, null, true, false, undefined, '$a', '\uD800', 'a\uDC00b'),
  fc.integer(),
  fc.double(),
  fc.bigInt(),
  fc.string({ maxLength: 6 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
  fc.date({ noInvalidDate: false }),
  fc.constantFrom(/a/g, /a/, /b/g),
  binary(4),
  fc.constantFrom(...stubs, twin),
);

/** Few distinct values, so that two independent draws are often equal. */
const smallLeaf = fc.oneof(
  fc.constantFrom<unknown>(0, -0, 1, 1.5, NaN, Infinity, null, true, undefined, '', 'a', '$a', 1n, 0n),
  fc.constantFrom(new Date(0), new Date(1), new Date(NaN)),
  fc.constantFrom(
    new Uint8Array([1]),
    Buffer.from([1]),
    new Int8Array([1]),
    new Float64Array([0]),
    new Float64Array([-0]),
    new Uint8Array([]),
    new Uint8Array([1]).buffer,
  ),
  fc.constantFrom(...stubs, twin),
);

const keys = fc.oneof(fc.string({ maxLength: 3 }), fc.constantFrom('$', '$a', '$$a', 'a', 'b', 'é', '$undefined', '$num', '$$', '\uD800', '$\uDC00x'));
const smallKeys = fc.constantFrom('a', 'b', '$a', '$$a', '\uD800');

function values(leaf: fc.Arbitrary<unknown>, key: fc.Arbitrary<string>): fc.Arbitrary<unknown> {
  return fc.letrec<{ value: unknown; array: unknown[]; object: Record<string, unknown>; map: unknown; set: unknown }>(
    (tie) => ({
      value: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object'), tie('map'), tie('set')),
      array: fc.array(tie('value'), { maxLength: 3 }),
      object: fc.dictionary(key, tie('value'), { maxKeys: 3 }),
      map: fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 3 }).map((entries) => new Map(entries)),
      set: fc.array(tie('value'), { maxLength: 3 }).map((members) => new Set(members)),
    }),
  ).value;
}

const richValues = values(richLeaf, keys);
const smallValues = values(smallLeaf, smallKeys);

/** A structural copy with object keys in another order (Map and Set order is kept: it is part of the value). */
function reordered(value: unknown, random: () => number): unknown {
  const shuffle = <T>(items: T[]): T[] => {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  };
  if (typeof value !== 'object' || value === null || value instanceof LinkStub) return value;
  if (Array.isArray(value)) return value.map((item) => reordered(item, random));
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [reordered(k, random), reordered(v, random)]));
  if (value instanceof Set) return new Set([...value].map((m) => reordered(m, random)));
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    const copy: Record<string, unknown> = random() < 0.5 ? {} : Object.create(null);
    for (const key of shuffle(Object.keys(value))) {
      Object.defineProperty(copy, key, {
        value: reordered((value as Record<string, unknown>)[key], random),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return copy;
  }
  return value;
}

// --- properties ---------------------------------------------------------------

describe('canonical encoding', () => {
  test('bytes equal @ipld/dag-cbor encoding of the data model', () => {
    fc.assert(
      fc.property(richValues, (value) => {
        expect(hex(encodeCanonical(value, linkOf))).toBe(hex(referenceBytes(value)));
      }),
      { numRuns: 1000 },
    );
  });

  test('object key order does not change the CID', () => {
    fc.assert(
      fc.property(richValues, fc.integer(), (value, seed) => {
        const random = mulberry32(seed);
        const copy = reordered(value, random);
        expect(strictEqual(value, copy)).toBe(true);
        expect(cidOfValue(copy)).toBe(cidOfValue(value));
      }),
      { numRuns: 500 },
    );
  });

  test('CIDs are equal iff the values are strictly deep-equal', () => {
    const pairs = fc.oneof(
      fc.tuple(smallValues, smallValues),
      fc.tuple(smallValues, fc.integer()).map(([value, seed]) => [value, reordered(value, mulberry32(seed))] as const),
    );
    let equalPairs = 0;
    fc.assert(
      fc.property(pairs, ([a, b]) => {
        const equal = strictEqual(a, b);
        if (equal) equalPairs++;
        expect(cidOfValue(a) === cidOfValue(b)).toBe(equal);
      }),
      { numRuns: 3000 },
    );
    expect(equalPairs).toBeGreaterThan(300); // the generator does produce both cases
  });

  test('confusable values in any context: CIDs equal iff strictly deep-equal', () => {
    const bytes = new Uint8Array([1]);
    const pairs: [unknown, unknown][] = [
      [0, -0], [0, 0n], [1, 1n], [1, '1'], [1, 1.0000000000000002], [2 ** 53, 2 ** 53 + 2],
      [NaN, 'NaN'], [NaN, { $num: 'NaN' }], [-0, { $num: '-0' }], [Infinity, 'Infinity'],
      [undefined, null], [undefined, { $undefined: null }], [1n, { $bigint: '1' }],
      [{}, []], [{}, new Map()], [[], new Set()], [{}, null],
      ['a', '$a'], [{ a: 1 }, { $a: 1 }], [{ $a: 1 }, { $$a: 1 }], [{ $: 1 }, { $$: 1 }],
      [bytes, Buffer.from(bytes)], [bytes, new Int8Array([1])], [bytes, new Uint8ClampedArray([1])],
      [bytes, bytes.buffer], [bytes.buffer, new DataView(bytes.buffer)], [bytes, { $u8: bytes }],
      [new Float32Array([1]), new Int32Array([1065353216])], [new Float64Array([0]), new Float64Array([-0])],
      [new Date(0), 0], [new Date(NaN), NaN], [new Date(0), { $date: 0 }],
      [/a/, 'a'], [/a/g, /a/], [/a/g, ['a', 'g']],
      [new Map([[1, 2]]), [[1, 2]]], [new Map([[1, 2]]), { $map: [[1, 2]] }], [new Map([[1, 2]]), new Map([[2, 1]])],
      [new Set([1]), [1]], [new Set([1, 2]), new Set([1])],
      [stubs[0], stubs[0]!.cid], [stubs[0], stubs[1]], ['\uD800', '\uFFFD'], ['\uD800', '\uDC00'],
      // equal pairs
      [[, 1], [undefined, 1]],
      [new Float64Array([NaN]), new Float64Array([NaN])], [{ a: 1, b: 2 }, { b: 2, a: 1 }],
      [Object.create(null), {}], [new Map([[{}, 1], [{}, 2]]), new Map([[{}, 1], [{}, 2]])],
      [new Set([NaN, 0]), new Set([NaN, 0])], [stubs[0], twin], [new Date(5), new Date(5)],
      [{ ['\uD800']: 1, a: 2 }, { a: 2, ['\uD800']: 1 }],
      // unequal: the same entries in another order
      [new Map([[{}, 1], [{}, 2]]), new Map([[{}, 2], [{}, 1]])], [new Set([NaN, 0]), new Set([0, NaN])],
      [new Map([['a', 1], ['b', 2]]), new Map([['b', 2], ['a', 1]])],
      [{ ['\uD800']: 1 }, { ['\uFFFD']: 1 }], [{ ['\uD800']: 1 }, { $object: [['\uD800', 1]] }],
    ];
    const contexts: ((x: unknown) => unknown)[] = [
      (x) => x,
      (x) => [x],
      (x) => [1, x],
      (x) => ({ a: x }),
      (x) => ({ $a: x, b: 1 }),
      (x) => new Map([[x, 1]]),
      (x) => new Map([['k', x]]),
      (x) => new Set([x, 0]),
      (x) => [[x], { b: x }],
    ];
    let equal = 0;
    for (const [i, [a, b]] of pairs.entries()) {
      for (const [j, context] of contexts.entries()) {
        const x = context(a);
        const y = context(b);
        const same = strictEqual(x, y);
        if (same) equal++;
        expect(cidOfValue(x) === cidOfValue(y), `pair ${i} in context ${j}`).toBe(same);
      }
    }
    // The 9 equal pairs, plus 0 and -0 as a Map key or Set member (where JS itself makes -0 into 0).
    expect(equal).toBe(9 * contexts.length + 2);
  });

  test('binary values around the large-value threshold match the reference', () => {
    for (const size of [LARGE_BINARY_THRESHOLD - 1, LARGE_BINARY_THRESHOLD, LARGE_BINARY_THRESHOLD + 8]) {
      const bytes = new Uint8Array(size).map((_, i) => i * 7);
      for (const value of [bytes, Buffer.from(bytes), new Float64Array(bytes.buffer, 0, Math.floor(size / 8))]) {
        expect(hex(encodeCanonical(value))).toBe(hex(referenceBytes(value)));
      }
    }
  });

  test('a large binary value is hashed once per object (arguments must not be mutated)', () => {
    const big = new Uint8Array(LARGE_BINARY_THRESHOLD * 4).fill(1);
    const before = tokenize(big);
    big[0] = 2;
    expect(tokenize(big)).toBe(before); // memoised: mutation after first use is not seen
    expect(tokenize(big.slice())).not.toBe(before); // a fresh view is hashed
  });
});

describe('links', () => {
  test('every graph node is reported with its path, in record order', () => {
    const [a, b, c] = stubs as [LinkStub, LinkStub, LinkStub];
    const { links } = callAddress(
      IDENTITY,
      [a, { x: [b], y: new Map<unknown, unknown>([['k', c], [a, 1]]) }, new Set([b])],
      linkOf,
    );
    expect(links.map((link) => [link.node, link.path])).toEqual([
      [a, [0]],
      [b, [1, 'x', 0]],
      // Map entries in insertion order, as they are written.
      [c, [1, 'y', 0, 1]],
      [a, [1, 'y', 1, 0]],
      [b, [2, 0]],
    ]);
  });

  test('Map and Set insertion order is part of the address, and links follow it', () => {
    const [a, b] = stubs as [LinkStub, LinkStub];
    const one = callAddress(IDENTITY, [new Set([a, b])], linkOf);
    const two = callAddress(IDENTITY, [new Set([b, a])], linkOf);
    expect(one.cid).not.toBe(two.cid);
    // Paths index the Set in insertion order: [...set][i].
    expect(one.links.map((l) => [l.node, l.path])).toEqual([[a, [0, 0]], [b, [0, 1]]]);
    expect(two.links.map((l) => [l.node, l.path])).toEqual([[b, [0, 0]], [a, [0, 1]]]);
    const m1 = callAddress(IDENTITY, [new Map([['x', a], ['y', b]])], linkOf);
    const m2 = callAddress(IDENTITY, [new Map([['y', b], ['x', a]])], linkOf);
    expect(m1.cid).not.toBe(m2.cid);
  });

  test('a node and a plain value give different CIDs; equal CIDs give equal links', () => {
    const [a] = stubs as [LinkStub];
    expect(cidOfValue(a)).not.toBe(cidOfValue(a.cid));
    expect(cidOfValue([a])).toBe(cidOfValue([twin]));
  });
});

/** A small seeded PRNG, so reorderings replay with fast-check's seed. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
