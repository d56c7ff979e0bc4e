/**
 * Arguments that change after their call was made — a large array changed in place,
 * a file edited on disk — are refused before the task runs (and before the cache is
 * read), and a file changed while its task ran keeps the result out of the cache.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { compute, delayed, file, LevelStore, shutdown, startRun, TaskError } from '../../src/index.js';
import { LARGE_BINARY_THRESHOLD } from '../../src/hash/large-binary.js';
import { tempDir } from '../helpers.js';

const dir = tempDir();
afterAll(async () => {
  await shutdown();
  dir.remove();
});

const first = delayed(function first(xs: Float64Array) {
  return xs[0];
});

describe('a large binary argument changed in place', () => {
  it('fails its call, naming the argument, instead of being served the old result; nothing is cached', async () => {
    const cacheDir = `${dir.path}/binary-cache`;
    const big = new Float64Array(LARGE_BINARY_THRESHOLD / 4).fill(1);
    const before = first(big);
    expect(await compute(before, { cacheDir })).toEqual([1]);
    big[0] = 2; // in place: the memoised digest still says 1
    const stale = first(big);
    expect(stale.cid).toBe(before.cid);
    for (const call of [before, stale]) {
      const run = startRun([call], { cacheDir });
      const error = await run.result.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TaskError);
      expect((error as TaskError).cid).toBe(before.cid);
      expect((error as TaskError).taskName).toBe('first');
      expect((error as TaskError).message).toContain('its argument args[0] was changed in place');
      expect(run.counts).toMatchObject({ executed: 0, cached: 0, failed: 1 });
    }
    // A call made now is addressed by the bytes as they are.
    const rebuilt = first(big);
    expect(rebuilt.cid).not.toBe(before.cid);
    expect(await compute(rebuilt, { cacheDir })).toEqual([2]);
  });

  it('fails every call that takes it', async () => {
    const big = new Uint8Array(LARGE_BINARY_THRESHOLD).fill(7);
    const calls = Array.from({ length: 5 }, (_, i) => delayed((b: Uint8Array, k: number) => b[0]! + k)(big, i));
    const run = startRun(calls, { cache: false });
    expect(await run.result).toEqual([7, 8, 9, 10, 11]);
    big[1] = 0;
    const error = await compute(...calls, { cache: false }).catch((e: unknown) => e);
    expect((error as Error).message).toContain('args[0] was changed in place');
  });
});

describe('a file() argument changed on disk', () => {
  const lines = delayed(function lines(f: { path: string }) {
    return process.getBuiltinModule('node:fs').readFileSync(f.path, 'utf8').split('\n').length;
  });

  it('is refused before its task runs, naming the path', async () => {
    const path = `${dir.path}/input.txt`;
    writeFileSync(path, 'a\nb\n');
    const call = lines({ input: file(path) } as never);
    writeFileSync(path, 'a\nb\nc\n');
    const run = startRun([call], { cacheDir: `${dir.path}/file-cache` });
    const error = await run.result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskError);
    expect((error as TaskError).message).toContain(`its argument args[0].input: file ${path} changed after the graph was built`);
    expect(run.counts.executed).toBe(0);
  });

  it('changed while its task ran: the task fails and its result is not stored', async () => {
    const path = `${dir.path}/moving.txt`;
    writeFileSync(path, 'one\n');
    const cacheDir = `${dir.path}/moving-cache`;
    const touch = delayed(
      (f: { path: string }) => {
        appendFileSync(f.path, 'two\n');
        return 'done';
      },
      { mainThread: true, name: 'touch' },
    );
    const call = touch(file(path));
    const error = await compute(call, { cacheDir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskError);
    expect((error as Error).message).toContain('while the task ran');
    await shutdown();
    const store = await LevelStore.open(cacheDir);
    expect(store.getRecordSync!(call.cid)).toBeUndefined();
    await store.close();
  });
});
