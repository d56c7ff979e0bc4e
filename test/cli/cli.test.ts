import { existsSync } from 'node:fs';
import { ClassicLevel } from 'classic-level';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';

const dir = tempDir();
afterAll(() => dir.remove());

const memograph = (args: string[], env: Record<string, string> = {}) =>
  runCli(args, { MEMOGRAPH_CACHE_DIR: `${dir.path}/cache`, ...env });

describe('memograph run', () => {
  it('runs a script with progress and summarises what executed and what came from the cache', async () => {
    const first = await memograph(['run', 'examples/quickstart.ts']);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/9 executed, 0 from the cache/);
    expect(first.stderr).toMatch(/^\[memograph\] 9\/9 done \(100%\) \| cached 0 \| running 0 \| failed 0 \| /m);
    expect(first.stderr).toMatch(/memograph: 9 executed, 0 from the cache, 0 deduplicated, 0 failed, 9 stored in \d+\.\d s; the cache saved \d+\.\d s of compute/);
    expect(first.stderr).not.toContain('dashboard'); // only when asked for

    const second = await memograph(['run', 'examples/quickstart.ts', '--no-progress']);
    expect(second.code).toBe(0);
    expect(second.stderr).not.toMatch(/\[memograph\]/);
    expect(second.stderr).toMatch(/memograph: 0 executed, 1 from the cache/);
  });

  it('says what the cache saved: the compute below what it served, each call once', async () => {
    const env = { MEMOGRAPH_CACHE_DIR: `${dir.path}/saved` };
    const first = await memograph(['run', 'test/fixtures/cli-saved.ts', '--no-progress'], env);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/5 executed, 0 from the cache, .* the cache saved 0\.0 s of compute/);
    const again = await memograph(['run', 'test/fixtures/cli-saved.ts', '--no-progress'], env);
    expect(again.stderr).toMatch(/0 executed, 1 from the cache/);
    // The load (300 ms of spinning) and three fits (100 ms each), below the one result served.
    const saved = Number(/the cache saved (\d+\.\d) s of compute/.exec(again.stderr)?.[1]);
    expect(saved).toBeGreaterThanOrEqual(0.6);
    // Counted once: the load is below every fit, yet one load ran.
    expect(saved).toBeLessThan(1.0);
    const cid = /summary (\S+)/.exec(again.stdout)![1]!;
    const shown = await memograph(['cache', 'show', cid], env);
    const below = /^below it {4}(\d+\.\d) ms of compute in the distinct calls it was computed from$/m.exec(shown.stdout);
    expect(Number(below?.[1])).toBeGreaterThanOrEqual(600);
  });

  it('exits with 1 when tasks fail, and says so', async () => {
    const result = await memograph(['run', 'test/fixtures/cli-failing.ts', '--no-progress']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/memograph: 1 executed, 0 from the cache, 0 deduplicated, 1 failed, 1 stored/);
  });

  it('colours only when allowed: never with NO_COLOR', async () => {
    const coloured = await memograph(['run', 'examples/quickstart.ts', '--no-progress'], { FORCE_COLOR: '1' });
    expect(coloured.stderr).toMatch(/\u001b\[/);
    const plain = await memograph(['run', 'examples/quickstart.ts', '--no-progress'], { FORCE_COLOR: '1', NO_COLOR: '1' });
    expect(plain.stderr).not.toMatch(/\u001b\[/);
  });
});

describe('memograph cache', () => {
  it('reports stats and lists entries, as text and as JSON', async () => {
    const stats = JSON.parse((await memograph(['cache', '--json', 'stats'])).stdout) as {
      entries: number;
      byFunction: Record<string, { entries: number }>;
    };
    expect(stats.entries).toBeGreaterThanOrEqual(9);
    expect(stats.byFunction.countInside?.entries).toBe(8);
    const list = JSON.parse((await memograph(['cache', '--json', 'ls'])).stdout) as { cid: string; fn: string }[];
    expect(list.filter((entry) => entry.fn === 'estimatePi')).toHaveLength(1);
    expect((await memograph(['cache', 'stats'])).stdout).toMatch(/countInside: 8 entries/);
  });

  it("shows one entry's record and a preview of its value", async () => {
    const list = JSON.parse((await memograph(['cache', '--json', 'ls'])).stdout) as { cid: string; fn: string }[];
    const pi = list.find((entry) => entry.fn === 'estimatePi')!;
    const shown = await memograph(['cache', 'show', pi.cid]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/function {4}estimatePi/);
    expect(shown.stdout).toMatch(/value {7}3\.14/);
    // Its lineage: the function's identity and its eight inputs, each a countInside call.
    expect(shown.stdout).toMatch(/^identity {4}bafyrei\w+$/m);
    expect(shown.stdout.match(/^argument \d  <countInside \w{8}>$/gm)).toHaveLength(8);
    const json = JSON.parse((await memograph(['cache', '--json', 'show', pi.cid])).stdout) as { lineage: { args: string[] } };
    expect(json.lineage.args).toHaveLength(8);
    expect(json.lineage.args[0]).toMatch(/^<countInside \w{8}>$/);
    const missing = await memograph(['cache', 'show', 'bafyreinotthere']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/No entry bafyreinotthere/);
  });

  it('finds an entry by the short CID other commands print, or by its start, and says when that is ambiguous', async () => {
    const list = JSON.parse((await memograph(['cache', '--json', 'ls'])).stdout) as { cid: string; fn: string }[];
    const pi = list.find((entry) => entry.fn === 'estimatePi')!;
    for (const part of [pi.cid.slice(-8), pi.cid.slice(0, 30)]) {
      const shown = await memograph(['cache', 'show', part]);
      expect(shown.code, part).toBe(0);
      expect(shown.stdout).toContain(pi.cid);
      expect(shown.stdout).toMatch(/function {4}estimatePi/);
    }
    const ambiguous = await memograph(['cache', 'show', 'bafyrei']);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toMatch(new RegExp(`bafyrei is ambiguous in .*: ${list.length} entries start or end with it: .*, and ${list.length - 5} more\\. Give more of the CID`));
  });

  it('verifies stored bytes, reports a corrupt entry, and drops it with --repair', async () => {
    expect((await memograph(['cache', 'verify'])).stdout).toMatch(/^\d+ entries checked, 0 bad/);
    const list = JSON.parse((await memograph(['cache', '--json', 'ls'])).stdout) as { cid: string; resultCid: string; fn: string }[];
    const victim = list.find((entry) => entry.fn === 'estimatePi')!;
    const db = new ClassicLevel<string, Uint8Array>(`${dir.path}/cache`, { valueEncoding: 'view' });
    await db.open();
    await db.put(`r/${victim.resultCid}`, new TextEncoder().encode('not the stored value'));
    await db.close();

    const found = await memograph(['cache', '--json', 'verify']);
    expect(found.code).toBe(1);
    const report = JSON.parse(found.stdout) as { bad: { cid: string; problem: string }[] };
    expect(report.bad).toEqual([{ cid: victim.cid, fn: 'estimatePi', problem: `result ${victim.resultCid} is corrupt` }]);

    const repaired = await memograph(['cache', 'verify', '--repair']);
    expect(repaired.code).toBe(0);
    expect(repaired.stdout).toMatch(new RegExp(`1 entry dropped:\\n  ${victim.cid}: its result ${victim.resultCid} is corrupt`));
    expect((await memograph(['cache', 'verify'])).stdout).toMatch(/0 bad/);
    // The next run computes the dropped entry again, and only it.
    expect((await memograph(['run', 'examples/quickstart.ts', '--no-progress'])).stderr).toMatch(/memograph: 1 executed, 8 from the cache/);
  });

  it('clears only when told to, and refuses to ask with no terminal', async () => {
    const refused = await memograph(['cache', 'clear']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/Refusing to delete .* without --yes/);
    expect(existsSync(`${dir.path}/cache`)).toBe(true);
    const cleared = await memograph(['cache', '--json', 'clear', '--yes']);
    expect(cleared.code).toBe(0);
    expect(JSON.parse(cleared.stdout)).toMatchObject({ cleared: true });
    expect(existsSync(`${dir.path}/cache`)).toBe(false);
    const missing = await memograph(['cache', 'stats']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/No cache at /);
  });

  it('exits with 2 on a usage error and 0 for --help', async () => {
    expect((await memograph(['nonsense'])).code).toBe(2);
    const scriptOption = await memograph(['run', 'examples/quickstart.ts', '--input', 'x']);
    expect(scriptOption.code).toBe(2);
    expect(scriptOption.stderr).toMatch(/unknown option '--input'/);
    expect(scriptOption.stderr).toMatch(/a script's own arguments go after `--`: memograph run <script> -- <its arguments>/);
    expect((await memograph(['cache', '--bogus', 'ls'])).stderr).not.toMatch(/own arguments/);
    const help = await memograph(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: memograph/);
  });
});
