import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UnhashableError, delayed } from '../../src/index.js';

const entries = (node: { task: { identity: { code?: { entries: readonly (readonly string[])[] } } } }) =>
  node.task.identity.code?.entries ?? [];

const source = (text: string) => new Function(`return (${text})`)() as () => Promise<unknown>;

describe('literal import()s of a self-contained function', () => {
  it('record a node builtin by name, and a package by name, version and lockfile integrity', () => {
    // Written as a source: the test runner would rewrite an import() in this file.
    const fn = source(`async () => {
      const fs = await import('node:fs');
      const path = await import("path");
      const acorn = await import(\`acorn\`);
      return [typeof fs.readFileSync, typeof path.join, typeof acorn.parse];
    }`);
    const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as {
      packages: Record<string, { version: string; integrity: string }>;
    };
    const acorn = lock.packages['node_modules/acorn']!;
    expect(entries(delayed(fn)())).toEqual([
      ['builtin', 'node:fs', '', ''],
      ['builtin', 'node:path', '', ''],
      ['package', 'acorn', acorn.version, acorn.integrity],
    ]);
  });

  it('refuse a relative specifier, pointing at { module }, and a computed one without a version', () => {
    const relative = source(`async function relative() { return (await import('./fixtures/scale-a.js')).scale(1); }`);
    expect(() => delayed(relative)).toThrow(UnhashableError);
    expect(() => delayed(relative)).toThrow(/imports `\.\/fixtures\/scale-a\.js`.*\{ module: import\.meta\.url \}/);
    const computed = source(`async function computed(name) { return import(name); }`);
    expect(() => delayed(computed)).toThrow(/function `computed`.*computed specifier/);
    expect(() => delayed(computed, { version: '1' })).not.toThrow();
  });
});
