import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { compute, delayed, shutdown, startRun, TaskError, type Delayed } from '../../src/index.js';
import { tempDir } from '../helpers.js';

const dir = tempDir();
afterAll(async () => {
  await shutdown();
  dir.remove();
});

// Tasks log each execution, so the tests can see what ran.
const step = delayed(function step(log: string, x: number) {
  process.getBuiltinModule('node:fs').appendFileSync(log, `step ${x}\n`);
  if (x === 13) throw new Error('thirteen');
  return x + 1;
});
const list = delayed(function list(n: number) {
  return Array.from({ length: n }, (_, i) => i);
});
const grow = delayed(function grow(xs: number[]) {
  xs.push(-1);
  return xs.length;
});
const count = delayed(function count(xs: number[]) {
  return xs.length;
});

/** Run each function once so its duration is known and later batches fuse. */
async function learnDurations(log: string): Promise<void> {
  await compute(step(log, -100), grow(list(1)), count(list(1)), { cache: false });
}

function chain(log: string, from: number, length: number): Delayed<number> {
  let node = step(log, from);
  for (let i = 1; i < length; i++) node = step(log, node);
  return node;
}

describe('fused batches', () => {
  it('compute a long chain correctly, each step once', async () => {
    const log = `${dir.path}/chain.log`;
    await learnDurations(log);
    const run = startRun([chain(log, 1_000, 500)], { cache: false, workers: 2 });
    expect(await run.result).toEqual([1_500]);
    expect(run.counts.executed).toBe(500);
    const lines = readFileSync(log, 'utf8').trim().split('\n').slice(1);
    expect(new Set(lines).size).toBe(500);
  });

  it('stop at a failing step: it fails with its own TaskError and the steps after it never run', async () => {
    const log = `${dir.path}/failing.log`;
    await learnDurations(log);
    const error = await compute(chain(log, 10, 8), { cache: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskError);
    expect((error as TaskError).taskName).toBe('step');
    expect((error as TaskError).originalMessage).toBe('thirteen');
    const ran = readFileSync(log, 'utf8').trim().split('\n').slice(1);
    expect(ran).toEqual(['step 10', 'step 11', 'step 12', 'step 13']);
  });

  it('give each fused task its own copy of an input, as unfused tasks get', async () => {
    const log = `${dir.path}/copies.log`;
    await learnDurations(log);
    const xs = list(5);
    expect(await compute(grow(xs), count(xs), xs, { cache: false })).toEqual([6, 5, [0, 1, 2, 3, 4]]);
  });
});
