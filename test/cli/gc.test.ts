import { ClassicLevel } from 'classic-level';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAge, parseSize } from '../../src/cli/gc-command.js';
import { compute, delayed, shutdown } from '../../src/index.js';
import { tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';

const dir = tempDir();
const cacheDir = `${dir.path}/cache`;
afterAll(async () => {
  await shutdown();
  dir.remove();
});

const memograph = (...args: string[]) => runCli(['cache', '--cache-dir', cacheDir, ...args]);

const names = async () =>
  (JSON.parse((await memograph('--json', 'ls')).stdout) as { fn: string }[]).map((entry) => entry.fn).sort();

describe('memograph cache gc', () => {
  // Distinct values: identical results would share one stored value.
  const make = (name: string, size: number) =>
    delayed((label: string, n: number) => label.repeat(n), { name })(name, size);

  it('evicts entries unused for longer than --older-than, and least recently used first under --max-size', async () => {
    await compute(make('a', 1_000), make('b', 1_000), make('c', 1_000), { cacheDir });
    await compute(make('a', 1_000), { cacheDir }); // a cache hit: a is now the most recently used
    expect(await names()).toEqual(['a', 'b', 'c']);

    expect(JSON.parse((await memograph('--json', 'gc', '--older-than', '1h')).stdout)).toMatchObject({ evicted: 0, kept: 3 });

    // b was last used two days ago.
    const db = new ClassicLevel<string, string>(cacheDir);
    await db.open();
    await db.put(`u/${make('b', 1_000).cid}`, String(Date.now() - 2 * 86_400_000));
    await db.close();
    expect(JSON.parse((await memograph('--json', 'gc', '--older-than', '1d')).stdout)).toMatchObject({ evicted: 1, kept: 2 });
    expect(await names()).toEqual(['a', 'c']);

    // Room for one value: c (written, never used since) goes before a (just used).
    const result = JSON.parse((await memograph('--json', 'gc', '--max-size', '1.5kB')).stdout) as { evicted: number; freedBytes: number };
    expect(result.evicted).toBe(1);
    expect(result.freedBytes).toBeGreaterThan(1_000);
    expect(await names()).toEqual(['a']);
    expect((await memograph('verify')).stdout).toMatch(/^1 entry checked, 0 bad$/m);
    // Counts and sizes as a person reads them.
    expect((await memograph('stats')).stdout).toMatch(/^1 entry, \d+ stored values?, \d+(\.\d)? (B|KiB)$/m);
    const evicted = await memograph('gc', '--max-size', '1B', '--yes');
    expect(evicted.stdout).toMatch(/^1 entry evicted, 0 kept; freed \d+(\.\d)? KiB of the \d+(\.\d)? KiB stored$/m);
  });

  it('does not count the records that find a dependent by its inputs’ values, and evicts them with their entry', async () => {
    const dependentCache = `${dir.path}/dependent`;
    const cli = (...args: string[]) => runCli(['cache', '--cache-dir', dependentCache, ...args]);
    const head = delayed((n: number) => 'h'.repeat(n), { name: 'head' });
    const tail = delayed((s: string) => s + 't', { name: 'tail' });
    await compute(tail(head(1_000)), { cacheDir: dependentCache });
    const stats = JSON.parse((await cli('--json', 'stats')).stdout) as { entries: number };
    expect(stats.entries).toBe(2);
    expect((await cli('verify')).stdout).toMatch(/2 entries checked, 0 bad/);
    const records = async () => {
      const db = new ClassicLevel<string, string>(dependentCache);
      await db.open();
      const keys = await db.keys({ gte: 'c/', lt: 'c0' }).all();
      await db.close();
      return keys.length;
    };
    expect(await records()).toBe(3); // tail also under its value key

    expect(JSON.parse((await cli('--json', 'gc', '--max-size', '1B', '--yes')).stdout)).toMatchObject({ evicted: 2, kept: 0 });
    expect(await records()).toBe(0);
  });

  it('needs a limit, and says which flag it could not read', async () => {
    const none = await memograph('gc');
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/Say what to evict/);
    const bad = await memograph('gc', '--max-size', '2XB');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Expected --max-size to be a size with a unit such as 500MB or 2GB, got `2XB`');
  });

  it('refuses a size without a unit, and evicts nothing', async () => {
    const before = await names();
    const bare = await memograph('gc', '--max-size', '2', '--yes');
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('Expected --max-size to be a size with a unit such as 500MB or 2GB, got `2`');
    expect(await names()).toEqual(before);
  });

  it('reads sizes and ages', () => {
    expect(parseSize('2GB', '--max-size')).toBe(2e9);
    expect(parseSize('500MiB', '--max-size')).toBe(500 * 1024 ** 2);
    expect(parseSize('1024B', '--max-size')).toBe(1024);
    expect(parseSize('1.5kB', '--max-size')).toBe(1500);
    expect(parseSize('2 TB', '--max-size')).toBe(2e12);
    expect(() => parseSize('1024', '--max-size')).toThrow(/with a unit/);
    expect(() => parseAge('30', '--older-than')).toThrow(/--older-than/);
    expect(parseAge('30d', '--older-than')).toBe(30 * 86_400_000);
    expect(parseAge('90m', '--older-than')).toBe(90 * 60_000);
    expect(() => parseAge('soon', '--older-than')).toThrow(/--older-than/);
  });
});

describe('memograph cache gc, before evicting much', () => {
  const many = `${dir.path}/many`;
  const gc = (...args: string[]) => runCli(['cache', '--cache-dir', many, '--json', 'gc', ...args]);
  const listed = async () => (await runCli(['cache', '--cache-dir', many, '--json', 'ls'])).stdout;
  const make = (name: string) => delayed((label: string) => label.repeat(500), { name })(name);

  beforeAll(async () => {
    await compute(make('p'), make('q'), make('r'), make('s'), { cacheDir: many });
  });

  it('--dry-run lists what would go and changes nothing', async () => {
    const before = await listed();
    const dry = await gc('--max-size', '1B', '--dry-run');
    expect(dry.code).toBe(0);
    const plan = JSON.parse(dry.stdout) as { dryRun: boolean; evicted: number; freedBytes: number; entries: { fn: string }[] };
    expect(plan).toMatchObject({ dryRun: true, evicted: 4, kept: 0 });
    expect(plan.freedBytes).toBeGreaterThan(2_000);
    expect(plan.entries.map((entry) => entry.fn).sort()).toEqual(['p', 'q', 'r', 's']);
    expect(await listed()).toBe(before);
  });

  it('refuses to evict more than half the entries with no terminal to ask on, and goes ahead with --yes', async () => {
    const before = await listed();
    const refused = await gc('--max-size', '1B');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/Refusing to evict 4 of 4 entries .* without --yes/);
    expect(await listed()).toBe(before);

    // Half or fewer go without asking. Stored bytes also hold function identities, which stay: room for two values.
    const plan = JSON.parse((await gc('--max-size', '1B', '--dry-run')).stdout) as { freedBytes: number; bytesBefore: number };
    const room = plan.bytesBefore - plan.freedBytes + Math.round(plan.freedBytes / 2) + 100;
    expect(JSON.parse((await gc('--max-size', `${room}B`)).stdout)).toMatchObject({ evicted: 2, kept: 2 });
    expect(JSON.parse((await gc('--max-size', '1B', '--yes')).stdout)).toMatchObject({ evicted: 2, kept: 0 });
    expect(JSON.parse(await listed())).toEqual([]);
  });
});
