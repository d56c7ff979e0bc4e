import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';

const exec = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const cache = tempDir();
afterAll(() => cache.remove());

/** Run an example as a user would, with its own cache directory. */
async function runExample(file: string, cacheDir: string): Promise<string> {
  const { stdout } = await exec(process.execPath, ['--import', 'tsx', file], {
    cwd: root,
    env: { ...process.env, MEMOGRAPH_CACHE_DIR: cacheDir },
  });
  return stdout;
}

describe('examples', () => {
  it('quickstart: the second run is served from the cache', async () => {
    const dir = `${cache.path}/quickstart`;
    const first = await runExample('examples/quickstart.ts', dir);
    const second = await runExample('examples/quickstart.ts', dir);
    expect(first).toMatch(/9 node\(s\) looked at: 9 executed, 0 from the cache/);
    expect(second).toMatch(/1 node\(s\) looked at: 0 executed, 1 from the cache/);
    const estimate = (out: string) => /π ≈ (\d\.\d+)/.exec(out)?.[1];
    expect(estimate(first)).toMatch(/^3\.14/);
    expect(estimate(second)).toBe(estimate(first));
  });

  it('chunked-readings: a task decides how many chunks to analyse, stations print as they finish, and a re-run is all cached', async () => {
    const dir = `${cache.path}/chunked-readings`;
    const first = await runExample('examples/chunked-readings/main.ts', dir);
    const summaries = (out: string) => out.split('\n').filter((line) => / chunks, /.test(line)).map((line) => line.replace(' (cached)', '')).sort();
    expect(summaries(first)).toHaveLength(5);
    expect(summaries(first).join('\n')).toMatch(/tartu +8 chunks, 2748 readings/);
    // 5 splits that return graphs, 25 chunk analyses in all, 5 summaries.
    expect(first).toMatch(/35 node\(s\) looked at: 35 executed, 0 from the cache/);
    const second = await runExample('examples/chunked-readings/main.ts', dir);
    expect(summaries(second)).toEqual(summaries(first));
    expect(second).toMatch(/10 node\(s\) looked at: 0 executed, 10 from the cache/);
    expect(second.match(/\(cached\)/g)).toHaveLength(5);
  });

  it('tour: every README snippet runs', async () => {
    const out = await runExample('examples/tour.ts', `${cache.path}/tour`);
    expect(out).toContain('total = 499500');
    expect(out).toContain('again, from the cache = 499500');
    expect(out).toContain('two targets: [ 12, 13 ]');
    expect(out).toContain('incs: 2, 3, 99');
    expect(out).toMatch(/refused: Function "anonymous" cannot run on a worker thread: it uses `offset`/);
    expect(out).toContain('main thread: 101');
    expect(out).toMatch(/module function on a worker: [0-9a-f]{16}/);
    expect(out).toContain('counts: 2 executed, 0 cached');
    expect(out).toContain('MEMOGRAPH_TASK_FAILED explode no 1');
    expect(out).toContain('MEMOGRAPH_UNHASHABLE args[0].cb');
    expect(out).toContain("continue: [ 1, undefined ] [ 'negative' ] retried 1");
    expect(out).toContain("events: finished 1 | completion 0.5 | functions [ 'shaky' ]");
    expect(out).toContain('tokenize equal for any key order: true');
  });
});
