/**
 * A cluster on one machine, as a user starts one: a real redis-server, `memograph worker`
 * processes started by the command, and coordinators that are child processes too. Every
 * task execution leaves a line in a log naming the process that ran it.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { tempDir } from '../helpers.js';
import { haveRedis, noRedisMessage, startRedis, type TestRedis } from '../redis-server.js';
import { executions, start, sumOfSquares, waitFor } from '../store/cache-processes.js';
import { cli, startWorker, stopWorker, stopWorkers, tsx, workers } from './cluster-workers.js';

const exec = promisify(execFile);
if (!haveRedis) console.warn(noRedisMessage);
const dir = tempDir('memograph-cluster-');
let redis: TestRedis;
let databases = 0;
const dirs: { remove: () => void }[] = [];

beforeAll(async () => {
  if (haveRedis) redis = await startRedis();
});
afterEach(async () => {
  await stopWorkers();
});
afterAll(async () => {
  await redis?.stop();
  dir.remove();
  for (const made of dirs) made.remove();
});

/** A fresh database for each test: its own queue, store and worker list. */
function freshUrl(): string {
  return `${redis.url}?db=${databases++}`;
}

/** Which processes ran the leaves logged in `log`. */
function runners(log: string): Set<number> {
  return new Set(readFileSync(log, 'utf8').trim().split('\n').map((line) => Number(line.split(' ')[0])));
}

describe.skipIf(!haveRedis)('a cluster of `memograph worker`s on one Redis', () => {
  it('runs a coordinator\'s tasks on the workers, each once, and a second coordinator gets them from the cache', async () => {
    const url = freshUrl();
    const [a, b] = [await startWorker(url), await startWorker(url)];
    const listed = await runCli(['workers', '--redis', url, '--json']);
    expect((JSON.parse(listed.stdout) as { pid: number; slots: number }[]).map((w) => w.pid).sort()).toEqual([a.pid, b.pid].sort());

    const log = join(dir.path, 'basic.log');
    const first = await start(`cluster:${url}`, log, 0, 40, 20).done;
    expect(first.code, first.stderr).toBe(0);
    expect(first.report!.reports[0]!.value).toBe(sumOfSquares(0, 40));
    expect(first.report!.reports[0]!.counts.executed).toBe(41);
    const ran = executions(log);
    expect(ran.size).toBe(40);
    expect([...ran.values()].every((count) => count === 1)).toBe(true);
    // Run by the workers, not by the coordinator.
    const by = runners(log);
    expect([...by].every((pid) => pid === a.pid || pid === b.pid), JSON.stringify([...by])).toBe(true);

    const again = await start(`cluster:${url}`, log, 0, 40, 20).done;
    expect(again.report!.reports[0]!.counts).toMatchObject({ executed: 0, cached: 1 });
    expect(executions(log).size).toBe(40);
  });

  it('two coordinators on overlapping graphs at once run each shared call once', async () => {
    const url = freshUrl();
    await startWorker(url);
    await startWorker(url);
    const log = join(dir.path, 'overlap.log');
    const ranges = [[0, 30], [15, 45]] as const;
    const results = await Promise.all(ranges.map(([from, to]) => start(`cluster:${url}`, log, from, to, 30).done));
    results.forEach((result, k) => {
      expect(result.code, result.stderr).toBe(0);
      expect(result.report!.reports[0]!.value).toBe(sumOfSquares(ranges[k]![0], ranges[k]![1]));
    });
    const ran = executions(log);
    expect(ran.size).toBe(45);
    expect([...ran.values()].every((count) => count === 1), JSON.stringify([...ran])).toBe(true);
  });

  it('a worker killed mid-batch loses its batches to the other, and the run still gets every value', async () => {
    const url = freshUrl();
    const doomed = await startWorker(url, 2, 1500);
    const log = join(dir.path, 'killed.log');
    const coordinator = start(`cluster:${url}`, log, 0, 20, 300);
    await waitFor(() => executions(log).size >= 2, 'the first worker to run two leaves');
    // Killed with batches in hand: what it had not finished is run by a worker started after it.
    doomed.kill('SIGKILL');
    const survivor = await startWorker(url, 2, 1500);
    const result = await coordinator.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.report!.reports[0]!.value).toBe(sumOfSquares(0, 20));
    const ran = executions(log);
    expect(ran.size).toBe(20);
    // A leaf of a batch the killed worker had begun may run twice, never more.
    expect([...ran.values()].every((count) => count <= 2), JSON.stringify([...ran])).toBe(true);
    expect(runners(log).has(survivor.pid!)).toBe(true);
  });

  it('a worker frozen past its lock loses its batches; when it wakes, its late replies change nothing', async () => {
    const url = freshUrl();
    const frozen = await startWorker(url, 2, 1500);
    const log = join(dir.path, 'frozen.log');
    const coordinator = start(`cluster:${url}`, log, 0, 16, 300);
    await waitFor(() => executions(log).size >= 2, 'the first worker to run two leaves');
    frozen.kill('SIGSTOP');
    const other = await startWorker(url, 2, 1500);
    const result = await coordinator.done;
    frozen.kill('SIGCONT');
    expect(result.code, result.stderr).toBe(0);
    expect(result.report!.reports[0]!.value).toBe(sumOfSquares(0, 16));
    expect(runners(log).has(other.pid!)).toBe(true);
    // Woken, it may finish what it had begun; a second coordinator still finds every result as stored.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const again = await start(`cluster:${url}`, log, 0, 16, 300).done;
    expect(again.report!.reports[0]!.value).toBe(sumOfSquares(0, 16));
    expect(again.report!.reports[0]!.counts).toMatchObject({ executed: 0, cached: 1 });
    expect([...executions(log).values()].every((count) => count <= 2), JSON.stringify([...executions(log)])).toBe(true);
  });

  it('a task that kills its thread fails alone, and the others of its batch are computed', async () => {
    const url = freshUrl();
    await startWorker(url);
    const script = new URL('../fixtures/cluster-poison.ts', import.meta.url).pathname;
    const { stdout } = await exec(process.execPath, ['--import', 'tsx', script, url]);
    const report = JSON.parse(stdout) as { values: unknown[]; available: boolean[]; failures: { code: string; name: string; message: string }[] };
    expect(report.available).toEqual([true, true, true, true, false]);
    expect(report.values.slice(0, 4)).toEqual([10, 20, 30, 40]);
    expect(report.failures).toEqual([expect.objectContaining({ code: 'MEMOGRAPH_WORKER_CRASHED', name: 'poison', message: expect.stringMatching(/its worker thread died/) })]);
  });

  it('a coordinator whose Redis goes away fails, naming it, and a worker stops when told even then', async () => {
    const own = await startRedis();
    const worker = await startWorker(own.url);
    const log = join(dir.path, 'lost.log');
    const coordinator = start(`cluster:${own.url}`, log, 0, 40, 300);
    await waitFor(() => executions(log).size >= 2, 'the worker to run two leaves');
    await own.kill();
    const failed = await coordinator.done;
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toContain(`Lost the cluster's Redis at ${own.url}`);
    await stopWorker(worker);
    expect(worker.signalCode).toBeNull();
    await own.stop();
  });

  it('a coordinator whose Redis freezes fails naming it; once it answers again, a re-run resumes from what was stored', async () => {
    const own = await startRedis();
    const stored = async () =>
      (JSON.parse((await runCli(['cache', '--json', '--redis', own.url, 'stats'])).stdout) as { byFunction: Record<string, { entries: number }> }).byFunction.leaf?.entries ?? 0;
    try {
      await startWorker(own.url, 2);
      const log = join(dir.path, 'frozen-redis.log');
      const first = start(`cluster:${own.url}`, log, 0, 40, 200);
      // Wait until some leaves are in the store, then freeze Redis with the rest to do.
      let before = 0;
      while ((before = await stored()) < 4) await new Promise((resolve) => setTimeout(resolve, 100));
      process.kill(own.pid, 'SIGSTOP');
      const failed = await first.done;
      process.kill(own.pid, 'SIGCONT');
      expect(failed.code).not.toBe(0);
      expect(failed.stderr).toContain(`Lost the cluster's Redis at ${own.url}`);
      const kept = await stored();
      expect(kept).toBeGreaterThanOrEqual(before);
      expect(kept).toBeLessThan(40);

      const again = await start(`cluster:${own.url}`, log, 0, 40, 200).done;
      expect(again.code, again.stderr).toBe(0);
      expect(again.report!.reports[0]!.value).toBe(sumOfSquares(0, 40));
      // The stored leaves are served; only the others (and the total) run again.
      expect(again.report!.reports[0]!.counts).toMatchObject({ cached: kept, executed: 40 - kept + 1 });
      const verified = await runCli(['cache', 'verify', '--redis', own.url]);
      expect(verified.stdout).toMatch(/ 0 bad/);
    } finally {
      await own.stop();
    }
  });

  it('a coordinator that lost its Redis shuts down and exits by itself', async () => {
    const own = await startRedis();
    await startWorker(own.url);
    const log = join(dir.path, 'lost-exit.log');
    const coordinator = exec(process.execPath, ['--import', 'tsx', new URL('../fixtures/cluster-lost.ts', import.meta.url).pathname, own.url, log]);
    await waitFor(() => executions(log).size >= 2, 'the worker to run two leaves');
    await own.kill();
    // BullMQ's connections wait for ever for a Redis to come back; shutdown() must not.
    const { stdout } = await coordinator;
    expect(JSON.parse(stdout)).toEqual({ failure: expect.stringContaining(`Lost the cluster's Redis at ${own.url}`) });
    await own.stop();
  });

  it('a module function whose file differs on the worker\'s machine fails, naming the file; the same file runs', async () => {
    // The worker gets a mount namespace of its own, where another file is bound over the module: its "machine" has other code at that path.
    const modules = tempDir('memograph-cluster-module-');
    dirs.push(modules);
    writeFileSync(join(modules.path, 'a'), 'a');
    writeFileSync(join(modules.path, 'b'), 'b');
    const probe = `mount --bind ${join(modules.path, 'a')} ${join(modules.path, 'b')}`;
    if (!(await exec('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', probe]).then(() => true, () => false))) {
      console.warn('unshare --mount with a bind mount is not allowed here (it needs root): the test of a module that differs on a worker is skipped');
      return;
    }
    const url = freshUrl();
    const index = new URL('../../src/index.ts', import.meta.url).pathname;
    const source = (factor: number) => `import { delayed } from '${index}';\nexport function tripled(x: number): number {\n  return x * ${factor};\n}\nexport const triple = delayed(tripled, { module: import.meta.url });\n`;
    const file = join(modules.path, 'tasks.ts');
    writeFileSync(join(modules.path, 'package.json'), '{ "type": "module" }');
    writeFileSync(file, source(3));
    writeFileSync(join(modules.path, 'other.ts'), source(4));
    const coordinator = new URL('../fixtures/cluster-module-coordinator.ts', import.meta.url).pathname;

    const same = await startWorker(url);
    const agreed = JSON.parse((await exec(process.execPath, ['--import', 'tsx', coordinator, file, url])).stdout) as { values: number[]; failures: unknown[] };
    expect(agreed).toEqual({ values: [3, 6], failures: [] });
    await stopWorker(same);

    const url2 = freshUrl();
    const bound = `mount --bind ${join(modules.path, 'other.ts')} ${file} && exec ${process.execPath} --import tsx ${cli} worker --redis '${url2}' --concurrency 1 --lock-ms 1500`;
    const elsewhere = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', bound], { stdio: ['ignore', 'pipe', 'pipe'] });
    workers.push(elsewhere);
    let said = '';
    elsewhere.stderr!.setEncoding('utf8').on('data', (chunk: string) => (said += chunk));
    await waitFor(() => said.includes('taking batches from'), 'the worker with other code to start', () => said);
    const refused = JSON.parse((await exec(process.execPath, ['--import', 'tsx', coordinator, file, url2])).stdout) as { values: unknown[]; failures: { code: string; message: string }[] };
    expect(refused.failures).toHaveLength(2);
    for (const failure of refused.failures) {
      expect(failure.code).toBe('MEMOGRAPH_CODE_CHANGED');
      expect(failure.message).toContain(`${file} differs on the worker's machine`);
    }
  });

  it('a task whose environment variable has another value on the worker fails there instead of computing under the wrong address', async () => {
    const script = new URL('../fixtures/cluster-env.ts', import.meta.url).pathname;
    const coordinate = async (url: string) =>
      JSON.parse((await exec(process.execPath, ['--import', 'tsx', script, url], { env: { ...process.env, MEMOGRAPH_TEST_SETTING: 'here' } })).stdout) as {
        values: unknown[];
        failures: { code: string; message: string }[];
      };
    const same = freshUrl();
    const agreeing = await startWorker(same, 1, 1500, { MEMOGRAPH_TEST_SETTING: 'here' });
    expect(await coordinate(same)).toEqual({ values: ['seen: here'], failures: [] });
    await stopWorker(agreeing);

    const other = freshUrl();
    await startWorker(other, 1, 1500, { MEMOGRAPH_TEST_SETTING: 'there' });
    const refused = await coordinate(other);
    expect(refused.failures).toEqual([
      { code: 'MEMOGRAPH_CAPTURE_CHANGED', message: expect.stringMatching(/environment variable MEMOGRAPH_TEST_SETTING has another value in this worker/) },
    ]);
  });

  it('a task whose file argument has other bytes on the worker\'s machine fails there instead of reading them', async () => {
    const script = new URL('../fixtures/cluster-file.ts', import.meta.url).pathname;
    const here = tempDir('memograph-cluster-here-');
    const there = tempDir('memograph-cluster-there-');
    dirs.push(here, there);
    writeFileSync(join(here.path, 'data.txt'), 'as the coordinator has it');
    const coordinate = async (url: string) =>
      JSON.parse((await exec(process.execPath, ['--import', tsx, script, url], { cwd: here.path })).stdout) as { values: unknown[]; failures: { code: string; message: string }[] };

    const same = freshUrl();
    writeFileSync(join(there.path, 'data.txt'), 'as the coordinator has it');
    const agreeing = await startWorker(same, 1, 1500, {}, there.path);
    expect(await coordinate(same)).toEqual({ values: ['as the coordinator has it'], failures: [] });
    await stopWorker(agreeing);

    const other = freshUrl();
    writeFileSync(join(there.path, 'data.txt'), 'as the worker has it');
    await startWorker(other, 1, 1500, {}, there.path);
    const refused = await coordinate(other);
    expect(refused.values).toEqual([null]);
    expect(refused.failures).toEqual([{ code: 'MEMOGRAPH_TASK_FAILED', message: expect.stringMatching(/file data\.txt changed after the graph was built .*, on this worker's machine/) }]);
  });

  it('a task with a memory limit runs on a worker thread with that heap, and fails alone over it', async () => {
    const script = new URL('../fixtures/cluster-memory.ts', import.meta.url).pathname;
    const url = freshUrl();
    await startWorker(url, 2);
    const { stdout } = await exec(process.execPath, ['--import', 'tsx', script, url]);
    const outcome = JSON.parse(stdout) as { values: unknown[]; failures: { code: string; message: string }[] };
    // 400 MiB fits a worker's own heap: only the task's limit stops it.
    expect(outcome.values).toEqual([4, null]);
    expect(outcome.failures).toEqual([{ code: 'MEMOGRAPH_RESOURCE_LIMIT', message: expect.stringMatching(/Task "hog" .*memory limit/) }]);
  });

  it('progress a task reports on a worker reaches the coordinator as progress events, the latest of each moment', async () => {
    const url = freshUrl();
    await startWorker(url, 1);
    const { stdout } = await exec(process.execPath, ['--import', 'tsx', new URL('../fixtures/cluster-progress.ts', import.meta.url).pathname, url]);
    const { value, heard } = JSON.parse(stdout) as { value: number; heard: { fraction: number; message?: string }[] };
    expect(value).toBe(40);
    // 40 reports 5 ms apart, coalesced: fewer events than reports, in order, ending with the last report.
    expect(heard.length).toBeGreaterThan(0);
    expect(heard.length).toBeLessThan(40);
    expect(heard.map((h) => h.fraction)).toEqual([...heard.map((h) => h.fraction)].sort((a, b) => a - b));
    expect(heard.at(-1)).toEqual({ fraction: 1, message: 'step 40/40' });
  });

  it('a worker refuses a Redis on another machine without a password, and says why', async () => {
    const refused = await runCli(['worker', '--redis', 'redis://192.0.2.7:6379']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/Refusing to take work from redis:\/\/192\.0\.2\.7:6379: it is not on this machine and the URL gives no password/);
    const malformed = await runCli(['worker', '--redis', 'redis://host:port']);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/--redis/);
  });
});
