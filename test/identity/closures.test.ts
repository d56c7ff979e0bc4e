import { Parser } from 'acorn';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UnhashableError, delayed } from '../../src/index.js';
import { scale as scaleA } from './fixtures/scale-a.js';
import { scale as scaleB } from './fixtures/scale-b.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFunction = (...args: any[]) => unknown;
const onMain = (fn: AnyFunction, options: object = {}) => delayed(fn, { mainThread: true, name: 'f', ...options });

function makeAdder(n: number) {
  return (x: number) => x + n;
}

const entries = (node: { task: { identity: { code?: { entries: readonly (readonly string[])[] } } } }) =>
  node.task.identity.code?.entries ?? [];

describe('a main-thread function is identified with the values it captures', () => {
  it('two closures with one source and different captured values are two nodes; equal values, one', () => {
    expect(onMain(makeAdder(10))(1).cid).not.toBe(onMain(makeAdder(20))(1).cid);
    expect(onMain(makeAdder(10))(1).cid).toBe(onMain(makeAdder(10))(1).cid);
    const [entry] = entries(onMain(makeAdder(10))(1));
    expect(entry!.slice(0, 3)).toEqual(['captured', '', 'n']);
  });

  it('captures objects by content, when delayed() is called', () => {
    const make = (config: { depth: number }) => (x: number) => x * config.depth;
    expect(onMain(make({ depth: 1 }))(1).cid).not.toBe(onMain(make({ depth: 2 }))(1).cid);
    expect(onMain(make({ depth: 1 }))(1).cid).toBe(onMain(make({ depth: 1 }))(1).cid);
  });

  it('identifies a captured function by its own source and captures', () => {
    const using = (helper: (x: number) => number) => (x: number) => helper(x) + 1;
    const double = (x: number) => x * 2;
    const triple = (x: number) => x * 3;
    expect(onMain(using(double))(1).cid).not.toBe(onMain(using(triple))(1).cid);
    // The helper's own captures count too.
    expect(onMain(using(makeAdder(1)))(1).cid).not.toBe(onMain(using(makeAdder(2)))(1).cid);
    expect(entries(onMain(using(double))(1))[0]![3]).toMatch(/^function bafy/);
  });

  it('cuts cycles of functions that capture each other', () => {
    const isEven = (n: number): boolean => (n === 0 ? true : isOdd(n - 1));
    const isOdd = (n: number): boolean => (n === 0 ? false : isEven(n - 1));
    expect(entries(onMain(isEven)(4))).toEqual([['captured', '', 'isOdd', expect.stringMatching(/^function bafy/)]]);
  });

  it('identifies a function of a package by name and version, and one of Node by its module', () => {
    const parse = onMain((code: string) => Parser.parse(code, { ecmaVersion: 'latest' }).type);
    const version = (JSON.parse(readFileSync('node_modules/acorn/package.json', 'utf8')) as { version: string }).version;
    expect(entries(parse('1'))).toContainEqual(['package', 'acorn', version, expect.stringMatching(/^sha512-/)]);
    const read = onMain((path: string) => readFileSync(path, 'utf8'));
    expect(entries(read('x'))).toContainEqual(['builtin', 'node:fs', '', '']);
  });

  it('two same-named functions with the same text in different modules are two functions', () => {
    expect(scaleA.toString()).toBe(scaleB.toString());
    expect(onMain(scaleA)(1).cid).not.toBe(onMain(scaleB)(1).cid);
  });

  it('refuses an unhashable captured value when delayed() is called, naming the variable', () => {
    const handlers = new Map([[1, () => 1]]);
    const error = (() => {
      try {
        onMain((x: number) => handlers.get(x)?.());
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(error).toBeInstanceOf(UnhashableError);
    expect((error as Error).message).toMatch(/captured variable `handlers`.*\{ version/);
    expect(() => onMain((x: number) => handlers.get(x)?.(), { version: '1' })).not.toThrow();
    const bound = makeAdder.bind(null, 3);
    expect(() => onMain((x: number) => bound()(x))).toThrow(/`bound` .*bound function/);
  });

  it('identifies a table of plain data and functions by the functions’ identities', () => {
    const table = (k: number) => ({ scale: k, apply: (x: number) => x * k });
    const use = (t: ReturnType<typeof table>) => (x: number) => t.apply(x) + t.scale;
    expect(onMain(use(table(1)))(1).cid).not.toBe(onMain(use(table(2)))(1).cid);
  });
});
