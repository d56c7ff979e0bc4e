import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';

const exec = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const cache = tempDir();
afterAll(() => cache.remove());

/** Run an example as a user would, with its own cache directory. */
async function runExample(file: string, cacheDir: string): Promise<{ stdout: string; stderr: string }> {
  return exec(process.execPath, ['--import', 'tsx', file], {
    cwd: root,
    env: { ...process.env, MEMOGRAPH_CACHE_DIR: cacheDir },
  });
}

describe('examples of files, commands and sweeps', () => {
  it('pipeline: commands and TypeScript steps over files; the second run is served from the cache', async () => {
    const dir = `${cache.path}/pipeline`;
    const first = await runExample('examples/pipeline/main.ts', dir);
    expect(first.stdout).toMatch(/4 node\(s\) looked at: 4 executed, 0 from the cache/);
    expect(first.stderr).toContain('prepare: kept 13 of 16 rows');
    expect(first.stdout).toContain('13 clean readings.');
    expect(first.stdout).toMatch(/\| south \| 3 \| 17\.93 \| 17\.6 \| 18\.2 \|/);
    const second = await runExample('examples/pipeline/main.ts', dir);
    expect(second.stdout).toMatch(/1 node\(s\) looked at: 0 executed, 1 from the cache/);
    expect(second.stdout).toContain('13 clean readings.');
    const out = `${root}/examples/pipeline/out`;
    expect(existsSync(`${out}/clean.csv`)).toBe(true);
    expect(readFileSync(`${out}/report.md`, 'utf8')).toContain('| east | 4 | 15.38 | 15 | 16 |');
  });

  it('parameter study: 24 points, one fails and is reported, the rest complete; the re-run comes from the cache', async () => {
    const dir = `${cache.path}/parameter-study`;
    const first = await runExample('examples/parameter-study/main.ts', dir);
    expect(first.stdout).toContain('sweep: 24 points, 23 completed, 1 failed (23 executed, 0 from the cache)');
    expect(first.stdout).toContain('failed: temp=0,seed=1: temperature must be positive, got 0');
    expect(first.stdout).toContain('analysis: 1 executed, 23 from the cache');
    const table = (out: string) => out.slice(out.indexOf('temp  points'), out.indexOf('analysis:'));
    expect(table(first.stdout).trim().split('\n')).toHaveLength(7);
    const second = await runExample('examples/parameter-study/main.ts', dir);
    expect(second.stdout).toContain('sweep: 24 points, 23 completed, 1 failed (0 executed, 23 from the cache)');
    expect(second.stdout).toContain('failed: temp=0,seed=1');
    expect(second.stdout).toContain('analysis: 0 executed, 1 from the cache');
    expect(table(second.stdout)).toBe(table(first.stdout));
  });
});
