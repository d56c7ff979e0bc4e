import { afterAll, describe, expect, it } from 'vitest';
import { compute, shutdown } from '../../src/index.js';
import target, { part } from '../fixtures/graph-script.js';
import { tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';

const dir = tempDir();
const cacheDir = `${dir.path}/cache`;
afterAll(async () => {
  await shutdown();
  dir.remove();
});

interface Row {
  cid: string;
  name: string;
  verdict: { kind: string; reason?: string; inputs?: string[] };
}

const explain = (json: boolean) =>
  runCli(['explain', 'test/fixtures/graph-script.ts', '--cache-dir', cacheDir, ...(json ? ['--json'] : [])]);

const verdicts = async () => {
  const rows = JSON.parse((await explain(true)).stdout) as Row[];
  return Object.fromEntries(rows.map((row) => [row.cid, row.verdict]));
};

describe('memograph explain', () => {
  it('says, per node, whether the next run serves it from the cache or runs it, and why', async () => {
    const [p1, p2, p3] = [part(1), part(2), part(3)];

    let v = await verdicts();
    expect(v[p1.cid]).toEqual({ kind: 'runs', reason: 'no-record' });
    expect(v[target.cid]).toEqual({ kind: 'runs', reason: 'input-runs', inputs: expect.arrayContaining([p1.cid, p2.cid, p3.cid]) });

    await compute(p1, { cacheDir });
    v = await verdicts();
    expect(v[p1.cid]).toEqual({ kind: 'cached' });
    expect(v[p2.cid]).toEqual({ kind: 'runs', reason: 'no-record' });
    expect(v[target.cid]!.inputs?.sort()).toEqual([p2.cid, p3.cid].sort());

    await compute(target, { cacheDir });
    v = await verdicts();
    expect(v[target.cid]).toEqual({ kind: 'cached' });
    expect(v[p2.cid]).toEqual({ kind: 'not-needed' });

    const text = (await explain(false)).stdout;
    expect(text).toMatch(new RegExp(`^total ${target.cid.slice(-8)} +cached$`, 'm'));
    expect(text).toMatch(/not looked at: only cached nodes need it/);
  });
});
