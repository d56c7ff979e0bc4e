import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CaptureChangedError, UnhashableError, compute, delayed, shutdown } from '../../src/index.js';

const entries = (node: { task: { identity: { code?: { entries: readonly (readonly string[])[] } } } }) =>
  node.task.identity.code?.entries ?? [];

afterAll(() => shutdown());
afterEach(() => {
  delete process.env.MEMOGRAPH_TEST_A;
  delete process.env.MEMOGRAPH_TEST_B;
});

describe('environment variables a function reads', () => {
  it('are entries by value, an absent one unlike an empty one, on workers and on the main thread', () => {
    for (const mainThread of [false, true]) {
      const read = () => delayed(() => process.env.MEMOGRAPH_TEST_A ?? 'unset', { mainThread, name: 'r' })();
      const absent = read();
      expect(entries(absent).map((e) => e.slice(0, 3))).toEqual([['env', '', 'MEMOGRAPH_TEST_A']]);
      process.env.MEMOGRAPH_TEST_A = '';
      const empty = read();
      process.env.MEMOGRAPH_TEST_A = 'x';
      const set = read();
      expect(new Set([absent.cid, empty.cid, set.cid]).size).toBe(3);
      delete process.env.MEMOGRAPH_TEST_A;
      expect(read().cid).toBe(absent.cid);
    }
  });

  it('are read by name from `in`, bracket and destructuring forms', () => {
    const fn = () => {
      const { MEMOGRAPH_TEST_A: a } = process.env;
      return [a, process.env['MEMOGRAPH_TEST_B'], 'HOME' in process.env];
    };
    expect(entries(delayed(fn)()).map((e) => e[2])).toEqual(['HOME', 'MEMOGRAPH_TEST_A', 'MEMOGRAPH_TEST_B']);
  });

  it('refuses a dynamic read unless the function declares its variables with `env` or has a version', () => {
    const dynamic = (key: string) => process.env[key];
    expect(() => delayed(dynamic)).toThrow(UnhashableError);
    expect(() => delayed(dynamic)).toThrow(/function `dynamic`.*process\.env\[…\].*\{ env: \[/);
    expect(() => delayed(() => Object.keys(process.env))).toThrow(/uses `process.env` as a whole/);
    expect(() => delayed(() => ({ ...process.env }))).toThrow(UnhashableError);
    expect(() => delayed(dynamic, { version: '1' })).not.toThrow();
    const declared = () => delayed(dynamic, { env: ['MEMOGRAPH_TEST_B'] })('MEMOGRAPH_TEST_B');
    expect(entries(declared()).map((e) => e[2])).toEqual(['MEMOGRAPH_TEST_B']);
    const before = declared().cid;
    process.env.MEMOGRAPH_TEST_B = 'changed';
    expect(declared().cid).not.toBe(before);
  });

  it('validates the `env` option', () => {
    expect(() => delayed(() => 1, { env: 'A' as never })).toThrow(/Expected `env` to be an array of environment variable names/);
    expect(() => delayed(() => 1, { env: [''] })).toThrow(/`env`/);
  });
});

describe('environment variables when a run starts', () => {
  it('reach worker tasks as they are now, also when set after the worker threads started', async () => {
    await compute(delayed((x: number) => x + 1, { name: 'warm' })(1), { cache: false });
    process.env.MEMOGRAPH_TEST_B = 'late';
    const [seen] = await compute(delayed(() => process.env.MEMOGRAPH_TEST_B ?? 'unset', { name: 'late' })(), { cache: false });
    expect(seen).toBe('late');
  });

  it('fail a task whose variable changed after delayed() built its identity, on a worker and on the main thread', async () => {
    for (const mainThread of [false, true]) {
      process.env.MEMOGRAPH_TEST_A = 'before';
      const call = delayed(() => process.env.MEMOGRAPH_TEST_A, { mainThread, name: `read-${mainThread}` })();
      process.env.MEMOGRAPH_TEST_A = 'after';
      const error = await compute(call, { cache: false }).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(CaptureChangedError);
      expect((error as Error).message).toContain('MEMOGRAPH_TEST_A');
    }
  });
});
