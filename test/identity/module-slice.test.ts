import { afterEach, describe, expect, it } from 'vitest';
import { renameSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { UnhashableError } from '../../src/index.js';
import { entryKey } from '../../src/identity/manifest.js';
import { addressOf, kinds, manifestOf, project } from './project.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

function fixture(files: Record<string, string>) {
  const p = project(files);
  cleanups.push(p.remove);
  return p;
}

/** The manifest address of `exportName` of `file` before and after `edit`. */
function before(files: Record<string, string>, file: string, exportName: string) {
  const p = fixture(files);
  const first = addressOf(p.root, file, exportName);
  return {
    ...p,
    first,
    after: (edit: Record<string, string>) => {
      p.write(edit);
      return addressOf(p.root, file, exportName);
    },
  };
}

const MAIN = `
import { helper } from './helpers.js';
const K = 10;
export function task(x) { return helper(x) * K; }
export function unrelated() { return 'not reached'; }
`;
const HELPERS = `export function helper(x) { return x + 1; }\nexport function other() { return 0; }\n`;

describe('the slice of a module export', () => {
  it('covers a helper of the same module and an imported one', () => {
    const p = before({ 'main.js': MAIN, 'helpers.js': HELPERS }, 'main.js', 'task');
    expect(p.after({ 'helpers.js': HELPERS.replace('x + 1', 'x + 2') })).not.toBe(p.first);
  });

  it('covers a module constant', () => {
    const p = before({ 'main.js': MAIN, 'helpers.js': HELPERS }, 'main.js', 'task');
    expect(p.after({ 'main.js': MAIN.replace('K = 10', 'K = 11') })).not.toBe(p.first);
  });

  it('does not change for an unreachable function, formatting, comments, a renamed local, touch', () => {
    const p = before({ 'main.js': MAIN, 'helpers.js': HELPERS }, 'main.js', 'task');
    expect(p.after({ 'main.js': MAIN.replace("'not reached'", "'still not reached'") })).toBe(p.first);
    expect(p.after({ 'helpers.js': HELPERS.replace('return 0', 'return 1') })).toBe(p.first);
    const reformatted = MAIN.replace('export function task(x) { return helper(x) * K; }', '// why\nexport function task(value) {\n  return helper(value) * K\n}\n');
    expect(p.after({ 'main.js': reformatted })).toBe(p.first);
    const now = new Date(Date.now() + 5000);
    utimesSync(join(p.root, 'helpers.js'), now, now);
    expect(addressOf(p.root, 'main.js', 'task')).toBe(p.first);
  });

  it('does not change when the whole project directory moves', () => {
    const p = fixture({ 'main.js': MAIN, 'helpers.js': HELPERS });
    const first = addressOf(p.root, 'main.js', 'task');
    const moved = `${p.root}-moved`;
    renameSync(p.root, moved);
    cleanups.push(() => renameSync(moved, p.root));
    expect(addressOf(moved, 'main.js', 'task')).toBe(first);
  });

  it('follows imports two modules away, and only what is used there', () => {
    const files = {
      'a.ts': `import { b } from './b.js';\nexport function task(n: number): number { return b(n); }\n`,
      'b.ts': `import { c } from './c.js';\nexport const b = (n: number) => c(n) + 1;\n`,
      'c.ts': `export function c(n: number) { return n * 2; }\nexport function unused() { return 1; }\n`,
    };
    const p = before(files, 'a.ts', 'task');
    expect(p.after({ 'c.ts': files['c.ts'].replace('return 1', 'return 2') })).toBe(p.first);
    expect(p.after({ 'c.ts': files['c.ts'].replace('n * 2', 'n * 3') })).not.toBe(p.first);
    // Types are not code.
    expect(p.after({ 'c.ts': files['c.ts'].replace('n * 2', 'n * 3').replace('(n: number)', '(n: any)') })).not.toBe(p.first);
  });

  it('follows re-export chains: export { x } from, export * from', () => {
    const files = {
      'main.js': `import { deep, starred } from './index.js';\nexport function task() { return deep() + starred(); }\n`,
      'index.js': `export { deep } from './middle.js';\nexport * from './star.js';\n`,
      'middle.js': `export { deep } from './deep.js';\n`,
      'deep.js': `export function deep() { return 1; }\n`,
      'star.js': `export function starred() { return 2; }\nexport function notUsed() { return 3; }\n`,
    };
    const p = before(files, 'main.js', 'task');
    expect(p.after({ 'deep.js': `export function deep() { return 10; }\n` })).not.toBe(p.first);
    const second = addressOf(p.root, 'main.js', 'task');
    expect(p.after({ 'star.js': files['star.js'].replace('return 2', 'return 20') })).not.toBe(second);
    const third = addressOf(p.root, 'main.js', 'task');
    expect(p.after({ 'star.js': files['star.js'].replace('return 2', 'return 20').replace('return 3', 'return 30') })).toBe(third);
  });

  it('covers class methods and a base class in another file', () => {
    const files = {
      'main.js': `import { Base } from './base.js';\nclass Shape extends Base { area() { return this.size * 2; } }\nexport function task() { return new Shape().area(); }\n`,
      'base.js': `export class Base { constructor() { this.size = 3; } }\n`,
    };
    const p = before(files, 'main.js', 'task');
    const afterMethod = p.after({ 'main.js': files['main.js'].replace('* 2', '* 4') });
    expect(afterMethod).not.toBe(p.first);
    expect(p.after({ 'base.js': files['base.js'].replace('3', '5') })).not.toBe(afterMethod);
  });

  it('covers top-level code that mutates a sliced binding', () => {
    const main = `export const config = { k: 1 };\nconfig.k = 2;\nexport function task() { return config.k; }\n`;
    const p = before({ 'main.js': main }, 'main.js', 'task');
    const manifest = manifestOf(p.root, 'main.js', 'task');
    expect(kinds(manifest, 'effects').map((e) => e[2])).toEqual(['config']);
    expect(p.after({ 'main.js': main.replace('config.k = 2', 'config.k = 3') })).not.toBe(p.first);
  });

  it('covers a function, unreachable from the export, that assigns a sliced let', () => {
    const main = `let count = 0;\nexport function task() { return count; }\nexport function bump() { count = 5; }\nexport function other() { return 1; }\n`;
    const p = before({ 'main.js': main }, 'main.js', 'task');
    expect(p.after({ 'main.js': main.replace('return 1', 'return 2') })).toBe(p.first);
    expect(p.after({ 'main.js': main.replace('count = 5', 'count = 6') })).not.toBe(p.first);
  });

  it('brings the top-level statements of a module imported for its effects', () => {
    const files = {
      'main.js': `import './setup.js';\nexport function task() { return globalThis.answer; }\n`,
      'setup.js': `globalThis.answer = 42;\n`,
    };
    const p = before(files, 'main.js', 'task');
    expect(p.after({ 'setup.js': `globalThis.answer = 43;\n` })).not.toBe(p.first);
  });

  it('identifies a package by name, version and lockfile integrity', () => {
    const pkg = (version: string) => ({
      'node_modules/pkg/package.json': JSON.stringify({ name: 'pkg', version, type: 'module', main: 'index.js' }),
      'node_modules/pkg/index.js': 'export const v = 1;\n',
    });
    const files = { 'main.js': `import { v } from 'pkg';\nexport function task() { return v; }\n`, ...pkg('1.0.0') };
    const p = before(files, 'main.js', 'task');
    expect(kinds(manifestOf(p.root, 'main.js', 'task'), 'package')).toEqual([['package', 'pkg', '1.0.0', '']]);
    const bumped = p.after(pkg('1.0.1'));
    expect(bumped).not.toBe(p.first);
    const lock = (integrity: string) => ({
      'package-lock.json': JSON.stringify({ lockfileVersion: 3, packages: { '': {}, 'node_modules/pkg': { version: '1.0.1', integrity } } }),
    });
    p.write(lock('sha512-aaa'));
    expect(kinds(manifestOf(p.root, 'main.js', 'task'), 'package')).toEqual([['package', 'pkg', '1.0.1', 'sha512-aaa']]);
    const locked = addressOf(p.root, 'main.js', 'task');
    expect(p.after(lock('sha512-bbb'))).not.toBe(locked);
  });

  it('names builtins, and covers JSON imports by content', () => {
    const files = {
      'main.js': `import { join } from 'node:path';\nimport data from './data.json' with { type: 'json' };\nexport function task() { return join(data.dir, 'x'); }\n`,
      'data.json': '{ "dir": "a" }',
    };
    const p = before(files, 'main.js', 'task');
    const manifest = manifestOf(p.root, 'main.js', 'task');
    expect(kinds(manifest, 'builtin')).toEqual([['builtin', 'node:path', '', '']]);
    expect(kinds(manifest, 'file').map((e) => e[1])).toEqual(['data.json']);
    expect(p.after({ 'data.json': '{ "dir": "b" }' })).not.toBe(p.first);
  });

  it('covers environment variables read by sliced code: absent is not empty', () => {
    const p = fixture({ 'main.js': `const where = () => process.env.MEMOGRAPH_TEST_VAR;\nexport function task() { return where(); }\n` });
    const at = (value: string | undefined) => {
      if (value === undefined) delete process.env.MEMOGRAPH_TEST_VAR;
      else process.env.MEMOGRAPH_TEST_VAR = value;
      return addressOf(p.root, 'main.js', 'task');
    };
    try {
      const absent = at(undefined);
      const empty = at('');
      const one = at('1');
      expect(new Set([absent, empty, one]).size).toBe(3);
      expect(at('1')).toBe(one);
      expect(kinds(manifestOf(p.root, 'main.js', 'task'), 'env').map((e) => e[2])).toEqual(['MEMOGRAPH_TEST_VAR']);
    } finally {
      delete process.env.MEMOGRAPH_TEST_VAR;
    }
  });

  it('refuses a computed process.env read in sliced code, suggesting version', () => {
    const p = fixture({ 'main.js': `export function task(k) { return process.env[k]; }\nexport function fine() { return 1; }\n` });
    expect(() => manifestOf(p.root, 'main.js', 'task')).toThrow(UnhashableError);
    expect(() => manifestOf(p.root, 'main.js', 'task')).toThrow(/version/);
    expect(() => manifestOf(p.root, 'main.js', 'fine')).not.toThrow();
  });

  it('takes a module whole where analysis cannot be sure: eval, new Function, computed import()', () => {
    for (const [body, why] of [
      ['return eval("1");', 'eval'],
      ['return new Function("return 1")();', 'new Function'],
      ['return import(`./${name}.js`);', 'computed `import()`'],
    ] as const) {
      const main = `export function task(name) { ${body} }\nexport function other() { return 1; }\n`;
      const p = before({ 'main.js': main }, 'main.js', 'task');
      const manifest = manifestOf(p.root, 'main.js', 'task');
      const whole = kinds(manifest, 'module');
      expect(whole.map((e) => e[1])).toEqual(['main.js']);
      expect(manifest.details[entryKey(whole[0]!)]!.why).toContain(why);
      // Whole: even an edit elsewhere in the file counts.
      expect(p.after({ 'main.js': main.replace('return 1', 'return 2') })).not.toBe(p.first);
    }
  });

  it('covers a literal import() like a static import', () => {
    const files = {
      'main.js': `export async function task() { const m = await import('./lazy.js'); return m.value; }\n`,
      'lazy.js': `export const value = 1;\n`,
    };
    const p = before(files, 'main.js', 'task');
    expect(kinds(manifestOf(p.root, 'main.js', 'task'), 'module')).toEqual([]);
    expect(p.after({ 'lazy.js': `export const value = 2;\n` })).not.toBe(p.first);
  });

  it('gives code entries a line and how they are declared', () => {
    const p = fixture({ 'main.ts': `\n\ntype T = number;\nconst K: T = 1;\nexport function task(): T { return K; }\n` });
    const manifest = manifestOf(p.root, 'main.ts', 'task');
    const code = kinds(manifest, 'code');
    expect(code.map((e) => [e[1], e[2]])).toEqual([['main.ts', 'K'], ['main.ts', 'task']]);
    expect(manifest.details[entryKey(code[0]!)]).toEqual({ line: 4, declaration: 'const' });
    expect(manifest.details[entryKey(code[1]!)]).toEqual({ line: 5, declaration: 'function' });
  });
});

describe('file summaries', () => {
  it('take a sloppy-mode file with `with` whole', async () => {
    const { summarizeFile } = await import('../../src/identity/file-summary.js');
    expect(summarizeFile('function f(o) { with (o) { return x; } }\nmodule.exports = f;\n', '.cjs').whole).toContain('with');
    expect(summarizeFile('export const a = ;', '.js').whole).toContain('cannot be parsed');
  });
});

describe('a module function whose module is not a file', () => {
  it('is refused without a version, since its code cannot be read; a version identifies it', async () => {
    const { delayed } = await import('../../src/index.js');
    const fn = function fromData(x: number) {
      return x;
    };
    const url = 'data:text/javascript,export function fromData(x) { return x; }';
    expect(() => delayed(fn, { module: url })).toThrow(UnhashableError);
    expect(() => delayed(fn, { module: url })).toThrow(/not a file/);
    expect(delayed(fn, { module: url, version: '1' })(1).cid).toMatch(/^bafyrei/);
  });
});
