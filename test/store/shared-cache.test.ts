/**
 * Several processes on one cache directory at the same time, as users start them: real
 * child processes, real LevelDB, real worker threads. Every task execution leaves a line
 * in a log, so the tests count, across all processes, how often each call ran.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { tempDir } from '../helpers.js';
import { executions, spawnScript, start, sumOfSquares, waitFor } from './cache-processes.js';

const dir = tempDir('memograph-shared-');
afterAll(() => dir.remove());

const busy = new URL('../fixtures/shared-cache-busy.ts', import.meta.url).pathname;

describe('processes sharing one cache directory', () => {
  it('four processes computing the same graph at once all get its value, and each call runs once', async () => {
    const cacheDir = join(dir.path, 'same');
    const log = join(dir.path, 'same.log');
    const processes = Array.from({ length: 4 }, () => start(cacheDir, log, 0, 24, 40));
    const results = await Promise.all(processes.map((p) => p.done));
    for (const result of results) {
      expect(result.code, result.stderr).toBe(0);
      expect(result.report!.reports[0]!.value).toBe(sumOfSquares(0, 24));
    }
    const ran = executions(log);
    expect([...ran.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 24 }, (_, i) => i));
    expect([...ran.values()].every((count) => count === 1), JSON.stringify([...ran])).toBe(true);
    const executed = results.reduce((sum, r) => sum + r.report!.reports[0]!.counts.executed, 0);
    expect(executed, 'leaves and one total, computed once in all').toBe(25);
  });

  it('processes with overlapping graphs each get their own value, and a shared call runs once', async () => {
    const cacheDir = join(dir.path, 'overlap');
    const log = join(dir.path, 'overlap.log');
    // Leaves 0–19, 10–29 and 20–39: every leaf from 10 to 29 is wanted by two processes.
    const ranges = [[0, 20], [10, 30], [20, 40]] as const;
    const processes = ranges.map(([from, to]) => start(cacheDir, log, from, to, 40));
    const results = await Promise.all(processes.map((p) => p.done));
    results.forEach((result, k) => {
      expect(result.code, result.stderr).toBe(0);
      expect(result.report!.reports[0]!.value).toBe(sumOfSquares(ranges[k]![0], ranges[k]![1]));
    });
    const ran = executions(log);
    expect(ran.size).toBe(40);
    expect([...ran.values()].every((count) => count === 1), JSON.stringify([...ran])).toBe(true);
  });

  it('a process that waits for another says whom it waits for, and carries on when that process is killed', async () => {
    const cacheDir = join(dir.path, 'killed');
    const log = join(dir.path, 'killed.log');
    const first = start(cacheDir, log, 0, 40, 400);
    await first.started;
    await waitFor(() => executions(log).size >= 2, 'the first process to compute two leaves');
    const second = start(cacheDir, log, 0, 40, 400);
    await second.started;
    await waitFor(() => second.stderr().includes('this run waits for its results'), 'the second process to say it waits', () => second.stderr() + first.stderr());
    expect(second.stderr()).toContain(`pid ${first.child.pid} (`);
    expect(second.stderr()).toMatch(/is computing \d+ of this run's tasks \(total\)/);
    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.signal).toBe('SIGKILL');
    const result = await second.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.report!.reports[0]!.value).toBe(sumOfSquares(0, 40));
    const ran = executions(log);
    expect(ran.size).toBe(40);
    // A leaf runs twice at most: once by the killed process (its result perhaps lost with it), once after.
    expect([...ran.values()].every((count) => count <= 2), JSON.stringify([...ran])).toBe(true);
    const second_ = result.report!.reports[0]!.counts;
    expect(second_.executed, 'the second computed what the first had not finished').toBeGreaterThan(0);
    expect(second_.executed).toBeLessThan(41);
  });

  it('a long-lived process and others started beside it all finish every compute, and `cache stats` answers meanwhile', async () => {
    const cacheDir = join(dir.path, 'long-lived');
    const log = join(dir.path, 'long-lived.log');
    const longLived = start(cacheDir, log, 0, 6, 5, 40);
    await longLived.started;
    const others = [start(cacheDir, log, 100, 130, 30), start(cacheDir, log, 200, 230, 30)];
    await Promise.all(others.map((p) => p.started));
    const stats = await runCli(['cache', 'stats', '--json', '--cache-dir', cacheDir]);
    expect(stats.code, stats.stderr).toBe(0);
    expect(JSON.parse(stats.stdout).directory).toBe(cacheDir);
    const [long, ...rest] = await Promise.all([longLived, ...others].map((p) => p.done));
    expect(long!.code, long!.stderr).toBe(0);
    expect(long!.report!.reports).toHaveLength(40);
    for (const round of long!.report!.reports) expect(round.value).toBe(sumOfSquares(0, 6));
    expect(rest[0]!.report!.reports[0]!.value).toBe(sumOfSquares(100, 130));
    expect(rest[1]!.report!.reports[0]!.value).toBe(sumOfSquares(200, 230));
    const after = await runCli(['cache', 'stats', '--json', '--cache-dir', cacheDir]);
    expect(JSON.parse(after.stdout).entries, 'every leaf and the three totals').toBe(6 + 30 + 30 + 3);
  });

  it('a process whose leader is busy on its main thread says whom it waits for, then finishes', async () => {
    const cacheDir = join(dir.path, 'busy');
    const log = join(dir.path, 'busy.log');
    const release = join(dir.path, 'busy.release');
    const leader = spawnScript([busy, cacheDir, release]);
    await leader.started;
    const follower = start(cacheDir, log, 0, 4, 1);
    await waitFor(() => follower.stderr().includes('to answer'), 'the follower to say it waits', () => follower.stderr());
    expect(follower.stderr()).toContain(`waiting for pid ${leader.child.pid} (`);
    writeFileSync(release, '');
    const result = await follower.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.report!.reports[0]!.value).toBe(sumOfSquares(0, 4));
    expect((await leader.done).code).toBe(0);
  });
});
