import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { compute, shutdown } from '../../src/index.js';
import target from '../fixtures/graph-script.js';
import { tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';

const dir = tempDir();
afterAll(async () => {
  await shutdown();
  dir.remove();
});

const graph = (...args: string[]) => runCli(['graph', ...args]);

describe('memograph graph', () => {
  it("draws the graph a script exports, and colours what the cache holds", async () => {
    const cacheDir = `${dir.path}/cache`;
    const plain = await graph('test/fixtures/graph-script.ts', '--cache-dir', `${dir.path}/none`);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/^flowchart TB\n {2}n0\["total \w{8}"\]:::unknown/);
    expect(plain.stdout.match(/\["part \w{8}"\]/g)).toHaveLength(3);

    expect(await compute(target, { cacheDir })).toEqual([14]);
    const coloured = await graph('test/fixtures/graph-script.ts', '--cache-dir', cacheDir);
    expect(coloured.stdout).toContain(`["total ${target.cid.slice(-8)}"]:::cached`);
    expect(coloured.stdout.match(/:::cached/g)).toHaveLength(4);

    const svg = await graph('test/fixtures/graph-script.ts', '--format', 'svg', '--cache-dir', cacheDir);
    expect(svg.stdout.startsWith('<svg')).toBe(true);
  });

  it('draws and explains the first compute of a script that computes at top level, and runs none of it', async () => {
    const marker = `${dir.path}/top-level-ran`;
    const env = { TOP_LEVEL_MARKER: marker };
    const drawn = await runCli(['graph', 'test/fixtures/top-level-compute-script.ts'], env);
    expect(drawn.code).toBe(0);
    expect(drawn.stdout).toMatch(/^flowchart TB\n/);
    expect(drawn.stdout).toMatch(/\["touch \w{8}"\]/);
    expect(drawn.stdout).toMatch(/\["total \w{8}"\]/);
    // The script's own output goes to stderr, not into the picture; it stops at its compute.
    expect(drawn.stdout).not.toContain('hello');
    expect(drawn.stderr).toContain('the script says hello');
    expect(drawn.stderr).not.toContain('the script got');
    const explained = await runCli(['explain', 'test/fixtures/top-level-compute-script.ts', '--cache-dir', `${dir.path}/top-level-cache`], env);
    expect(explained.code).toBe(0);
    expect(explained.stdout).toMatch(/^touch \w{8} +runs/m);
    expect(existsSync(marker)).toBe(false);
  });

  it('says what is wrong with a script that exports no target, or a format it does not know', async () => {
    const bad = await graph('test/fixtures/graph-script-bad.ts');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/has no targets: export them as default .*, or compute them/);
    const format = await graph('test/fixtures/graph-script.ts', '--format', 'png');
    expect(format.code).toBe(2);
  });
});
