import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, delayed, shutdown, startRun } from '../../src/index.js';
import { runCli } from '../cli/run-cli.js';
import { tempDir } from '../helpers.js';

afterAll(() => shutdown());

const price = (item: string) => `${item}: ${item.length * 10}`;

describe('results that go stale', () => {
  it('expiresAfterMs: a result older than that runs again, a younger one is served', async () => {
    const dir = tempDir();
    try {
      const keep = delayed(price, { mainThread: true, name: 'keep', expiresAfterMs: 60_000 });
      const stale = delayed(price, { mainThread: true, name: 'stale', expiresAfterMs: 0 });
      const first = startRun([keep('tea'), stale('tea')], { cacheDir: dir.path });
      await first.result;
      expect(first.counts.executed).toBe(2);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const again = startRun([keep('tea'), stale('tea')], { cacheDir: dir.path });
      expect(await again.result).toEqual(['tea: 30', 'tea: 30']);
      expect(again.counts.cached).toBe(1);
      expect(again.counts.executed).toBe(1);
    } finally {
      dir.remove();
    }
  });

  it('validate: false (or a throw) makes the call run again; true serves it', async () => {
    const dir = tempDir();
    try {
      const seen: number[] = [];
      const checked = delayed(price, {
        mainThread: true,
        name: 'checked',
        validate: (record) => {
          seen.push(record.createdAt);
          return record.size > 1_000_000;
        },
      });
      await startRun([checked('milk')], { cacheDir: dir.path }).result;
      const again = startRun([checked('milk')], { cacheDir: dir.path });
      await again.result;
      expect(again.counts.executed).toBe(1);
      expect(seen).toHaveLength(1);
      const throwing = delayed(price, { mainThread: true, name: 'checked', validate: () => { throw new Error('no'); } });
      const third = startRun([throwing('milk')], { cacheDir: dir.path });
      await third.result;
      expect(third.counts.executed).toBe(1);
    } finally {
      dir.remove();
    }
  });

  it('refuses a bad expiresAfterMs or validate', () => {
    expect(() => delayed(price, { expiresAfterMs: -1 })).toThrow(InvalidArgumentError);
    expect(() => delayed(price, { validate: 'yes' as never })).toThrow(/`validate` to be a function/);
  });
});

describe('memograph cache clear --function', () => {
  it("deletes one function's entries and keeps the others", async () => {
    const dir = tempDir();
    try {
      const a = delayed(price, { mainThread: true, name: 'priceA' });
      const b = delayed(price, { mainThread: true, name: 'priceB' });
      await startRun([a('x'), a('y'), b('x')], { cacheDir: dir.path }).result;
      const cleared = await runCli(['cache', 'clear', '--function', 'priceA', '--yes', '--cache-dir', dir.path]);
      expect(cleared.code, cleared.stderr).toBe(0);
      expect(cleared.stdout).toContain('Deleted the 2 entries of priceA');
      const again = startRun([a('x'), b('x')], { cacheDir: dir.path });
      await again.result;
      expect(again.counts.executed).toBe(1);
      expect(again.counts.cached).toBe(1);
      const refused = await runCli(['cache', 'clear', '--function', 'priceB', '--cache-dir', dir.path]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('without --yes');
    } finally {
      dir.remove();
    }
  });
});
