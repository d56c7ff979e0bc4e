/** Values must reach a worker task, and come back from it and from the cache, exactly as given. */
import { describe, expect, it } from 'vitest';
import { TRAP_TIMEOUT_MS, expectAllCached, expectExecutedAll, withProject } from './harness.js';

describe('values', () => {
  it('a lone surrogate keeps its UTF-16 code units, through a worker and through the cache', () =>
    withProject('lone-surrogate', async (project) => {
      // '👍 great'.slice(0, 1) is the high surrogate alone; U+FFFD is what a lossy
      // UTF-8 round trip would make of it, so the two must stay two calls.
      const expected = [[0xd83d], [0xfffd]];
      const first = await project.run();
      expectExecutedAll(first, 'the first run');
      expect(first.values, 'returned by the worker').toEqual(expected);
      expect(first.cids[0], 'a lone surrogate and U+FFFD are different arguments').not.toBe(first.cids[1]);
      const second = await project.run();
      expectAllCached(second, 'the second run');
      expect(second.values, 'served from the cache').toEqual(expected);
    }), TRAP_TIMEOUT_MS);

  it('a Buffer argument arrives as a Buffer (and a Uint8Array as no Buffer), beside other arguments, in batched calls', () =>
    withProject('buffer-argument', async (project) => {
      const report = await project.run();
      expectExecutedAll(report);
      expect(report.values).toEqual(
        Array.from({ length: 24 }, (_, i) => ({ isBuffer: i % 2 === 0, bytes: [i, 255 - i], n: i, label: `call ${i}` })),
      );
    }), TRAP_TIMEOUT_MS);

  it('a Buffer beside a registered-class argument stays a Buffer, and the instance arrives as an instance, first run and from the cache', () =>
    withProject('class-beside-buffer', async (project) => {
      const expected = Array.from({ length: 16 }, (_, i) => ({ isVec: true, length: Math.hypot(3, 4 * i), isBuffer: true, bytes: [i, 255 - i], n: i }));
      const first = await project.run();
      expectExecutedAll(first);
      expect(first.values).toEqual(expected);
      const second = await project.run();
      expectAllCached(second);
      expect(second.values).toEqual(expected);
    }), TRAP_TIMEOUT_MS);
});
