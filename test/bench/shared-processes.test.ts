import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sumOfIncs, treeNodes } from '../../bench/shapes.js';
import { runTogether } from '../../bench/shared-processes.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function cacheDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'memograph-bench-shared-test-'));
  dirs.push(dir);
  return dir;
}

describe('processes of the shared scenario', () => {
  const leaves = 20;

  it('compute their own trees on one cache, each executing all of its tree, one of them leading', async () => {
    const dir = cacheDir();
    const { spanMs, children } = await runTogether([0, 1].map((i) => ({ cacheDir: dir, leaves, from: i * leaves })));
    expect(children.map((c) => [c.executed, c.cached, c.value])).toEqual([
      [treeNodes(leaves), 0, sumOfIncs(leaves)],
      [treeNodes(leaves), 0, sumOfIncs(leaves)],
    ]);
    expect(children.filter((c) => c.leads)).toHaveLength(1);
    expect(spanMs).toBeGreaterThan(0);
  });

  it('compute one tree once between them: the other process finds it stored', async () => {
    const dir = cacheDir();
    const { children } = await runTogether([0, 1].map(() => ({ cacheDir: dir, leaves, from: 0 })));
    expect(children.reduce((sum, c) => sum + c.executed, 0)).toBe(treeNodes(leaves));
    expect(children.map((c) => c.value)).toEqual([sumOfIncs(leaves), sumOfIncs(leaves)]);
  });
});
