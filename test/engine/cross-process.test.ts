import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { shutdown, startRun } from '../../src/index.js';
import { buildGraph } from '../fixtures/shared-graph.js';
import { tempDir } from '../helpers.js';

const run = promisify(execFile);
const dir = tempDir();
afterAll(async () => {
  await shutdown();
  dir.remove();
});

describe('a second process on the same cache directory', () => {
  it('gets everything from the cache, under the same CIDs', async () => {
    const cacheDir = `${dir.path}/cache`;
    const targets = buildGraph();
    const first = startRun(targets, { cacheDir });
    const values = await first.result;
    expect(first.counts.executed).toBe(first.counts.total);

    const script = new URL('../fixtures/second-process.ts', import.meta.url).pathname;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', script, cacheDir]);
    const report = JSON.parse(stdout) as { cids: string[]; values: number[]; counts: { executed: number; cached: number } };
    expect(report.cids).toEqual(targets.map((t) => t.cid));
    expect(report.values).toEqual(values);
    expect(report.counts).toMatchObject({ executed: 0, cached: targets.length });
  });

  it('works in a process started with V8 flags, which worker threads may not be given', async () => {
    const cacheDir = `${dir.path}/flags-cache`;
    const script = new URL('../fixtures/second-process.ts', import.meta.url).pathname;
    const { stdout } = await run(process.execPath, ['--expose-gc', '--max-old-space-size=512', '--import', 'tsx', script, cacheDir]);
    const report = JSON.parse(stdout) as { values: number[]; counts: { executed: number; total: number } };
    expect(report.values).toEqual(await startRun(buildGraph(), { cache: false }).result);
    expect(report.counts.executed).toBe(report.counts.total);
  });
});
