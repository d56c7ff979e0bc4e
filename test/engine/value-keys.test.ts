import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { delayed, shutdown, startRun } from '../../src/index.js';
import { baseTask, nowTask, plusOneTask, readingTask, twiceTask } from '../fixtures/value-key-tasks.js';
import { tempDir } from '../helpers.js';

const run = promisify(execFile);
const dir = tempDir();
afterAll(async () => {
  await shutdown();
  dir.remove();
});

/** How often each step ran, from the log its executions append to. */
function executions(log: string, step: string): number {
  if (!existsSync(log)) return 0;
  return readFileSync(log, 'utf8').split('\n').filter((line) => line.startsWith(`${step} `)).length;
}

describe('a dependent of a cache: false input', () => {
  it('is computed from each run’s own clock reading, in one process', async () => {
    const cacheDir = `${dir.path}/clock-one`;
    const log = `${dir.path}/clock-one.log`;
    const seen: number[] = [];
    for (let i = 0; i < 2; i++) {
      const clock = nowTask();
      const r = startRun([clock, twiceTask(clock, log)], { cacheDir });
      const [at, doubled] = (await r.result) as [number, number];
      expect(doubled).toBe(2 * at);
      seen.push(at);
      await sleep(5);
    }
    expect(seen[1]).not.toBe(seen[0]);
    expect(executions(log, 'twice')).toBe(2);
  });

  it('is computed from each process’s own clock reading, two processes on one cache', async () => {
    const cacheDir = `${dir.path}/clock-two`;
    const log = `${dir.path}/clock-two.log`;
    const script = new URL('../fixtures/value-key-process.ts', import.meta.url).pathname;
    const reports: { at: number; doubled: number }[] = [];
    for (let i = 0; i < 2; i++) {
      const { stdout } = await run(process.execPath, ['--import', 'tsx', script, cacheDir, log]);
      reports.push(JSON.parse(stdout) as { at: number; doubled: number });
    }
    for (const { at, doubled } of reports) expect(doubled).toBe(2 * at);
    expect(reports[1]!.at).not.toBe(reports[0]!.at);
    expect(executions(log, 'twice')).toBe(2);
  });

  it('is served from the cache when the input returns what it returned before, and runs when it does not', async () => {
    const cacheDir = `${dir.path}/reading`;
    const log = `${dir.path}/reading.log`;
    const input = `${dir.path}/reading.txt`;
    // plusOne(twice(reading)): a chain, so both dependents are volatile.
    const graph = () => plusOneTask(twiceTask(readingTask(input), log), log);
    const computeOnce = async () => {
      const r = startRun([graph()], { cacheDir });
      const [value] = await r.result;
      return { value, counts: r.counts };
    };
    writeFileSync(input, '4');
    expect((await computeOnce()).value).toBe(9);
    const same = await computeOnce();
    expect(same.value).toBe(9);
    expect(same.counts).toMatchObject({ executed: 1, cached: 2 }); // only `reading` ran
    expect(executions(log, 'twice')).toBe(1);
    expect(executions(log, 'plusOne')).toBe(1);

    writeFileSync(input, '5');
    const changed = await computeOnce();
    expect(changed.value).toBe(11);
    expect(changed.counts).toMatchObject({ executed: 3, cached: 0 });
    expect(executions(log, 'twice')).toBe(2);

    // Back to a value seen before: served by its value key again.
    writeFileSync(input, '4');
    expect((await computeOnce()).value).toBe(9);
    expect(executions(log, 'twice')).toBe(2);
    expect(executions(log, 'plusOne')).toBe(2);
  });
});

describe('early cutoff', () => {
  it('serves the dependent of a pure: false call from the cache when the call returns what it returned before', async () => {
    const cacheDir = `${dir.path}/impure`;
    const log = `${dir.path}/impure.log`;
    let draws = 0;
    let value = 5;
    const draw = delayed(() => (draws++, value), { pure: false, mainThread: true, version: 'draw' });
    const first = startRun([twiceTask(draw(), log)], { cacheDir });
    expect(await first.result).toEqual([10]);
    // Another call of the impure function (a new node, never cached) that draws the same value.
    const same = startRun([twiceTask(draw(), log)], { cacheDir });
    expect(await same.result).toEqual([10]);
    expect(same.counts).toMatchObject({ executed: 1, cached: 1 });
    value = 6;
    const other = startRun([twiceTask(draw(), log)], { cacheDir });
    expect(await other.result).toEqual([12]);
    expect([draws, executions(log, 'twice')]).toEqual([3, 2]);
  });

  it('serves the dependents of a changed function from the cache when it returns what it returned before', async () => {
    const cacheDir = `${dir.path}/cutoff`;
    const log = `${dir.path}/cutoff.log`;
    const graph = (version: string, n: number) => plusOneTask(twiceTask(baseTask(version)(n, log), log), log);

    const first = startRun([graph('1', 13)], { cacheDir });
    expect(await first.result).toEqual([7]);
    expect(first.counts.executed).toBe(3);

    // Another identity for `base`, so every call CID above it is new; its result is the same.
    const bumped = startRun([graph('2', 13)], { cacheDir });
    expect(await bumped.result).toEqual([7]);
    expect(bumped.counts).toMatchObject({ executed: 1, cached: 2 });
    expect(executions(log, 'base')).toBe(2);
    expect(executions(log, 'twice')).toBe(1);
    expect(executions(log, 'plusOne')).toBe(1);

    // Found by its call CID now: nothing below the target is looked at.
    const again = startRun([graph('2', 13)], { cacheDir });
    expect(await again.result).toEqual([7]);
    expect(again.counts).toMatchObject({ total: 1, executed: 0, cached: 1 });

    // A change that makes `base` return something else runs everything above it.
    const different = startRun([graph('3', 14)], { cacheDir });
    expect(await different.result).toEqual([9]);
    expect(different.counts).toMatchObject({ executed: 3, cached: 0 });
    expect(executions(log, 'twice')).toBe(2);
    expect(executions(log, 'plusOne')).toBe(2);
  });

  it('serves the dependents of an edited module function from the cache when it returns what it returned before, in fresh processes', async () => {
    // A copy inside the project, so that its import of memograph's source resolves; edited between processes.
    const root = fileURLToPath(new URL('../..', import.meta.url));
    mkdirSync(join(root, 'test-artifacts'), { recursive: true });
    const project = mkdtempSync(join(root, 'test-artifacts', 'cutoff-'));
    try {
      const module = join(project, 'steps.ts');
      const log = join(project, 'steps.log');
      const cacheDir = join(project, 'cache');
      const write = (parseBody: string) =>
        writeFileSync(
          module,
          [
            "import { appendFileSync } from 'node:fs';",
            "import { delayed } from '../../src/index.js';",
            `export function parse(text: string, log: string): number { appendFileSync(log, 'parse \\n'); ${parseBody} }`,
            "export function twice(x: number, log: string): number { appendFileSync(log, 'twice \\n'); return 2 * x; }",
            "export function plusOne(x: number, log: string): number { appendFileSync(log, 'plusOne \\n'); return x + 1; }",
            'export const parseTask = delayed(parse, { module: import.meta.url });',
            'export const twiceTask = delayed(twice, { module: import.meta.url });',
            'export const plusOneTask = delayed(plusOne, { module: import.meta.url });',
            '',
          ].join('\n'),
        );
      const script = new URL('../fixtures/cutoff-process.ts', import.meta.url).pathname;
      const inProcess = async () => {
        const { stdout } = await run(process.execPath, ['--import', 'tsx', script, module, cacheDir, log]);
        return JSON.parse(stdout) as { value: number; counts: { executed: number; cached: number } };
      };
      write('return Number(text.trim());');
      expect(await inProcess()).toMatchObject({ value: 43, counts: { executed: 3 } });
      // Another way to parse the same text: parse runs, what it feeds comes from the cache.
      write('return parseInt(text, 10);');
      expect(await inProcess()).toMatchObject({ value: 43, counts: { executed: 1, cached: 2 } });
      expect([executions(log, 'parse'), executions(log, 'twice'), executions(log, 'plusOne')]).toEqual([2, 1, 1]);
      // A parse that gives another number: everything above it runs.
      write('return Number(text.trim()) + 1;');
      expect(await inProcess()).toMatchObject({ value: 45, counts: { executed: 3 } });
      expect([executions(log, 'parse'), executions(log, 'twice'), executions(log, 'plusOne')]).toEqual([3, 2, 2]);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });
});
