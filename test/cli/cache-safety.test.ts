import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compute, delayed, shutdown } from '../../src/index.js';
import { MARKER_FILE } from '../../src/store/store-marker.js';
import { tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';

const dir = tempDir();
afterAll(async () => {
  await shutdown();
  dir.remove();
});

let made = 0;
/** A real store in a fresh directory, holding three entries. */
async function store(): Promise<string> {
  const cacheDir = join(dir.path, `store-${made++}`);
  const make = (name: string) => delayed((label: string) => label.repeat(100), { name })(name);
  await compute(make('a'), make('b'), make('c'), { cacheDir });
  return cacheDir;
}

/** A directory that looks like a project: what a wrong cache path points at. */
function project(): { path: string; files: string[] } {
  const path = join(dir.path, `project-${made++}`);
  mkdirSync(join(path, 'src'), { recursive: true });
  mkdirSync(join(path, '.git'));
  writeFileSync(join(path, 'package.json'), '{}');
  writeFileSync(join(path, 'src', 'index.ts'), 'export {};');
  writeFileSync(join(path, '.git', 'HEAD'), 'ref: refs/heads/main');
  return { path, files: listing(path) };
}

function listing(path: string): string[] {
  return readdirSync(path, { recursive: true, encoding: 'utf8' }).sort();
}

describe('cache commands never delete what is not a memograph store', () => {
  it('clear and gc refuse a directory without the marker and leave every file there', async () => {
    const { path, files } = project();
    for (const args of [['clear', '--yes'], ['gc', '--max-size', '1B', '--yes']]) {
      const result = await runCli(['cache', '--cache-dir', path, ...args]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`Refusing to ${args[0]} ${path}`);
      expect(result.stderr).toContain(MARKER_FILE);
      expect(listing(path)).toEqual(files);
    }
  });

  it('a blank MEMOGRAPH_CACHE_DIR or --cache-dir is a usage error that names it, and nothing in the working directory is touched', async () => {
    const { path, files } = project();
    for (const value of ['', '   ']) {
      const fromEnv = await runCli(['cache', 'clear', '--yes'], { MEMOGRAPH_CACHE_DIR: value }, path);
      expect(fromEnv.code).toBe(2);
      expect(fromEnv.stderr).toContain('Expected the environment variable MEMOGRAPH_CACHE_DIR to be a directory');
      const fromFlag = await runCli(['cache', '--cache-dir', value, 'gc', '--max-size', '1B', '--yes'], {}, path);
      expect(fromFlag.code).toBe(2);
      expect(fromFlag.stderr).toContain('Expected --cache-dir to be a directory');
      const listed = await runCli(['cache', '--cache-dir', value, 'ls'], {}, path);
      expect(listed.code).toBe(2);
    }
    expect(listing(path)).toEqual(files);
  });

  it('a new store carries the marker; clear removes only memograph files and keeps the rest', async () => {
    const cacheDir = await store();
    expect(existsSync(join(cacheDir, MARKER_FILE))).toBe(true);
    // memograph's own dotfiles, and files of the user's.
    writeFileSync(join(cacheDir, '.identity-cache.json'), '{}');
    writeFileSync(join(cacheDir, '.identity-cache.json.123.tmp'), '{');
    mkdirSync(join(cacheDir, '.identity-manifests'));
    writeFileSync(join(cacheDir, '.identity-manifests', 'x.json'), '{}');
    writeFileSync(join(cacheDir, '.gitignore'), '*');
    writeFileSync(join(cacheDir, 'notes.txt'), 'mine');
    mkdirSync(join(cacheDir, 'backup'));
    writeFileSync(join(cacheDir, 'backup', '000005.ldb'), 'not a table of this store');

    const cleared = await runCli(['cache', '--cache-dir', cacheDir, '--json', 'clear', '--yes']);
    expect(cleared.code).toBe(0);
    expect(JSON.parse(cleared.stdout)).toMatchObject({ cleared: true, entries: 3, kept: ['.gitignore', 'backup', 'notes.txt'], removedDirectory: false });
    expect(listing(cacheDir)).toEqual(['.gitignore', 'backup', join('backup', '000005.ldb'), 'notes.txt']);
  });

  it('clear of a store holding only memograph files removes the directory', async () => {
    const cacheDir = await store();
    const cleared = await runCli(['cache', '--cache-dir', cacheDir, 'clear', '--yes']);
    expect(cleared.code).toBe(0);
    expect(cleared.stdout).toMatch(/Deleted 3 entries/);
    expect(existsSync(cacheDir)).toBe(false);
  });

  it('a store made before the marker is refused by clear until opened once, which marks it', async () => {
    const cacheDir = await store();
    rmSync(join(cacheDir, MARKER_FILE));
    const files = listing(cacheDir);
    const refused = await runCli(['cache', '--cache-dir', cacheDir, 'clear', '--yes']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`memograph cache stats --cache-dir ${cacheDir}`);
    expect(listing(cacheDir)).toEqual(files);

    expect((await runCli(['cache', '--cache-dir', cacheDir, 'stats'])).code).toBe(0);
    expect(existsSync(join(cacheDir, MARKER_FILE))).toBe(true);
    expect((await runCli(['cache', '--cache-dir', cacheDir, 'clear', '--yes'])).code).toBe(0);
    expect(existsSync(cacheDir)).toBe(false);
  });
});
