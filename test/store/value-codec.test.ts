import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { Unpackr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { packValue, unpackValue, UnstorableValueError } from '../../src/store/value-codec.js';
import { firstDifference } from './same-value.js';
import { registerEncoder } from '../../src/hash/type-registry.js';

const roundTrip = (value: unknown) => unpackValue(packValue(value));

function expectRoundTrip(value: unknown): void {
  expect(firstDifference(value, roundTrip(value))).toBeUndefined();
}

const specialNumbers = fc.constantFrom(-0, 0, NaN, Infinity, -Infinity, 2 ** 31, 2 ** 32 + 1, 2 ** 53 + 2, -(2 ** 60), 2 ** 64, Number.MIN_VALUE, -Number.MAX_VALUE);
const specialBigInts = fc.constantFrom(0n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 63n, 2n ** 64n - 1n, 2n ** 64n, -(2n ** 64n) - 1n, 2n ** 70_000n + 3n, -(2n ** 1000n));

const leaf: fc.Arbitrary<unknown> = fc.oneof(
  fc.double(),
  specialNumbers,
  fc.integer(),
  fc.maxSafeInteger(),
  fc.bigInt(),
  fc.bigInt({ min: -(2n ** 300n), max: 2n ** 300n }),
  specialBigInts,
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.date(),
  fc.constant(new Date(NaN)),
  fc.constantFrom(/a+b/gi, /^x$/msuy, /[\u{1F600}]/u),
  fc.int8Array(),
  fc.uint8Array(),
  fc.uint8Array().map((bytes) => Buffer.from(bytes)),
  fc.uint8ClampedArray(),
  fc.int16Array(),
  fc.uint16Array(),
  fc.int32Array(),
  fc.uint32Array(),
  fc.float32Array(),
  fc.float64Array(),
  fc.bigInt64Array(),
  fc.bigUint64Array(),
  fc.uint8Array().map((bytes) => bytes.buffer),
  fc.uint8Array({ minLength: 2 }).map((bytes) => new DataView(bytes.buffer, 1)),
);

const keys = fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'toString', '0', '10', 'a b', ''));

const { value } = fc.letrec<{ value: unknown; container: unknown }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('container')),
  container: fc.oneof(
    fc.array(tie('value'), { maxLength: 6 }),
    fc.dictionary(keys, tie('value'), { maxKeys: 6, noNullPrototype: true }),
    fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 4 }).map((entries) => new Map(entries)),
    fc.array(tie('value'), { maxLength: 4 }).map((items) => new Set(items)),
  ),
}));

class GoldenPt {
  constructor(readonly x: number) {}
}
registerEncoder(GoldenPt, { name: 'test/Pt', encode: (p) => p.x, decode: (x) => new GoldenPt(x as number) });
class Undecodable {}
registerEncoder(Undecodable, { name: 'test/Undecodable', encode: () => 0 });

/**
 * Stored bytes are read back months later by newer versions, and their hash is a result's
 * CID: these vectors freeze the 'msgpackr/2' encoding (a msgpackr upgrade that changed any
 * of them would need a new VALUE_ENCODING).
 */
const GOLDEN: [string, unknown, string][] = [
  ['object', { a: 1, b: 'x', c: [true, null, undefined] }, 'd4724093a161a162a16301a17893c3c0d40000'],
  ['negative zero', { z: -0, list: [0, -0] }, 'd4724092a17aa46c697374d42d00c09200d42d00c0'],
  ['own __proto__ key', JSON.parse('{"__proto__": 1}'), 'd42e0092a95f5f70726f746f5f5f01'],
  ['bigints', [0n, -(2n ** 63n), 2n ** 64n, 2n ** 100n], '94d30000000000000000d38000000000000000d84200000000000000010000000000000000d84200000010000000000000000000000000'],
  ['numbers', [2 ** 53 + 2, NaN, -Infinity, 0.5], '94cb4340000000000001cb7ff8000000000000cbfff0000000000000cb3fe0000000000000'],
  ['binary', [Buffer.from([1, 2]), new Uint8Array([3]), new Float64Array([-0])], '93c4020102c702740103c70974080000000000000080'],
  ['collections', new Map<unknown, unknown>([[1, new Set(['s'])], ['d', new Date(0)]]), '8201d4730091a173a164d6ff00000000'],
  [
    'lone surrogates, as a value, a key and a RegExp source',
    ['\uD800x', { ['\uDC00']: 1 }, new RegExp('\uD83D')],
    '93d42f00c40400d87800d42e0092d42f00c40200dc01d4300092d42f00c4023dd8a0',
  ],
  ['registered class', [new GoldenPt(2)], '91d4310092a7746573742f507402'],
];

describe('the msgpackr/2 encoding', () => {
  it.each(GOLDEN)('%s: encodes to and decodes from the frozen bytes', (_, input, hex) => {
    expect(Buffer.from(packValue(input)).toString('hex')).toBe(hex);
    expect(firstDifference(input, unpackValue(Buffer.from(hex, 'hex')))).toBeUndefined();
  });
});

describe('packValue / unpackValue', () => {
  it('round-trips rich nested values exactly (type and value)', () => {
    fc.assert(
      fc.property(value, (input) => {
        const difference = firstDifference(input, roundTrip(input));
        if (difference) throw new Error(difference);
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps -0 wherever it occurs', () => {
    expectRoundTrip(-0);
    expectRoundTrip([0, -0, 1]);
    expectRoundTrip({ a: { b: [-0] }, c: undefined });
    expectRoundTrip(new Map<unknown, unknown>([[{ k: -0 }, -0]]));
    expectRoundTrip(new Set([[-0]]));
    expectRoundTrip(new Float64Array([-0]));
  });

  it('keeps an own __proto__ key as data without touching the prototype', () => {
    const input = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const output = roundTrip(input) as Record<string, unknown>;
    expect(Object.getPrototypeOf(output)).toBe(Object.prototype);
    expect(Object.getOwnPropertyNames(output)).toEqual(['__proto__', 'a']);
    expect(firstDifference(input, output)).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('keeps big integers as numbers and BigInts of any size as BigInts', () => {
    for (const n of [2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 53) - 2, 2 ** 64, 1e300]) expect(roundTrip(n)).toBe(n);
    for (const n of [0n, 1n, -1n, 2n ** 64n, -(2n ** 64n), 7n ** 50_000n]) expect(roundTrip(n)).toBe(n);
  });

  it('distinguishes Buffer from Uint8Array and undefined from missing', () => {
    expect(Buffer.isBuffer(roundTrip(Buffer.from([1])))).toBe(true);
    expect(Buffer.isBuffer(roundTrip(new Uint8Array([1])))).toBe(false);
    const output = roundTrip({ a: undefined, b: [undefined] }) as Record<string, unknown>;
    expect('a' in output).toBe(true);
    expect((output.b as unknown[]).length).toBe(1);
  });

  it('rejects functions and symbols with the path to them', () => {
    expect(() => packValue({ items: [0, 1, 2, { cb: () => 1 }] })).toThrow('result.items[3].cb is a function');
    // It says what can be stored, not where in memograph's sources to read about it.
    expect(() => packValue(new URL('https://example.org'))).toThrow(/plain objects and arrays, Map, Set, Date.*registerEncoder with a decode/);
    expect(() => packValue(() => 1)).not.toThrow(/src\//);
    expect(() => packValue(new Map([['k', Symbol('s')]]))).toThrow('result.get("k") is a symbol');
    expect(() => packValue(new Map([[() => 1, 1]]))).toThrow('result.keys()[0] is a function');
    expect(() => packValue(new Set([1, Symbol.iterator]))).toThrow('result.values()[1] is a symbol');
    expect(() => packValue({ 'a b': [() => 1] }, 'args[0]')).toThrow('args[0]["a b"][0] is a function');
    const error = (() => {
      try {
        packValue([{ f() {} }]);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(TypeError);
    expect(error).toBeInstanceOf(UnstorableValueError);
    expect((error as UnstorableValueError).path).toBe('result[0].f');
  });

  it('rejects values whose prototype or identity would be lost', () => {
    class Point {
      constructor(readonly x = 1) {}
    }
    expect(() => packValue({ p: new Point() })).toThrow('result.p is an instance of Point');
    expect(() => packValue([new URL('https://example.org')])).toThrow('result[0] is an instance of URL');
    expect(() => packValue({ e: new Error('x') })).toThrow('result.e is an Error');
    class Registry extends Map {}
    expect(() => packValue(new Registry())).toThrow('result is an instance of Registry');
    expect(() => packValue([new Boolean(true)])).toThrow('instance of Boolean');
    expect(() => packValue(Promise.resolve(1))).toThrow('is a Promise');
  });

  it('rejects circular references, naming the first lap', () => {
    const root: Record<string, unknown> = {};
    root.self = [1, root];
    expect(() => packValue(root)).toThrow(/result\.self\[1\]\S* is a circular reference/);
    const map = new Map<string, unknown>();
    map.set('me', map);
    expect(() => packValue(map)).toThrow('result.get("me") is a circular reference (to result)');
  });

  it('keeps strings with lone surrogates wherever they occur', () => {
    const lone = '👍'.slice(0, 1);
    const value = { [lone]: [lone, '\uDC00\uD800'], m: new Map([[lone, new Set([lone])]]), plain: 'é😀', __proto__x: lone };
    expectRoundTrip(value);
    const back = unpackValue(packValue(value)) as typeof value;
    expect(Object.keys(back)[0]).toBe(lone);
    expect([...back.m.keys()][0]).toBe(lone);
    expect(unpackValue(packValue(lone))).toBe(lone);
  });

  it('rebuilds instances of registered classes with decode, and refuses those without one', () => {
    const back = unpackValue(packValue({ p: [new GoldenPt(5)] })) as { p: GoldenPt[] };
    expect(back.p[0]).toBeInstanceOf(GoldenPt);
    expect(back.p[0]!.x).toBe(5);
    expect(() => packValue({ u: new Undecodable() })).toThrow(/result\.u is an instance of `Undecodable` \(registered as "test\/Undecodable"\) whose encoder has no `decode`/);
  });

  it('refuses nesting deeper than MAX_NESTING with its path', () => {
    let deep: unknown = 0;
    for (let i = 0; i < 600; i++) deep = [deep];
    expect(() => packValue(deep)).toThrow(/result(\[0\]){512} is nested deeper than 512 levels/);
  });

  it('accepts deep but acyclic values and shared references (as copies)', () => {
    let deep: unknown = 0;
    for (let i = 0; i < 200; i++) deep = { next: deep };
    expectRoundTrip(deep);
    const shared = { x: 1 };
    expectRoundTrip([shared, shared]);
  });

  it('returns bytes that own their buffer, and decodes without aliasing them', () => {
    const bytes = packValue({ buffer: Buffer.from([1, 2, 3]) });
    expect(bytes.byteOffset).toBe(0);
    expect(bytes.buffer.byteLength).toBe(bytes.byteLength);
    const decoded = unpackValue(bytes) as { buffer: Buffer };
    decoded.buffer[0] = 99;
    expect((unpackValue(bytes) as { buffer: Buffer }).buffer[0]).toBe(1);
    const arrays = packValue([new Uint8Array([1]), new Float64Array([1]), new DataView(new ArrayBuffer(1)), new ArrayBuffer(1)]);
    const before = Buffer.from(arrays);
    for (const view of unpackValue(arrays) as ArrayBufferLike[]) new Uint8Array(ArrayBuffer.isView(view) ? view.buffer : view).fill(7);
    expect(Buffer.from(arrays).equals(before)).toBe(true);
  });

  it('writes self-describing bytes: no record structures are shared between calls', () => {
    const shapes = Array.from({ length: 100 }, (_, i) => ({ [`k${i}`]: i, shared: 'x', nested: { [`n${i % 7}`]: [i] } }));
    const packed = shapes.map((shape) => packValue(shape));
    for (let i = 0; i < shapes.length; i++) {
      const fresh = new Unpackr({ moreTypes: true, useRecords: true, mapsAsObjects: false, int64AsType: 'bigint' });
      expect(firstDifference(shapes[i], fresh.unpack(packed[i]!))).toBeUndefined();
    }
  });

  it('decodes in another process, and that process encodes the same bytes', async () => {
    const samples = fc.sample(value, { numRuns: 50, seed: 42 });
    samples.push({ negativeZero: -0, proto: JSON.parse('{"__proto__": 1}'), big: 2n ** 200n, buffer: Buffer.from('hi') });
    const input = samples.map((sample) => Buffer.from(packValue(sample)).toString('base64')).join('\n');
    const fixture = fileURLToPath(new URL('../fixtures/store-repack.ts', import.meta.url));
    const child = promisify(execFile)(process.execPath, ['--import', 'tsx', fixture], { maxBuffer: 64 << 20 });
    child.child.stdin!.end(input);
    const { stdout } = await child;
    const repacked = stdout.trim().split('\n');
    expect(repacked).toHaveLength(samples.length);
    repacked.forEach((line, i) => {
      expect(firstDifference(samples[i], unpackValue(Buffer.from(line, 'base64')))).toBeUndefined();
      expect(line).toBe(input.split('\n')[i]);
    });
  });
});
