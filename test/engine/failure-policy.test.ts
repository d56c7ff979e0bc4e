import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { compute, delayed, shutdown, startRun, TaskError } from '../../src/index.js';
import { tempDir } from '../helpers.js';

const dir = tempDir();
afterAll(async () => {
  await shutdown();
  dir.remove();
});

// Each task logs its runs; `flaky` fails until a marker file exists.
const value = delayed(function value(log: string, x: number) {
  process.getBuiltinModule('node:fs').appendFileSync(log, `value ${x}\n`);
  return x;
});
const flaky = delayed(function flaky(log: string, marker: string) {
  const fs = process.getBuiltinModule('node:fs');
  fs.appendFileSync(log, 'flaky\n');
  if (!fs.existsSync(marker)) throw new Error('marker missing');
  return 100;
});
const add = delayed(function add(log: string, a: number, b: number) {
  process.getBuiltinModule('node:fs').appendFileSync(log, `add ${a} ${b}\n`);
  return a + b;
});

function graph(log: string, marker: string) {
  const broken = add(log, flaky(log, marker), value(log, 1)); // depends on the failure
  const fine = add(log, value(log, 2), value(log, 3)); // does not
  return { top: add(log, broken, fine), broken, fine, alone: value(log, 4) };
}

describe("onFailure: 'continue'", () => {
  it('runs everything that does not depend on a failure, and reports what failed', async () => {
    const log = `${dir.path}/continue.log`;
    const marker = `${dir.path}/continue.marker`;
    const cacheDir = `${dir.path}/cache`;
    const g = graph(log, marker);
    const run = startRun([g.top, g.fine, g.alone], { onFailure: 'continue', cacheDir });
    const outcome = await run.settled;
    expect(outcome.values).toEqual([undefined, 5, 4]);
    expect(outcome.available).toEqual([false, true, true]);
    expect(outcome.failures).toHaveLength(1);
    expect(outcome.failures[0]).toBeInstanceOf(TaskError);
    expect(outcome.failures[0]!.taskName).toBe('flaky');
    expect(outcome.counts).toMatchObject({ failed: 1, skipped: 2 });
    // value 1, 2, 3, 4 and add(2, 3) ran; flaky failed; add(flaky, 1) and the top were skipped.
    expect(outcome.counts.executed).toBe(5);
    expect(outcome.completion).toBeCloseTo(5 / 8);
    await expect(run.result).rejects.toThrow(/marker missing/);
    expect(readFileSync(log, 'utf8')).not.toMatch(/^add 100/m);

    // After the fix, a re-run executes only what failed or never ran.
    writeFileSync(marker, '');
    writeFileSync(log, '');
    const again = startRun([g.top, g.fine, g.alone], { onFailure: 'continue', cacheDir });
    expect(await again.result).toEqual([106, 5, 4]);
    expect(readFileSync(log, 'utf8').trim().split('\n').sort()).toEqual(['add 100 1', 'add 101 5', 'flaky']);
  });

  it('under fail-fast, stops at the first failure and rejects at once', async () => {
    const log = `${dir.path}/fast.log`;
    const g = graph(log, `${dir.path}/never.marker`);
    const run = startRun([g.top], { cache: false });
    await expect(run.result).rejects.toThrow(/marker missing/);
    const outcome = await run.settled;
    expect(outcome.available).toEqual([false]);
    expect(outcome.failures.map((f) => f.taskName)).toEqual(['flaky']);
    expect(existsSync(log)).toBe(true);
  });

  it('rejects a policy it does not know', async () => {
    const g = graph(`${dir.path}/x.log`, `${dir.path}/x.marker`);
    await expect(compute(g.alone, { onFailure: 'retry' as never })).rejects.toThrow(
      "Expected `onFailure` to be 'fail-fast' or 'continue', got `retry` (string)",
    );
  });
});
