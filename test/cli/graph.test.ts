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

  it('says what is wrong with a script that exports no target, or a format it does not know', async () => {
    const bad = await graph('test/fixtures/graph-script-bad.ts');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/must export its target as default/);
    const format = await graph('test/fixtures/graph-script.ts', '--format', 'png');
    expect(format.code).toBe(2);
  });
});
