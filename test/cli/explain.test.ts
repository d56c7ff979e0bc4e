import { afterAll, describe, expect, it } from 'vitest';
import { compute, shutdown } from '../../src/index.js';
import { LevelStore } from '../../src/store/level-store.js';
import target, { part } from '../fixtures/graph-script.js';
import { build } from '../fixtures/lineage-script.js';
import { build as buildUncached } from '../fixtures/uncached-script.js';
import { build as buildSweep } from '../fixtures/sweep-script.js';
import { result } from '../store/compliance.js';
import { tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';

const dir = tempDir();
afterAll(async () => {
  await shutdown();
  dir.remove();
});

interface Verdict {
  kind: string;
  reason?: string;
  inputs?: string[];
  [field: string]: unknown;
}

const explain = (script: string, cacheDir: string, options: { json?: boolean; env?: Record<string, string> } = {}) =>
  runCli(['explain', script, '--cache-dir', cacheDir, ...(options.json ? ['--json'] : [])], options.env);

const verdictsOf = async (script: string, cacheDir: string, env?: Record<string, string>) => {
  const rows = JSON.parse((await explain(script, cacheDir, { json: true, env })).stdout) as { cid: string; verdict: Verdict }[];
  return Object.fromEntries(rows.map((row) => [row.cid, row.verdict]));
};

const WHEN = String.raw`\d{4}-\d\d-\d\d \d\d:\d\d`;

describe('memograph explain', () => {
  it('says, per node, whether the next run serves it from the cache or runs it, and why', async () => {
    const cacheDir = `${dir.path}/parts`;
    const verdicts = () => verdictsOf('test/fixtures/graph-script.ts', cacheDir);
    const [p1, p2, p3] = [part(1), part(2), part(3)];

    let v = await verdicts();
    expect(v[p1.cid]).toEqual({ kind: 'runs', reason: 'no-record' });
    expect(v[target.cid]).toEqual({ kind: 'runs', reason: 'input-runs', inputs: expect.arrayContaining([p1.cid, p2.cid, p3.cid]) });

    await compute(p1, { cacheDir });
    v = await verdicts();
    expect(v[p1.cid]).toEqual({ kind: 'cached' });
    // part(1) is cached, so part(2) is the same function with another argument.
    expect(v[p2.cid]).toMatchObject({
      kind: 'runs',
      reason: 'input-changed',
      changed: [{ index: 0, before: '1', after: '2' }],
      previous: { cid: p1.cid },
    });
    expect(v[target.cid]!.inputs?.sort()).toEqual([p2.cid, p3.cid].sort());

    await compute(target, { cacheDir });
    v = await verdicts();
    expect(v[target.cid]).toEqual({ kind: 'cached' });
    expect(v[p2.cid]).toEqual({ kind: 'not-needed' });

    const text = (await explain('test/fixtures/graph-script.ts', cacheDir)).stdout;
    expect(text).toMatch(new RegExp(`^total ${target.cid.slice(-8)} +cached$`, 'm'));
    expect(text).toMatch(/not looked at: only cached nodes need it/);
  });

  describe('for a call whose inputs do not run, what changed since the cached result', () => {
    const script = 'test/fixtures/lineage-script.ts';
    const computed = build('a', 0.5);
    const identityOf = (node: { task: { key: string } }) => node.task.key;
    let cacheDir: string | undefined;
    /** A cache that holds the whole graph as built with body `a` and factor 0.5. */
    const populated = async () => {
      if (cacheDir === undefined) {
        cacheDir = `${dir.path}/lineage`;
        await compute(computed.total, { cacheDir });
      }
      return cacheDir;
    };

    it('its function: another body under the same name, with the same arguments', async () => {
      const cacheDir = await populated();
      const now = build('b', 0.5);
      const v = await verdictsOf(script, cacheDir, { LINEAGE_SCALE: 'b' });
      expect(v[now.data.cid]).toEqual({ kind: 'cached' });
      expect(v[now.scaled.cid]).toEqual({
        kind: 'runs',
        reason: 'function-changed',
        identifiedBy: 'source',
        identity: identityOf(now.scaled),
        previousIdentity: identityOf(computed.scaled),
        previous: { cid: computed.scaled.cid, createdAt: expect.any(Number) },
        code: [{ change: 'source', text: 'its own source changed' }],
      });
      expect(v[now.total.cid]).toEqual({ kind: 'runs', reason: 'input-runs', inputs: [now.scaled.cid] });

      const text = (await explain(script, cacheDir, { env: { LINEAGE_SCALE: 'b' } })).stdout;
      expect(text).toMatch(
        new RegExp(`^scale ${now.scaled.cid.slice(-8)} +runs: its function changed: its own source changed \\(since the cached result of ${WHEN}; the arguments are the same\\)$`, 'm'),
      );
    });

    it('a literal argument: which one, and its value before and now', async () => {
      const cacheDir = await populated();
      const now = build('a', 0.7);
      const v = await verdictsOf(script, cacheDir, { LINEAGE_FACTOR: '0.7' });
      expect(v[now.scaled.cid]).toEqual({
        kind: 'runs',
        reason: 'input-changed',
        changed: [{ index: 1, before: '0.5', after: '0.7' }],
        previous: { cid: computed.scaled.cid, createdAt: expect.any(Number) },
      });

      const text = (await explain(script, cacheDir, { env: { LINEAGE_FACTOR: '0.7' } })).stdout;
      expect(text).toMatch(new RegExp(`^scale ${now.scaled.cid.slice(-8)} +runs: argument 1 changed \\(0\\.5 → 0\\.7\\) since the cached result of ${WHEN}$`, 'm'));
    });

    it('both its function and an argument', async () => {
      const cacheDir = await populated();
      const now = build('b', 0.7);
      const env = { LINEAGE_SCALE: 'b', LINEAGE_FACTOR: '0.7' };
      const v = await verdictsOf(script, cacheDir, env);
      expect(v[now.scaled.cid]).toEqual({
        kind: 'runs',
        reason: 'function-and-input-changed',
        identifiedBy: 'source',
        identity: identityOf(now.scaled),
        previousIdentity: identityOf(computed.scaled),
        changed: [{ index: 1, before: '0.5', after: '0.7' }],
        previous: { cid: computed.scaled.cid, createdAt: expect.any(Number) },
        code: [{ change: 'source', text: 'its own source changed' }],
      });

      const text = (await explain(script, cacheDir, { env })).stdout;
      expect(text).toMatch(
        new RegExp(`runs: its function changed \\(its own source changed\\) and argument 1 changed \\(0\\.5 → 0\\.7\\) since the closest cached result, of ${WHEN}$`, 'm'),
      );
    });

    it('nothing to compare with: the function never ran with this cache', async () => {
      const cacheDir = `${dir.path}/only-load`;
      await compute(computed.data, { cacheDir });
      const v = await verdictsOf(script, cacheDir);
      expect(v[computed.data.cid]).toEqual({ kind: 'cached' });
      expect(v[computed.scaled.cid]).toEqual({ kind: 'runs', reason: 'no-record' });
      const text = (await explain(script, cacheDir)).stdout;
      expect(text).toMatch(new RegExp(`^scale ${computed.scaled.cid.slice(-8)} +runs: it never ran with this cache`, 'm'));
    });

    it('nothing to compare with: results of the function stored without lineage', async () => {
      const cacheDir = `${dir.path}/no-lineage`;
      await compute(computed.data, { cacheDir });
      // A result of `scale` as memograph stored it before records carried lineage (format 1).
      const store = await LevelStore.open(cacheDir);
      const { record, bytes } = result([0, 0.5, 1, 1.5], 'scale');
      store.putResult(build('a', 0.25).scaled.cid, record, bytes);
      await store.close();

      const v = await verdictsOf(script, cacheDir);
      expect(v[computed.scaled.cid]).toEqual({ kind: 'runs', reason: 'no-record', withoutLineage: 1 });
      const text = (await explain(script, cacheDir)).stdout;
      expect(text).toMatch(/runs: no stored result for this call; the 1 cached result of this function was stored without lineage, so what changed is unknown/);
    });
  });
});

describe('memograph explain on a graph with a cache: false step', () => {
  const script = 'test/fixtures/uncached-script.ts';
  const { read, fresh, squared } = buildUncached(3);

  it('says the step runs every time, and that its dependents are looked up by their inputs’ values', async () => {
    const cacheDir = `${dir.path}/uncached`;
    let v = await verdictsOf(script, cacheDir);
    expect(v[fresh.cid]).toEqual({ kind: 'runs', reason: 'not-cached' });
    expect(v[squared.cid]).toEqual({ kind: 'runs', reason: 'input-runs', inputs: [fresh.cid] }); // `source` is new, so is its `latest`

    // Its input is cached: `latest` runs again under the same CID, and what it returns
    // decides whether `square` of it is served from the cache.
    await compute(read, { cacheDir });
    v = await verdictsOf(script, cacheDir);
    expect(v[read.cid]).toEqual({ kind: 'cached' });
    expect(v[fresh.cid]).toEqual({ kind: 'runs', reason: 'not-cached' });
    expect(v[squared.cid]).toEqual({ kind: 'by-value' });
    const text = (await explain(script, cacheDir)).stdout;
    expect(text).toMatch(new RegExp(`^latest ${fresh.cid.slice(-8)} +runs: its function is not cached \\(cache: false\\), so it runs every time$`, 'm'));
    expect(text).toMatch(new RegExp(`^square ${squared.cid.slice(-8)} +looked up by value: a cache: false call is below it`, 'm'));

    // Even once computed, it is never served by its call CID: `latest` may return something else.
    await compute(squared, { cacheDir });
    v = await verdictsOf(script, cacheDir);
    expect(v[squared.cid]).toEqual({ kind: 'by-value' });
    expect(v[fresh.cid]).toEqual({ kind: 'runs', reason: 'not-cached' });
  });
});

describe('memograph explain on long and wide graphs', () => {
  it('walks a 30,000-call chain (no recursion to overflow) and names at most three of a node’s running inputs', async () => {
    const chain = await runCli(['explain', 'test/fixtures/long-graph-script.ts', '--cache-dir', `${dir.path}/none`], { SHAPE: 'chain', N: '30000' });
    expect(chain.code).toBe(0);
    expect(chain.stdout.trim().split('\n')).toHaveLength(30_000);
    expect(chain.stdout).toMatch(/^inc \w{8} +runs: it never ran with this cache/m);
    expect(chain.stdout).toMatch(/^inc \w{8} +runs: its input inc \w{8} runs first, so this call is new too$/m);

    const wide = await runCli(['explain', 'test/fixtures/long-graph-script.ts', '--cache-dir', `${dir.path}/none`], { SHAPE: 'wide', N: '30000' });
    expect(wide.code).toBe(0);
    expect(wide.stdout).toMatch(/^sum \w{8} +runs: its inputs inc \w{8}, inc \w{8}, inc \w{8} and 29997 more run first, so this call is new too$/m);
  });
});

describe('a parameter sweep, whose points are calls of one function', () => {
  it('explains a new point against the stored points, and counts every point under the function', async () => {
    const cacheDir = `${dir.path}/sweep`;
    const before = buildSweep([1, 2]);
    await compute(...before.nodes, { cacheDir });
    const stats = JSON.parse((await runCli(['cache', '--json', '--cache-dir', cacheDir, 'stats'])).stdout) as { byFunction: Record<string, { entries: number }> };
    expect(stats.byFunction).toEqual({ fit: expect.objectContaining({ entries: 2 }) });

    const now = buildSweep([1, 3]);
    const v = await verdictsOf('test/fixtures/sweep-script.ts', cacheDir, { SWEEP_LAMBDAS: '1,3' });
    expect(v[now.nodes[0]!.cid]).toEqual({ kind: 'cached' });
    expect(v[now.nodes[1]!.cid]).toMatchObject({ kind: 'runs', reason: 'input-changed', changed: [{ index: 1, after: '3' }] });
    const text = (await explain('test/fixtures/sweep-script.ts', cacheDir, { env: { SWEEP_LAMBDAS: '1,3' } })).stdout;
    expect(text).toMatch(/^fit\[station=hel,lambda=3\] \w{8} +runs: argument 1 changed \([12] → 3\) since the cached result of /m);
  });
});
