/**
 * `memograph explain` names what changed in a module function's code, from the
 * identity records kept beside its cached results: a helper, a new helper, a
 * package version, an environment variable. The project is a real one in a temp
 * directory, computed and explained by child processes.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';

const exec = promisify(execFile);
const dir = tempDir();
afterAll(() => dir.remove());

const project = join(dir.path, 'project');
const cacheDir = join(dir.path, 'cache');
const entry = new URL('../../src/index.ts', import.meta.url).href;
// The project has no node_modules of its own for tsx: load this repository's.
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

function write(path: string, text: string): void {
  mkdirSync(join(project, path, '..'), { recursive: true });
  writeFileSync(join(project, path), text);
}

function edit(path: string, from: string, to: string): void {
  const text = readFileSync(join(project, path), 'utf8');
  if (!text.includes(from)) throw new Error(`${path} does not contain ${from}`);
  writeFileSync(join(project, path), text.replace(from, to));
}

function fakePackage(version: string): void {
  write('node_modules/offsets/package.json', JSON.stringify({ name: 'offsets', version, type: 'module', main: 'index.js' }));
  write('node_modules/offsets/index.js', 'export const offset = () => 1;\n');
}

async function compute(env: Record<string, string> = {}): Promise<void> {
  await exec(process.execPath, ['--import', tsx, join(project, 'run.ts'), cacheDir], { cwd: project, env: { ...process.env, ...env } });
}

async function explainFit(env: Record<string, string> = {}): Promise<string> {
  const { stdout, stderr, code } = await runCli(['explain', join(project, 'graph.ts'), '--cache-dir', cacheDir], env);
  if (code !== 0) throw new Error(`explain exited with ${code}: ${stderr}`);
  return stdout;
}

describe('memograph explain on a changed module function', () => {
  it('names the helper, the new helper, the package and the environment variable that changed', async () => {
    write('package.json', JSON.stringify({ name: 'explained', type: 'module' }));
    write('src/util.ts', 'export function scale(x: number): number {\n  return x * 2;\n}\nexport function clamp(x: number): number {\n  return Math.min(x, 100);\n}\n');
    write('src/task.ts', "import { offset } from 'offsets';\nimport { scale } from './util.js';\nexport function fit(x: number): number {\n  return scale(x) + offset() + Number(process.env.FIT_SHIFT ?? 0);\n}\n");
    write('graph.ts', `import { delayed } from '${entry}';\nimport { fit } from './src/task.ts';\nconst f = delayed(fit, { module: new URL('./src/task.ts', import.meta.url).href });\nexport default [f(1)];\n`);
    write('run.ts', `import { compute, shutdown } from '${entry}';\nconst targets = (await import('./graph.ts')).default;\nawait compute(...targets, { cacheDir: process.argv[2] });\nawait shutdown();\n`);
    fakePackage('1.0.0');
    await compute();
    expect(await explainFit()).toMatch(/^fit \w+ +cached$/m);

    edit('src/util.ts', 'x * 2', 'x * 3');
    expect(await explainFit()).toMatch(/runs: its function changed: helper `scale` in src\/util\.ts:1 changed \(since the cached result of/);

    edit('src/task.ts', 'return scale(x)', 'return clamp(scale(x))');
    edit('src/task.ts', 'import { scale }', 'import { clamp, scale }');
    const text = await explainFit();
    expect(text).toMatch(/its own source changed/);
    expect(text).toMatch(/now also uses helper `clamp` in src\/util\.ts:4/);

    fakePackage('1.0.1');
    expect(await explainFit()).toMatch(/package offsets 1\.0\.0 → 1\.0\.1/);
    expect(await explainFit({ FIT_SHIFT: '5' })).toMatch(/environment variable FIT_SHIFT changed/);
  });
});
