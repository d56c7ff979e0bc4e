import { afterAll, describe, expect, it } from 'vitest';
import { delayed, shutdown, startRun, type Completion } from '../../src/index.js';
import { tempDir } from '../helpers.js';

afterAll(() => shutdown());

const wait = delayed(
  async function wait(ms: number, label: string) {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return label;
  },
  { mainThread: true },
);
const broken = delayed(
  function broken(x: number): number {
    throw new Error(`bad ${x}`);
  },
  { mainThread: true },
);
const plusOne = delayed((x: number) => x + 1, { mainThread: true, name: 'plusOne' });

async function collect(iterator: AsyncIterable<Completion>): Promise<Completion[]> {
  const all: Completion[] = [];
  for await (const done of iterator) all.push(done);
  return all;
}

describe('run.asCompleted()', () => {
  it('yields each target as it settles, in the order they settle, with its index and value', async () => {
    const run = startRun([wait(300, 'slow'), wait(10, 'fast'), wait(120, 'middle')], { cache: false });
    const order: (string | undefined)[] = [];
    for await (const done of run.asCompleted()) order.push(done.ok ? `${done.index}:${String(done.value)}` : undefined);
    expect(order).toEqual(['1:fast', '2:middle', '0:slow']);
  });

  it('gives failures and the targets they skipped, and the others, under continue', async () => {
    const run = startRun([plusOne(broken(1)), wait(20, 'fine'), broken(2)], { cache: false, onFailure: 'continue' });
    const all = await collect(run.asCompleted());
    expect(all.map((done) => done.index).sort()).toEqual([0, 1, 2]);
    const byIndex = new Map(all.map((done) => [done.index, done]));
    const skipped = byIndex.get(0)!;
    expect(skipped.ok).toBe(false);
    if (!skipped.ok) expect(skipped.error.message).toContain('bad 1');
    const fine = byIndex.get(1)!;
    expect(fine.ok && fine.value).toBe('fine');
    const failed = byIndex.get(2)!;
    if (!failed.ok) expect(failed.error.message).toContain('bad 2');
    else expect.unreachable('target 2 failed');
    await run.settled;
  });

  it('yields cached targets too, and every index of a target given twice', async () => {
    const dir = tempDir();
    try {
      await startRun([wait(1, 'stored')], { cacheDir: dir.path }).result;
      const run = startRun([wait(1, 'stored'), wait(1, 'stored')], { cacheDir: dir.path });
      const all = await collect(run.asCompleted());
      expect(all.map((done) => [done.index, done.ok && done.cached])).toEqual([
        [0, true],
        [1, true],
      ]);
    } finally {
      dir.remove();
    }
  });

  it('ends with the run error for targets a fail-fast run never reached', async () => {
    const run = startRun([broken(3), wait(2000, 'never waited for')], { cache: false });
    const all = await collect(run.asCompleted());
    expect(all).toHaveLength(2);
    expect(all.every((done) => !done.ok)).toBe(true);
    await expect(run.result).rejects.toThrow('bad 3');
  });
});
