import { describe, expect, test } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { callAddress } from '../../src/hash/call-address.js';
import { analyzeFunction } from '../../src/hash/function-source.js';
import { functionIdentity, identityKey } from '../../src/hash/identity.js';

/** A function whose source text is exactly `source` (indirect eval: global scope). */
const fromSource = (source: string): Function => (0, eval)(`(${source}\n)`) as Function;
const normalized = (source: string): string => analyzeFunction(fromSource(source)).normalized;
const free = (source: string): readonly string[] => analyzeFunction(fromSource(source)).freeNames;
/** Evaluate an analysis expression the way a fresh worker does. */
const revive = (expression: string): Function => new Function(`return (${expression}\n)`)() as Function;

describe('normalized source', () => {
  test('formatting and comments do not change it', () => {
    const base = 'function add(a, b) { return a + b; }';
    for (const variant of [
      'function add(a,b){return a+b}',
      'function add(\n  a, // first\n  b,\n) /* c */ {\n\treturn a\n    + b;\n}',
      'function add(a, b) {\n  // adds\n  return a + b; /* done */\n}',
    ]) {
      expect(normalized(variant)).toBe(normalized(base));
    }
    expect(normalized(base)).toBe('function add ( a , b ) { return a + b ; }');
  });

  test('trailing commas and quote styles are formatting', () => {
    expect(normalized('(a, b,) => f(a, b,)')).toBe(normalized('(a, b) => f(a, b)'));
    expect(normalized('() => ({ a: [1, 2,], b: 3, })')).toBe(normalized('() => ({ a: [1, 2], b: 3 })'));
    expect(normalized(`() => 'it"s'`)).toBe(normalized(`() => "it\\"s"`));
    expect(normalized(`() => ['a', "b"]`)).toBe('( ) => [ "a" , "b" ]');
    // ...but not where the token means something: array holes, escapes.
    expect(normalized('() => [1, ,]')).not.toBe(normalized('() => [1, ]'));
    expect(normalized('() => [,]')).not.toBe(normalized('() => []'));
    expect(normalized(`function () { "use\\x20strict"; return this; }`)).not.toBe(
      normalized(`function () { "use strict"; return this; }`),
    );
  });

  test('optional semicolons are written out, so ASI-equivalent code agrees', () => {
    expect(normalized('() => { let a = 1\n  a++\n  return a }')).toBe(normalized('() => { let a = 1; a++; return a; }'));
  });

  test('a line break that changes meaning changes it', () => {
    expect(normalized('() => { return\n 1 }')).not.toBe(normalized('() => { return 1 }'));
    expect(normalized('(a, b) => { a\n++b }')).not.toBe(normalized('(a, b) => { a++\nb }'));
  });

  test('any token change changes it', () => {
    const base = normalized('(a, b) => a + b');
    for (const changed of ['(a, b) => a - b', '(a, c) => a + c', '(a, b) => a + b + 0', "(a, b) => a + b + ''", '(a, b) => (a + b)']) {
      expect(normalized(changed)).not.toBe(base);
    }
    expect(normalized("() => 'x'")).not.toBe(normalized('() => "y"'));
  });

  test('template literal text is kept exactly; regex literals are single tokens', () => {
    expect(normalized('(x) => `a ${x} b`')).toBe(normalized('(x) => `a ${ x } b`'));
    expect(normalized('(x) => `a ${x} b`')).not.toBe(normalized('(x) => `a  ${x} b`'));
    expect(normalized('(x) => `a ${x} b`')).toBe('( x ) => `a ${ x } b`');
    expect(normalized('(s) => /a b/g.test(s)')).not.toBe(normalized('(s) => /a  b/g.test(s)'));
    expect(normalized('(a, b, g) => a / b / g')).toBe('( a , b , g ) => a / b / g');
  });
});

describe('functionIdentity', () => {
  test('name plus normalized source; formatting keeps it, tokens change it', () => {
    const one = functionIdentity(fromSource('function add(a, b) { return a + b; }'));
    const two = functionIdentity(fromSource('function add(a,b){\n  // sum\n  return a+b\n}'));
    const three = functionIdentity(fromSource('function add(a, b) { return b + a; }'));
    expect(one).toEqual({ name: 'add', source: 'function add ( a , b ) { return a + b ; }' });
    expect(identityKey(two)).toBe(identityKey(one));
    expect(identityKey(three)).not.toBe(identityKey(one));
    const call = (identity: typeof one) => callAddress(identity, [1, 2], () => undefined).cid;
    expect(call(two)).toBe(call(one));
    expect(call(three)).not.toBe(call(one));
  });

  test('name and version are part of it; with a version the source is not', () => {
    const fn = fromSource('(a) => a * 2');
    const other = fromSource('(a) => a * 3');
    expect(functionIdentity(fn).name).toBe('anonymous');
    const keys = [
      identityKey(functionIdentity(fn)),
      identityKey(functionIdentity(fn, { name: 'double' })),
      identityKey(functionIdentity(fn, { version: '1' })),
      identityKey(functionIdentity(fn, { version: '2' })),
      identityKey(functionIdentity(fn, { name: 'double', version: '1' })),
    ];
    expect(new Set(keys).size).toBe(keys.length);
    expect(functionIdentity(fn, { version: '1' })).toEqual({ name: 'anonymous', version: '1' });
    expect(identityKey(functionIdentity(other, { version: '1' }))).toBe(keys[2]);
  });

  test('is memoised per function and options', () => {
    const fn = (x: number) => x;
    expect(functionIdentity(fn)).toBe(functionIdentity(fn));
    expect(functionIdentity(fn, { version: 'a' })).toBe(functionIdentity(fn, { version: 'a' }));
    expect(identityKey(functionIdentity(fn))).toMatch(/^bafyrei[a-z2-7]{52}$/);
  });

  test('rejects bad options', () => {
    expect(() => functionIdentity(() => 1, { version: '' })).toThrow(InvalidArgumentError);
    expect(() => functionIdentity('f' as unknown as Function)).toThrow(InvalidArgumentError);
  });
});

const moduleConstant = 3;

describe('freeNames', () => {
  test('closures over locals and module constants', () => {
    expect(free('(x) => x + k')).toEqual(['k']);
    const local = 2;
    const closure = (x: number) => x * local + moduleConstant;
    expect(analyzeFunction(closure).freeNames).toEqual(['local', 'moduleConstant']);
  });

  test('declarations inside, shadowing, hoisting', () => {
    expect(free('(k) => k')).toEqual([]);
    expect(free('() => { const k = 1; return k; }')).toEqual([]);
    expect(free('() => { { const k = 1; } return k; }')).toEqual(['k']);
    expect(free('() => { x = 1; var x; return x; }')).toEqual([]);
    expect(free('() => { y = 1; }')).toEqual(['y']);
    expect(free('function f(n) { return n ? f(n - 1) : g(); }')).toEqual(['g']);
    expect(free('() => { function inner() { return 1; } return inner(); }')).toEqual([]);
  });

  test('destructuring and default parameters', () => {
    expect(free('({ a, b: [c, ...d] = [] }, ...rest) => a + c + d.length + rest.length')).toEqual([]);
    expect(free('(a = fallback) => a')).toEqual(['fallback']);
    expect(free('({ [key]: v }) => v')).toEqual(['key']);
  });

  test('catch parameters and labels', () => {
    expect(free('() => { try { return 1; } catch ({ message }) { return message; } }')).toEqual([]);
    expect(free('() => { try {} catch (e) {} return e; }')).toEqual(['e']);
    expect(free('() => { outer: for (;;) { for (;;) { break outer; } } }')).toEqual([]);
  });

  test('member access reads only the object; object keys are not names', () => {
    expect(free('() => a.b.c')).toEqual(['a']);
    expect(free('() => a?.[b]')).toEqual(['a', 'b']);
    expect(free('() => ({ k: 1, j() {}, [m]: 2 })')).toEqual(['m']);
    expect(free('() => ({ k })')).toEqual(['k']);
  });

  test('typeof of a missing name still counts (it would differ in the worker)', () => {
    expect(free('() => typeof x')).toEqual(['x']);
  });

  test('ECMAScript and worker globals are fine', () => {
    const source = `async () => [Math.max(1), JSON.stringify({}), new Map(), Symbol.iterator, BigInt(1),
      console.log, Buffer.from(''), structuredClone(1), setTimeout, clearTimeout, process.env, new URL('a:b'),
      new TextEncoder(), performance.now(), crypto.randomUUID(), fetch, new AbortController(), queueMicrotask,
      Atomics, SharedArrayBuffer, WebAssembly, Intl, globalThis, undefined, NaN, __name(() => 1, 'x')]`;
    expect(free(source)).toEqual([]);
    expect(free('() => [require, module, exports, __dirname, window, document]')).toEqual(
      ['__dirname', 'document', 'exports', 'module', 'require', 'window'],
    );
  });

  test('arguments, this, classes, private names', () => {
    expect(free('function () { return arguments.length; }')).toEqual([]);
    expect(free('() => arguments.length')).toEqual(['arguments']);
    const derived = new Function('Base', 'return class A extends Base { m() { return A; } }')(class {}) as Function;
    expect(analyzeFunction(derived).freeNames).toEqual(['Base']);
    class Vault {
      #secret = 1;
      peek = () => this.#secret;
    }
    expect(analyzeFunction(new Vault().peek).freeNames).toEqual(['#secret']);
    expect(free('() => class { #s = 1; get() { return this.#s; } }')).toEqual([]);
  });
});

describe('expression', () => {
  test('method shorthand, async, generators and arrows evaluate back to working functions', async () => {
    const object = {
      double(a: number) {
        return a * 2;
      },
      async later(a: number) {
        return a + 1;
      },
      *count(n: number) {
        for (let i = 0; i < n; i++) yield i;
      },
      async *stream() {
        yield 'x';
      },
      'quoted key'(a: number) {
        return -a;
      },
      [Symbol.iterator]() {
        return 7;
      },
    };
    expect(revive(analyzeFunction(object.double).expression)(4)).toBe(8);
    await expect(revive(analyzeFunction(object.later).expression)(1)).resolves.toBe(2);
    expect([...revive(analyzeFunction(object.count).expression)(3)]).toEqual([0, 1, 2]);
    const chunks: unknown[] = [];
    for await (const chunk of revive(analyzeFunction(object.stream).expression)()) chunks.push(chunk);
    expect(chunks).toEqual(['x']);
    expect(revive(analyzeFunction(object['quoted key']).expression)(5)).toBe(-5);
    expect(revive(analyzeFunction(object[Symbol.iterator]).expression)()).toBe(7);
    expect(revive(analyzeFunction(object.double).expression).name).toBe('double');

    const arrow = (a: number, b: number) => a ** b;
    const asyncArrow = async (x: number) => x;
    function declared(x: number) {
      return x + 1;
    }
    expect(revive(analyzeFunction(arrow).expression)(2, 10)).toBe(1024);
    await expect(revive(analyzeFunction(asyncArrow).expression)(3)).resolves.toBe(3);
    expect(revive(analyzeFunction(declared).expression)(1)).toBe(2);
  });

  test('static and private methods', () => {
    class Holder {
      static twice(x: number) {
        return 2 * x;
      }
      #hidden() {
        return 'h';
      }
      reveal() {
        return this.#hidden;
      }
    }
    expect(revive(analyzeFunction(Holder.twice).expression)(3)).toBe(6);
    const hidden = new Holder().reveal();
    expect(revive(analyzeFunction(hidden).expression)()).toBe('h');
  });

  test('strict mode is kept for ESM code, sloppy code stays sloppy', () => {
    const strictFn = function (this: unknown) {
      return this;
    };
    expect(revive(analyzeFunction(strictFn).expression)()).toBe(undefined);
    const sloppy = fromSource('function () { return this; }');
    expect(revive(analyzeFunction(sloppy).expression)()).toBe(globalThis);
    const withStatement = fromSource('function (o) { with (o) { return x; } }');
    expect(revive(analyzeFunction(withStatement).expression)({ x: 5 })).toBe(5);
  });

  test('classes evaluate to the class', () => {
    class Counter {
      n = 1;
    }
    expect(new (revive(analyzeFunction(Counter).expression) as new () => Counter)().n).toBe(1);
  });

  test('getters and setters are rejected; native functions are flagged', () => {
    const object = {
      get value() {
        return 1;
      },
    };
    const getter = Object.getOwnPropertyDescriptor(object, 'value')!.get!;
    expect(() => analyzeFunction(getter)).toThrow(/getter/);
    expect(analyzeFunction(Math.max)).toMatchObject({ isNative: true, expression: '' });
    expect(analyzeFunction(declaredForBind.bind(null)).isNative).toBe(true);
    expect(analyzeFunction(declaredForBind).isNative).toBe(false);
  });
});

function declaredForBind() {
  return 1;
}
