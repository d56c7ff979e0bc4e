import { describe, expect, test } from 'vitest';
import { InvalidArgumentError, UnhashableError } from '../../src/errors.js';
import { callAddress, tokenize } from '../../src/hash/call-address.js';
import { registerEncoder } from '../../src/hash/canonical.js';
import { functionIdentity, type FunctionIdentity } from '../../src/hash/identity.js';
import { MAX_NESTING } from '../../src/hash/nesting.js';
import { packValue, unpackValue } from '../../src/store/value-codec.js';
import { LinkStub, linkOf } from './reference.js';

const IDENTITY: FunctionIdentity = { name: 'f', version: '1' };

/** The UnhashableError thrown by hashing `args`. */
function rejection(args: unknown[]): UnhashableError {
  try {
    callAddress(IDENTITY, args, linkOf);
  } catch (error) {
    expect(error).toBeInstanceOf(UnhashableError);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as UnhashableError).code).toBe('MEMOGRAPH_UNHASHABLE');
    return error as UnhashableError;
  }
  throw new Error('expected an UnhashableError');
}

class Foo {
  x = 1;
}

function revoked(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

/** `depth` arrays, one inside the other. */
function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe('rejected values name their path and what they are', () => {
  const cases: [string, unknown[], string, string][] = [
    ['function', [1, { config: { cb: function cb() {} } }], 'args[1].config.cb', 'function `cb`'],
    ['arrow', [() => 1], 'args[0]', 'anonymous function'],
    ['class', [[Foo]], 'args[0][0]', 'class `Foo`'],
    ['symbol', [{ s: Symbol('tag') }], 'args[0].s', 'symbol Symbol(tag)'],
    ['symbol key', [{ a: { [Symbol('k')]: 1 } }], 'args[0].a', 'symbol key Symbol(k)'],
    ['class instance', [1, 2, { foo: new Foo() }], 'args[2].foo', 'class instance of `Foo`'],
    ['weird key', [{ 'weird key': () => 1 }], 'args[0]["weird key"]', 'function'],
    ['map value', [0, 0, new Map([['k', Symbol('v')]])], 'args[2].<map value>', 'symbol'],
    ['map key', [new Map([[new Foo(), 1]])], 'args[0].<map key>', 'class instance of `Foo`'],
    ['set member', [new Set([new WeakMap()])], 'args[0].<set member>', 'WeakMap'],
    ['WeakMap', [new WeakMap()], 'args[0]', 'WeakMap'],
    ['WeakSet', [new WeakSet()], 'args[0]', 'WeakSet'],
    ['WeakRef', [new WeakRef({})], 'args[0]', 'WeakRef'],
    ['Promise', [{ p: Promise.resolve(1) }], 'args[0].p', 'Promise'],
    ['boxed primitive', [new Number(1)], 'args[0]', 'boxed primitive'],
    ['SharedArrayBuffer', [new SharedArrayBuffer(8)], 'args[0]', 'SharedArrayBuffer'],
    ['view of shared memory', [new Uint8Array(new SharedArrayBuffer(8))], 'args[0]', 'SharedArrayBuffer'],
    ['Array subclass', [new (class Row extends Array {})()], 'args[0]', 'Array subclass'],
    ['getter that throws', [{ a: { get b() { throw new Error('no b'); } } }], 'args[0].a.b', 'reading it threw Error: no b'],
    [
      'Proxy trap that throws',
      [1, [new Proxy({}, { ownKeys() { throw new TypeError('no keys'); } })]],
      'args[1][0]',
      'reading it threw TypeError: no keys',
    ],
    ['revoked Proxy', [{ p: revoked() }], 'args[0].p', 'reading it threw TypeError'],
    ['Proxy get trap that throws', [new Proxy({ x: 1 }, { get() { throw new RangeError('trap'); } })], 'args[0].x', 'RangeError: trap'],
    ['nesting too deep', [{ deep: nested(MAX_NESTING) }], `args[0].deep${'[0]'.repeat(MAX_NESTING - 1)}`, `nested deeper than ${MAX_NESTING} levels`],
    ['nesting far too deep for the stack', [nested(100_000)], `args[0]${'[0]'.repeat(MAX_NESTING)}`, `nested deeper than ${MAX_NESTING} levels`],
    ['Map subclass', [new (class Registry extends Map {})()], 'args[0]', 'class instance of `Registry`'],
    ['prototype chain', [Object.create({ inherited: 1 })], 'args[0]', 'Object.create'],
  ];
  test.each(cases)('%s', (_label, args, path, what) => {
    const error = rejection(args);
    expect(error.path).toBe(path);
    expect(error.message).toContain(`Cannot content-address ${path}: `);
    expect(error.message).toContain(what);
  });

  test('values nested exactly as deep as the limit are hashed, and travel and come back', () => {
    const deepest = [nested(MAX_NESTING - 1), new Map([[1, nested(MAX_NESTING - 2)]])];
    expect(() => callAddress(IDENTITY, [nested(MAX_NESTING)], linkOf)).not.toThrow();
    expect(() => tokenize(deepest)).not.toThrow();
    expect(unpackValue(packValue(nested(MAX_NESTING)))).toEqual(nested(MAX_NESTING));
    expect(unpackValue(packValue(deepest))).toEqual(deepest);
    expect(() => packValue(nested(MAX_NESTING + 1))).toThrow(`nested deeper than ${MAX_NESTING} levels`);
  });

  test('class instances suggest registerEncoder', () => {
    expect(rejection([new Foo()]).message).toContain('registerEncoder(Foo');
  });

  test('cycles name where they lead back to', () => {
    const a: Record<string, unknown> = { n: 1 };
    a.self = a;
    expect(rejection([a]).message).toBe(
      'Cannot content-address args[0].self: cyclic reference back to `args[0]`. Content addresses need acyclic data',
    );
    const list: unknown[] = [];
    list.push({ back: list });
    const error = rejection([0, { list }]);
    expect(error.path).toBe('args[1].list[0].back');
    expect(error.message).toContain('back to `args[1].list`');
    const m = new Map<string, unknown>();
    m.set('me', m);
    expect(rejection([m]).message).toContain('args[0].<map value>: cyclic reference back to `args[0]`');
  });

  test('shared references that are not cycles are fine', () => {
    const shared = { a: [1, 2] };
    expect(() => callAddress(IDENTITY, [shared, [shared, shared], { x: shared }], linkOf)).not.toThrow();
  });

  test('a graph node inside a registered class encoding is rejected', () => {
    class Holder {
      constructor(readonly inner: unknown) {}
    }
    registerEncoder(Holder, { name: 'test/Holder', encode: (h) => ({ inner: h.inner }) });
    const error = rejection([new Holder(new LinkStub(tokenize(1)))]);
    expect(error.path).toBe('args[0].<encoded test/Holder>.inner');
    expect(error.message).toContain('graph node inside the encoding of a registered class');
  });

  test('tokenize paths start at `value`', () => {
    expect(() => tokenize({ a: [0, () => 1] })).toThrow(/^Cannot content-address value\.a\[1\]: anonymous function/);
    expect(() => tokenize(Symbol('s'))).toThrow(/^Cannot content-address value: symbol/);
  });

  test('the encoder is usable again after an error', () => {
    const before = tokenize({ a: 1 });
    expect(() => tokenize({ a: [1, { b: Symbol() }] })).toThrow(UnhashableError);
    expect(tokenize({ a: 1 })).toBe(before);
  });
});

describe('registerEncoder', () => {
  test('encodes instances of exactly that class', () => {
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
    }
    registerEncoder(Point, { name: 'test/Point', encode: (p) => ({ x: p.x, y: p.y }) });
    expect(tokenize(new Point(1, 2))).toBe(tokenize(new Point(1, 2)));
    expect(tokenize(new Point(1, 2))).not.toBe(tokenize(new Point(2, 1)));
    expect(tokenize(new Point(1, 2))).not.toBe(tokenize({ x: 1, y: 2 }));
    class Point3 extends Point {}
    expect(() => tokenize(new Point3(1, 2))).toThrow(/class instance of `Point3`/);
  });

  test('an encoder may itself hash (re-entrant use)', () => {
    class Token {
      constructor(readonly v: unknown) {}
    }
    registerEncoder(Token, { name: 'test/Token', encode: (t) => tokenize(t.v) });
    expect(tokenize([new Token({ a: 1 }), 2])).toBe(tokenize([new Token({ a: 1 }), 2]));
  });

  test('duplicate names, double registration and built-ins throw', () => {
    class A {}
    class B {}
    registerEncoder(A, { name: 'test/dup', encode: () => 1 });
    expect(() => registerEncoder(B, { name: 'test/dup', encode: () => 1 })).toThrow(InvalidArgumentError);
    expect(() => registerEncoder(A, { name: 'test/other', encode: () => 1 })).toThrow(/already has an encoder/);
    expect(() => registerEncoder(Map, { name: 'test/map', encode: () => 1 })).toThrow(/built in/);
    expect(() => registerEncoder(B, { name: '', encode: () => 1 })).toThrow(InvalidArgumentError);
  });
});

describe('function identity errors', () => {
  test('native and bound functions need a version', () => {
    for (const fn of [Math.max, function f() {}.bind(null)]) {
      expect(() => functionIdentity(fn)).toThrow(UnhashableError);
      expect(() => functionIdentity(fn)).toThrow(/native or bound function `(max|bound f)` has no source.*version/);
      expect(functionIdentity(fn, { version: '1' })).toEqual({ name: fn.name, version: '1' });
    }
  });

  test('bad identities and options are argument errors', () => {
    expect(() => callAddress({ name: 'x' }, [], linkOf)).toThrow(InvalidArgumentError);
    expect(() => functionIdentity(() => 1, { version: 3 as unknown as string })).toThrow(InvalidArgumentError);
  });
});
