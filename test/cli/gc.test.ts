import { ClassicLevel } from 'classic-level';
import { afterAll, describe, expect, it } from 'vitest';
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
    expect((await memograph('verify')).stdout).toMatch(/1 entries checked, 0 bad/);
  });

  it('needs a limit, and says which flag it could not read', async () => {
    const none = await memograph('gc');
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/Say what to evict/);
    const bad = await memograph('gc', '--max-size', '2XB');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Expected --max-size to be a size such as 2GB or 500MiB, got `2XB`/);
  });

  it('reads sizes and ages', () => {
    expect(parseSize('2GB', '--max-size')).toBe(2e9);
    expect(parseSize('500MiB', '--max-size')).toBe(500 * 1024 ** 2);
    expect(parseSize('1024', '--max-size')).toBe(1024);
    expect(parseAge('30d', '--older-than')).toBe(30 * 86_400_000);
    expect(parseAge('90m', '--older-than')).toBe(90 * 60_000);
    expect(() => parseAge('soon', '--older-than')).toThrow(/--older-than/);
  });
});
