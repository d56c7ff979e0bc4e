import { transformSync, type TransformOptions } from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { analyzeFunction } from '../../src/hash/function-source.js';
import { functionIdentity, identityKey } from '../../src/hash/identity.js';

/** A function whose source text is exactly `source` (indirect eval: global scope, where `__name` is free). */
const fromSource = (source: string): Function => (0, eval)(`(${source}\n)`) as Function;
const normalized = (source: string): string => analyzeFunction(fromSource(source)).normalized;
// What the worker defines, for the class sources below whose static blocks run when evaluated.
(globalThis as { __name?: unknown }).__name ??= (target: unknown) => target;
const same = (a: string, b: string) => expect(normalized(b)).toBe(normalized(a));
const differ = (a: string, b: string) => expect(normalized(b)).not.toBe(normalized(a));

describe('esbuild keepNames `__name(…)` is left out of the normalised source', () => {
  test('a wrapped expression counts as the expression', () => {
    same('(xs) => xs.map(function f(x) { return x + 1; })', '(xs) => xs.map(__name(function f(x) { return x + 1; }, "f"))');
    same('() => { const g = () => 1; return g; }', '() => { const g = /* @__PURE__ */ __name(() => 1, "g"); return g; }');
    expect(normalized('() => { const g = __name(() => 1, "g"); return g; }')).toBe('( ) => { const #0 = ( ) => 1 ; return #0 ; }');
    // An inserted semicolon after the call still follows the expression.
    same('() => { const g = () => 1\n  return g }', '() => { const g = __name(() => 1, "g")\n  return g }');
    same(
      '(a) => ({ h: () => 2, k: function () {}, c: class {}, [a]: [() => 3] })',
      '(a) => ({ h: __name(() => 2, "h"), k: __name(function () {}, "k"), c: __name(class {}, "c"), [a]: [__name(() => 3, "x")] })',
    );
    same('(a, { p = () => 3 } = a) => { a ??= () => 9; return a ? p : () => 4; }',
      '(a, { p = __name(() => 3, "p") } = a) => { a ??= __name(() => 9, "a"); return a ? p : __name(() => 4, "x"); }');
    same('() => class { static q = () => 6; #s = () => 8; }', '() => class { static q = __name(() => 6, "q"); #s = __name(() => 8, "#s"); }');
    same('() => `${function tt() {}}` + (a || function f() {})', '() => `${__name(function tt() {}, "tt")}` + (a || __name(function f() {}, "f"))');
    same('() => () => function inner() {}', '() => __name(() => __name(function inner() {}, "inner"), "t")');
    // esbuild keeps an IIFE's parentheses: `(__name((function h() {}), "h"))()`.
    same('() => (function h() {})()', '() => (/* @__PURE__ */ __name((function h() {}), "h"))()');
  });

  test('the helper renamed by a second compilation (`__name2`)', () => {
    same('() => { const g = () => 1; return g; }', '() => { const g = __name2(() => 1, "g"); return g; }');
    same('(xs) => xs.map(function f(x) { return x; })', '(xs) => xs.map(__name2(__name(function f(x) { return x; }, "f"), "f"))');
    differ('() => { const g = () => 1; return g; }', '() => { const g = __namex(() => 1, "g"); return g; }');
  });

  test('nested calls and a trailing comma', () => {
    same('(xs) => xs.map(function f(x) { return x; })', '(xs) => xs.map(__name(__name(function f(x) { return x; }, "f"), "g"))');
    same('() => { const g = () => 1; return g; }', '() => { const g = __name(__name(() => 1, "a"), "g",); return g; }');
  });

  test('naming statements and static blocks are left out', () => {
    // tsx output (minifyWhitespace) and the same code without keepNames.
    same(
      'function outer(xs){function inner(x){return x+1}class K{m(){return 1}}return xs.map(inner).concat(new K().m())}',
      'function outer(xs){function inner(x){return x+1}__name(inner,"inner");class K{static{__name(this,"K")}m(){return 1}}return xs.map(inner).concat(new K().m())}',
    );
    same(
      '() => { "use strict"; switch (1) { case 1: function g() {} return g; } }',
      '() => { "use strict"; switch (1) { case 1: function g() {} __name(g, "g"); return g; } }',
    );
    // The delayed function is a class.
    same('class Point { constructor(x) { this.x = x; } }', 'class Point { static { __name(this, "Point"); } constructor(x) { this.x = x; } }');
    // A static block that does something else stays, without the naming statement.
    same('class A { static { this.n = 1; } }', 'class A { static { __name(this, "A"); this.n = 1; } }');
    differ('class A {}', 'class A { static { __name(this, "A"); this.n = 1; } }');
  });

  test('calls that are not the helper’s shape are left as written', () => {
    for (const source of [
      '(f, n) => __name(f, n)',
      '(f) => __name(f, `f`)',
      '(f) => __name(f, 1)',
      '(f) => __name(f)',
      '(f) => __name(f, "f", 1)',
      '(a) => __name(...a, "f")',
      '(f) => __name?.(f, "f")',
      '(f) => (__name)(f, "f")',
      '(f) => __name(f, ("f"))',
      '(f) => g.__name(f, "f")',
    ]) {
      expect(normalized(source), source).toContain('__name');
    }
  });

  test('a function that binds its own `__name` keeps every call', () => {
    // (Its `__name` is a local, so it is written as a placeholder.)
    for (const source of [
      '() => { const __name = (f) => f; return __name(() => 1, "g"); }',
      '(__name) => [__name(() => 1, "g")]',
      '() => { function __name(f) { return f; } return [__name(() => 1, "g")]; }',
      '() => { const g = __name(() => 1, "g"); { let __name; } return g; }',
      'function () { function inner() {} __name(inner, "inner"); var __name; }',
    ]) {
      expect(normalized(source), source).toMatch(/"(g|inner)" \)/);
    }
    // Nor where names are looked up at run time.
    expect(normalized('(o) => { with (o) { return __name(() => 1, "g"); } }')).toContain('__name');
    expect(normalized('(s) => [eval(s), __name(() => 1, "g")]')).toContain('__name');
  });

  test('where leaving the call out would read differently, it stays', () => {
    differ('(a, b, c) => a || b && c', '(a, b, c) => __name(a || b, "x") && c');
    expect(normalized('(o) => __name(o.m, "m")()')).toContain('__name'); // `(o.m)()` would pass `this`
    expect(normalized('() => { __name(function f() {}, "f"); }')).toContain('__name'); // a declaration then
    expect(normalized('() => { __name({}, "x"); }')).toContain('__name'); // a block then
    expect(normalized('() => __name({ a: 1 }, "x")')).toContain('__name'); // a block body then
    expect(normalized('() => __name(__name({ a: 1 }, "x"), "y")')).toContain('__name');
    expect(normalized('() => { for (let f = __name(() => a in b, "f"); ;) break; }')).toContain('__name');
    // A statement is left out only if it cannot throw: a hoisted function, a class's `this`.
    expect(normalized('() => { __name(x, "x"); }')).toContain('__name'); // x may be undeclared
    expect(normalized('() => { __name(x, "x"); let x; }')).toContain('__name'); // x is in its TDZ
    expect(normalized('class A extends Object { constructor() { __name(this, "A"); super(); } }')).toContain('__name');
    expect(normalized('() => { if (1) __name(g, "g"); function g() {} }')).toContain('__name');
    // ...and if it does not make the next statement a directive.
    expect(normalized('function () { __name(g, "g"); "use strict"; function g() {} }')).toContain('__name');
    expect(normalized('function () { function g() {} __name(g, "g"); "use strict"; }')).not.toContain('__name');
  });

  test('workers still get the source as written, and `__name` is not a missing name', () => {
    const fn = fromSource('(xs) => xs.map(__name((x) => x + 1, "f"))');
    expect(analyzeFunction(fn).expression).toContain('__name((x) => x + 1, "f")');
    expect(analyzeFunction(fn).freeNames).toEqual([]);
  });
});

describe('real esbuild output', () => {
  const dir = mkdtempSync(join(tmpdir(), 'memograph-keep-names-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let count = 0;
  const compile = async (code: string, options: TransformOptions): Promise<Record<string, Function>> => {
    const file = join(dir, `m${count++}.mjs`);
    writeFileSync(file, transformSync(code, { loader: 'ts', format: 'esm', ...options }).code);
    return (await import(pathToFileURL(file).href)) as Record<string, Function>;
  };

  const module = `
    export function outer(xs: number[], k: number): number[] {
      function inner(x: number): number { return x + k; }
      class Box<T> { constructor(readonly value: T) {} get(): T { return this.value; } }
      const Named = class Tag { static of = (v: number) => new Tag(); };
      const twice = (x: number) => 2 * x;
      const obj = { h: () => 1, m(y: number) { return y; }, c: class {} };
      const [d = () => 4] = [] as (() => number)[];
      const early = (function once() { return 5; })();
      return xs
        .map(function step(x) { return inner(twice(x)); })
        .concat(new Box(obj.h()).get(), obj.m(d()), early, Named.of(1) instanceof Named ? 1 : 0);
    }
    export const arrow = async (a = () => 1): Promise<unknown> => {
      const q = class {};
      let late: () => number;
      late = () => 3;
      return [q, late, a];
    };
    export class Shape {
      static unit = () => new Shape(1);
      constructor(readonly size: number) {}
      area() { const sq = (n: number) => n * n; return sq(this.size); }
    }
  `;

  for (const target of ['esnext', `node${process.versions.node}`]) {
    test(`keepNames does not change the identity (target ${target}, as tsx compiles)`, async () => {
      for (const minifyWhitespace of [false, true]) {
        const plain = await compile(module, { target, keepNames: false, minifyWhitespace });
        const kept = await compile(module, { target, keepNames: true, minifyWhitespace });
        for (const name of ['outer', 'arrow', 'Shape']) {
          expect(Function.prototype.toString.call(kept[name])).toContain('__name');
          expect(Function.prototype.toString.call(plain[name])).not.toContain('__name');
          expect(analyzeFunction(kept[name]!).normalized, name).toBe(analyzeFunction(plain[name]!).normalized);
          expect(identityKey(functionIdentity(kept[name]!))).toBe(identityKey(functionIdentity(plain[name]!)));
        }
        expect(kept.outer!([1, 2], 10)).toEqual(plain.outer!([1, 2], 10));
      }
    });
  }
});
