import fc from 'fast-check';
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
    expect(normalized(base)).toBe('function #0 ( #1 , #2 ) { return #1 + #2 ; }');
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

  test('parentheses around an arrow function’s sole plain parameter are formatting', () => {
    // esbuild prints `x => …`; vitest's transform and prettier print `(x) => …`.
    expect(normalized('(x) => x + 1')).toBe(normalized('x => x + 1'));
    expect(normalized('async (x) => x')).toBe(normalized('async x => x'));
    expect(normalized('() => [1].map((z) => z * 2)')).toBe(normalized('() => [1].map(z => z * 2)'));
    expect(normalized('(x) => x')).toBe('#0 => #0');
    // Needed ones stay: a default, a pattern, two parameters, a rest parameter.
    expect(normalized('(x = 1) => x')).toBe('( #0 = 1 ) => #0');
    expect(normalized('([x]) => x')).toBe('( [ #0 ] ) => #0');
    expect(normalized('(...x) => x')).toBe('( ... #0 ) => #0');
    expect(normalized('(x, y) => x')).not.toBe(normalized('x => x'));
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
    for (const changed of ['(a, b) => a - b', '(a, c) => a + b', '(b, a) => a + b', '(a, b) => a + b + 0', "(a, b) => a + b + ''", '(a, b) => (a + b)']) {
      expect(normalized(changed)).not.toBe(base);
    }
    expect(normalized("() => 'x'")).not.toBe(normalized('() => "y"'));
  });

  test('template literal text is kept exactly; regex literals are single tokens', () => {
    expect(normalized('(x) => `a ${x} b`')).toBe(normalized('(x) => `a ${ x } b`'));
    expect(normalized('(x) => `a ${x} b`')).not.toBe(normalized('(x) => `a  ${x} b`'));
    expect(normalized('(x) => `a ${x} b`')).toBe('#0 => `a ${ #0 } b`');
    expect(normalized('(s) => /a b/g.test(s)')).not.toBe(normalized('(s) => /a  b/g.test(s)'));
    expect(normalized('(a, b, g) => a / b / g')).toBe('( #0 , #1 , #2 ) => #0 / #1 / #2');
  });
});

describe('local bindings are renamed (alpha-equivalence)', () => {
  const same = (a: string, b: string) => expect(normalized(b)).toBe(normalized(a));
  const differ = (a: string, b: string) => expect(normalized(b)).not.toBe(normalized(a));

  test('parameters and the function expression’s own name', () => {
    same('function add(a,b){return a+b}', 'function add2(x,y){return x+y}');
    expect(normalized('function add2(x,y){return x+y}')).toBe('function #0 ( #1 , #2 ) { return #1 + #2 ; }');
    same('(a) => a + 1', '(b) => b + 1');
    same('(a) => a + 1', '(\\u0062) => b + 1'); // an escaped name is the same name
    differ('(a, b) => a - b', '(b, a) => a - b');
    differ('(a) => a + b', '(b) => b + b'); // a local renamed into a free name's spelling
  });

  test('what tsx and vitest make of `const add = delayed(function add(a, b) {…})` has one identity', () => {
    const vitest = fromSource('function add(a, b) {\n\treturn a + b;\n}');
    const tsx = fromSource('function add2(a, b) {\n    return a + b;\n  }');
    Object.defineProperty(tsx, 'name', { value: 'add' }); // esbuild's keepNames `__name(…, "add")`
    expect(identityKey(functionIdentity(tsx))).toBe(identityKey(functionIdentity(vitest)));
    // The worker still gets the source as written.
    expect(analyzeFunction(tsx).expression).toContain('function add2(a, b)');
    expect(revive(analyzeFunction(tsx).expression)(2, 3)).toBe(5);
  });

  test('a recursive named function expression renamed consistently keeps its identity', () => {
    const fact = 'function fact(n) { return n <= 1 ? 1 : n * fact(n - 1); }';
    same(fact, 'function f2(k) { return k <= 1 ? 1 : k * f2(k - 1); }');
    differ(fact, 'function fact(n) { return n <= 1 ? 1 : n * fact2(n - 1); }'); // calls something else
    differ(fact, 'function fact(n) { return n <= 1 ? 1 : n * n(n - 1); }');
    same('class A { static of() { return new A(); } }', 'class B { static of() { return new B(); } }');
    differ('class A { static of() { return new A(); } }', 'class B { static of() { return new A(); } }');
  });

  test('declarations inside: var, let, const, functions, classes, catch parameters, patterns', () => {
    same(
      '(xs) => { let t = 0; for (const [i, x] of xs.entries()) t += i * x; return t; }',
      '(a) => { let b = 0; for (const [c, d] of a.entries()) b += c * d; return b; }',
    );
    same('() => { x = 1; var x; return x; }', '() => { y = 1; var y; return y; }');
    differ('() => { x = 1; var x; return x; }', '() => { x = 1; var y; return x; }');
    same(
      '() => { function inner(n) { return n; } class K {} return inner(new K()); }',
      '() => { function g(m) { return m; } class J {} return g(new J()); }',
    );
    same('() => { try { f(); } catch (e) { return e; } }', '() => { try { f(); } catch (err) { return err; } }');
    same('({ a: [b], ...c }) => b + c', '({ a: [x], ...y }) => x + y');
    differ('({ a: [b], ...c }) => b + c', '({ z: [x], ...y }) => x + y');
  });

  test('shadowing is kept apart: two bindings spelled alike are two placeholders', () => {
    // The block's `x` is not the parameter: the first returns the parameter, the second a free `y`.
    differ('(x) => { { let x = 1; } return x; }', '(x) => { { let y = 1; } return y; }');
    same('(x) => { { let x = 1; } return x; }', '(a) => { { let b = 1; } return a; }');
    expect(normalized('(x) => { { let x = 1; } return x; }')).toBe('#0 => { { let #1 = 1 ; } return #0 ; }');
    differ('(x) => { { let x = 1; return x; } }', '(x) => { { let y = 1; return x; } }');
    same('(x) => { { let x = 1; return x; } }', '(a) => { { let b = 1; return b; } }');
    differ('(x) => (x) => x', '(x) => (y) => x');
    same('(x) => (x) => x', '(a) => (b) => b');
    differ('(e) => { try {} catch (e) { return e; } }', '(e) => { try {} catch (f) { return e; } }');
    same('(e) => { try {} catch (e) { return e; } }', '(a) => { try {} catch (b) { return b; } }');
    // A default parameter does not see the body's declarations.
    differ('(a = () => x) => { var x = 1; return a(); }', '(a = () => y) => { var y = 1; return a(); }');
    same('(a = () => x) => { var x = 1; return a(); }', '(b = () => x) => { var z = 1; return b(); }');
  });

  test('property names, object keys and free names are not renamed', () => {
    differ('(o) => o.a', '(o) => o.b');
    expect(normalized('(o) => o.a')).toBe('#0 => #0 . a');
    differ('() => Math.PI', '() => Mathh.PI');
    differ('(o) => ({ k: o })', '(o) => ({ j: o })');
    differ('(o) => ({ k() { return o; } })', '(o) => ({ j() { return o; } })');
    differ('() => class { m() {} }', '() => class { n() {} }');
    differ('() => class { #p = 1; m() { return this.#p; } }', '() => class { #q = 1; m() { return this.#q; } }');
    expect(free('(a) => a + b')).toEqual(['b']);
  });

  test('a shorthand property keeps its key', () => {
    differ('({ a }) => ({ a })', '({ b }) => ({ b })');
    differ('(a) => ({ a })', '(b) => ({ b })');
    expect(normalized('({ a }) => ({ a })')).toBe('( { a : #0 } ) => ( { a : #0 } )');
    same('(a) => ({ a })', '(b) => ({ a: b })');
    same('({ a = 1 }) => a', '({ a: b = 1 }) => b');
    expect(normalized('() => ({ k })')).toBe('( ) => ( { k } )'); // k is free
  });

  test('placeholders never read like an identifier', () => {
    differ('(a) => a', '(a) => $0');
    differ('(a) => a', '(a) => _0');
    expect(normalized('() => { let $0 = 1; return $0 + $1; }')).toBe('( ) => { let #0 = 1 ; return #0 + $1 ; }');
  });

  test('labels, `arguments` and `this` are left as they are', () => {
    differ('() => { a: for (;;) break a; }', '() => { b: for (;;) break b; }');
    // `var arguments` does not reset the arguments object: not a plain local.
    differ('function () { var arguments; return arguments; }', 'function () { var y; return y; }');
    expect(normalized('function (a) { return this[a] + arguments.length; }')).toBe(
      'function ( #0 ) { return this [ #0 ] + arguments . length ; }',
    );
  });

  test('direct eval or with anywhere inside: nothing is renamed', () => {
    expect(normalized('(s) => eval(s)')).toBe('s => eval ( s )');
    differ('(s) => eval(s)', '(t) => eval(t)');
    differ('(a) => () => eval("a")', '(b) => () => eval("a")');
    differ('(o) => { with (o) { return x; } }', '(p) => { with (p) { return x; } }');
    same('(s) => (0, eval)(s)', '(t) => (0, eval)(t)'); // indirect eval sees only globals
  });

  test('a function declaration in a block is renamed only in strict code', () => {
    // Sloppy code hoists `g` to the function (Annex B): the first returns it, the second a free `g`.
    differ('() => { { function g() {} } return g; }', '() => { { function h() {} } return g; }');
    same(
      'function () { "use strict"; { function g() {} } return 1; }',
      'function () { "use strict"; { function h() {} } return 1; }',
    );
    const strictFn = function () {
      {
        function inner() {
          return 1;
        }
        inner();
      }
    };
    expect(analyzeFunction(strictFn).normalized).not.toContain('inner');
  });

  test('random consistent renamings of the locals keep the identity; an inconsistent one changes it', () => {
    const reserved = new Set(
      ('break case catch class const continue debugger default delete do else enum export extends false finally for ' +
        'function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
        'yield let static implements package protected interface private public await async of get set arguments eval ' +
        'undefined NaN Infinity Math Error').split(' '),
    );
    const name = fc.stringMatching(/^[a-zA-Z_$][a-zA-Z0-9_$]{0,4}$/).filter((n) => !reserved.has(n));
    // Each template takes its locals' names; `last` spells the final reference of names[1].
    const templates: [number, (n: string[], last: string) => string][] = [
      [3, ([f, a, b], last) => `function ${f}(${a}, ${b}) { return ${a} + ${b} * ${last}; }`],
      [3, ([f, n, acc], last) => `function ${f}(${n}, ${acc} = 1) { return ${n} <= 1 ? ${acc} : ${f}(${n} - 1, ${acc} * ${last}); }`],
      [
        5,
        ([xs, t, i, x, e], last) =>
          `(${xs}) => { let ${t} = 0; for (const [${i}, ${x}] of ${xs}.entries()) { try { ${t} += ${x} * ${i}; } catch (${e}) { throw ${e}; } } return { total: ${t}, n: ${last}.length, max: Math.max(...${xs}) }; }`,
      ],
      [
        4,
        ([C, k, v, o], last) =>
          `class ${C} { constructor(${v}) { this.v = ${v}; } add(${o}) { const ${k} = ${o}.v; return new ${C}(this.v + ${k} + ${last}); } }`,
      ],
      [4, ([o, a, b, c], last) => `(${o}) => { const { p: ${a}, q: [${b}] = [] } = ${o}; { let ${c} = ${a}; return ${c} + ${b} + ${last}; } }`],
    ];
    fc.assert(
      fc.property(
        fc.nat(templates.length - 1).chain((t) =>
          fc.tuple(fc.constant(t), fc.uniqueArray(name, { minLength: templates[t]![0] + 1, maxLength: templates[t]![0] + 1 })),
        ),
        ([t, names]) => {
          const [count, template] = templates[t]!;
          const base = Array.from({ length: count }, (_, i) => `v${i}`);
          const renamed = names.slice(0, count);
          const reference = normalized(template(base, base[1]!));
          expect(normalized(template(renamed, renamed[1]!))).toBe(reference);
          // The spare name is free in the renamed function: that one reference now means something else.
          expect(normalized(template(renamed, names[count]!))).not.toBe(reference);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('functionIdentity', () => {
  test('name plus normalized source; formatting keeps it, tokens change it', () => {
    const one = functionIdentity(fromSource('function add(a, b) { return a + b; }'));
    const two = functionIdentity(fromSource('function add(a,b){\n  // sum\n  return a+b\n}'));
    const three = functionIdentity(fromSource('function add(a, b) { return b + a; }'));
    // Evaluated as a sloppy script, so the identity says so.
    expect(one).toEqual({ name: 'add', source: 'function #0 ( #1 , #2 ) { return #1 + #2 ; }', sloppy: true });
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
