import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CodeChangedError, compute, delayed, shutdown, type Delayed } from '../../src/index.js';
import { PoolExecutor } from '../../src/executors/pool.js';
import { project } from '../identity/project.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));
afterAll(() => shutdown());

const HELPERS = `export function helper(x) { return x + 1; }\nexport function unrelated() { return 0; }\n`;
const MAIN = `import { helper } from './helpers.mjs';\nexport function task(x) { return helper(x) * 2; }\n`;

async function loadedProject() {
  const p = project({ 'main.mjs': MAIN, 'helpers.mjs': HELPERS });
  cleanups.push(p.remove);
  const url = pathToFileURL(join(p.root, 'main.mjs')).href;
  const module = (await import(/* @vite-ignore */ url)) as { task: (x: number) => number };
  return { ...p, url, task: delayed(module.task, { module: url }) };
}

describe('code changed on disk after the process loaded it', () => {
  it('fails the next run with CodeChangedError naming the file, after the worker imported it', async () => {
    const p = await loadedProject();
    expect(await compute(p.task(1), { cache: false })).toEqual([4]);
    p.write({ 'helpers.mjs': HELPERS.replace('x + 1', 'x + 5') });
    const error = await compute(p.task(2), { cache: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CodeChangedError);
    expect((error as CodeChangedError).code).toBe('MEMOGRAPH_CODE_CHANGED');
    expect((error as CodeChangedError).file).toBe('helpers.mjs');
    expect((error as Error).message).toMatch(/Restart the process/);
  });

  it('lets runs go on when only code the function cannot reach changed', async () => {
    const p = await loadedProject();
    expect(await compute(p.task(1), { cache: false })).toEqual([4]);
    p.write({ 'helpers.mjs': HELPERS.replace('return 0', 'return 1') });
    expect(await compute(p.task(3), { cache: false })).toEqual([8]);
  });

  it('is found by the worker when it imports other code than the main thread identified', async () => {
    const p = await loadedProject();
    const call = p.task(1);
    // Changed after `delayed()` and before any worker imported the module.
    p.write({ 'helpers.mjs': HELPERS.replace('x + 1', 'x + 7') });
    const pool = new PoolExecutor({ workers: 1 });
    try {
      const [outcome] = await pool.run([{ id: 0, cid: call.cid, task: call.task, args: [1], inputs: [], stored: false, timeoutMs: undefined }]);
      expect(outcome!.ok).toBe(false);
      const error = (outcome as { error: unknown }).error;
      expect(error).toBeInstanceOf(CodeChangedError);
      expect((error as CodeChangedError).file).toBe(join(p.root, 'helpers.mjs'));
    } finally {
      await pool.close();
    }
  });

  it('is refused by delayed() when the export changed between import and delayed()', async () => {
    const p = project({ 'main.mjs': `export function task(x) { return x * 2; }\n` });
    cleanups.push(p.remove);
    const url = pathToFileURL(join(p.root, 'main.mjs')).href;
    const module = (await import(/* @vite-ignore */ url)) as { task: (x: number) => number };
    writeFileSync(join(p.root, 'main.mjs'), `export function task(x) { return x * 3; }\n`);
    expect(() => delayed(module.task, { module: url })).toThrow(CodeChangedError);
  });

  it('accepts a TypeScript module a worker loads moments after it was written', async () => {
    // A worker's tsx compiles a .mts module's nested functions with a renamed keepNames
    // helper (`__name2`); that is still the code on disk, as after a save and a quick re-run.
    const memograph = pathToFileURL(join(import.meta.dirname, '../../src/index.ts')).href;
    const source = [
      `import { delayed } from '${memograph}';`,
      'export function task(x: number): number {',
      '  const square = (v: number) => v * v;',
      '  return square(x) + 1;',
      '}',
      'export const taskCall = delayed(task, { module: import.meta.url });',
      '',
    ].join('\n');
    const p = project({ 'tasks.mts': source });
    cleanups.push(p.remove);
    const url = pathToFileURL(join(p.root, 'tasks.mts')).href;
    const module = (await import(/* @vite-ignore */ url)) as { taskCall: (x: number) => Delayed<number> };
    expect(await compute(module.taskCall(3), { cache: false })).toEqual([10]);
    // A real edit of it is still found.
    p.write({ 'tasks.mts': source.replace('square(x) + 1', 'square(x) + 2') });
    const error = await compute(module.taskCall(4), { cache: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CodeChangedError);
    expect((error as CodeChangedError).file).toBe('tasks.mts');
  });

  it('accepts delayed() when the export on disk is the function loaded', async () => {
    const p = project({ 'main.mjs': `export function task(x) {\n  return x * 2;\n}\n` });
    cleanups.push(p.remove);
    const url = pathToFileURL(join(p.root, 'main.mjs')).href;
    const module = (await import(/* @vite-ignore */ url)) as { task: (x: number) => number };
    expect(() => delayed(module.task, { module: url })).not.toThrow();
  });
});
