/**
 * Several processes on one Redis store at the same time: real child processes, a real
 * redis-server, real worker threads. The futures table is the store's claims, so each
 * call runs once however many processes reach it, and a dead holder's claims lapse.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { tempDir } from '../helpers.js';
import { haveRedis, noRedisMessage, startRedis, type TestRedis } from '../redis-server.js';
import { executions, start, sumOfSquares, waitFor } from './cache-processes.js';

if (!haveRedis) console.warn(noRedisMessage);
const dir = tempDir('memograph-redis-shared-');
let redis: TestRedis;
let databases = 0;
/** Each test its own database on the file's server. */
const freshUrl = () => `${redis.url}?db=${databases++}`;
beforeAll(async () => {
  if (haveRedis) redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
  dir.remove();
});

describe.skipIf(!haveRedis)('processes sharing one Redis store', () => {
  it('four processes computing the same graph at once all get its value, and each call runs once', async () => {
    const url = freshUrl();
    const log = join(dir.path, 'same.log');
    const processes = Array.from({ length: 4 }, () => start(url, log, 0, 24, 40));
    const results = await Promise.all(processes.map((p) => p.done));
    for (const result of results) {
      expect(result.code, result.stderr).toBe(0);
      expect(result.report!.reports[0]!.value).toBe(sumOfSquares(0, 24));
    }
    const ran = executions(log);
    expect(ran.size).toBe(24);
    expect([...ran.values()].every((count) => count === 1), JSON.stringify([...ran])).toBe(true);
    const executed = results.reduce((sum, r) => sum + r.report!.reports[0]!.counts.executed, 0);
    expect(executed, 'leaves and one total, computed once in all').toBe(25);

    // The cache commands read the same store.
    const stats = await runCli(['cache', '--redis', url, '--json', 'stats']);
    expect(stats.code, stats.stderr).toBe(0);
    expect(JSON.parse(stats.stdout)).toMatchObject({ entries: 25 });
    const verify = await runCli(['cache', '--redis', url, 'verify']);
    expect(verify.stdout).toMatch(/^25 entries checked, 0 bad/);
  });

  it('processes with overlapping graphs each get their own value, and a shared call runs once', async () => {
    const url = freshUrl();
    const log = join(dir.path, 'overlap.log');
    const ranges = [[0, 20], [10, 30], [20, 40]] as const;
    const results = await Promise.all(ranges.map(([from, to]) => start(url, log, from, to, 40).done));
    results.forEach((result, k) => {
      expect(result.code, result.stderr).toBe(0);
      expect(result.report!.reports[0]!.value).toBe(sumOfSquares(ranges[k]![0], ranges[k]![1]));
    });
    const ran = executions(log);
    expect(ran.size).toBe(40);
    expect([...ran.values()].every((count) => count === 1), JSON.stringify([...ran])).toBe(true);
  });

  it('a process that waits for a killed one takes over its claims once its lease lapses', async () => {
    const url = freshUrl();
    const log = join(dir.path, 'killed.log');
    const first = start(url, log, 0, 30, 300);
    await first.started;
    await waitFor(() => executions(log).size >= 2, 'the first process to compute two leaves');
    const second = start(url, log, 0, 30, 300);
    await second.started;
    await waitFor(() => second.stderr().includes('this run waits for its results'), 'the second process to say it waits', () => second.stderr() + first.stderr());
    expect(second.stderr()).toContain(`pid ${first.child.pid} (`);
    first.child.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');
    const result = await second.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.report!.reports[0]!.value).toBe(sumOfSquares(0, 30));
    const ran = executions(log);
    expect(ran.size).toBe(30);
    expect([...ran.values()].every((count) => count <= 2), JSON.stringify([...ran])).toBe(true);
    expect(result.report!.reports[0]!.counts.executed).toBeGreaterThan(0);
  });

  it('a run whose Redis goes away fails with an error that names it', async () => {
    const own = await startRedis();
    const log = join(dir.path, 'lost.log');
    const first = start(own.url, log, 0, 40, 200);
    await first.started;
    await waitFor(() => executions(log).size >= 4, 'a few leaves to be computed');
    await own.kill();
    const failed = await first.done;
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toContain(`The Redis store at ${own.url} failed`);
    await own.stop();
  });
});
