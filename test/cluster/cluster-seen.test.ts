/**
 * What a cluster run shows of its workers: the `cluster` event and the progress line,
 * against a real redis-server and real `memograph worker` processes, with this test's
 * process as the coordinator.
 */
import { hostname } from 'node:os';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { compute, delayed, shutdown, startRun, type ClusterWorker, type RunEvent } from '../../src/index.js';
import { runCli } from '../cli/run-cli.js';
import { haveRedis, noRedisMessage, startRedis, type TestRedis } from '../redis-server.js';
import { startWorker, stopWorkers } from './worker-processes.js';

if (!haveRedis) console.warn(noRedisMessage);
let redis: TestRedis;
let databases = 0;

beforeAll(async () => {
  if (haveRedis) redis = await startRedis();
});
afterEach(async () => {
  await stopWorkers();
});
afterAll(async () => {
  await shutdown();
  await redis?.stop();
});

/** A fresh database for each test: its own queue, store and worker list. */
const freshUrl = () => `${redis.url}?db=${databases++}`;

/** A little work on a worker thread; `salt` keeps one test's calls from another's cache. */
const spin = delayed(function spin(i: number, salt: string) {
  const until = Date.now() + 15;
  while (Date.now() < until);
  return `${salt}:${i * i}`;
});
const gather = delayed(function gather(...values: string[]) {
  return values.length;
});

type Beat = { id: string; pid: number; tasks: number };

/** The workers' own heartbeats, once they count `total` tasks between them (beats are 2 s apart). */
async function beatsCounting(url: string, total: number): Promise<Beat[]> {
  let beats: Beat[] = [];
  for (let tries = 0; tries < 50 && beats.reduce((sum, w) => sum + w.tasks, 0) !== total; tries++) {
    if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 200));
    beats = JSON.parse((await runCli(['workers', '--redis', url, '--json'])).stdout) as Beat[];
  }
  return beats;
}

describe.skipIf(!haveRedis)("what a cluster run shows of its workers", () => {
  it('tells of the workers in `cluster` events: machine, pid, slots, and the tasks of this run each ran, naming their threads', async () => {
    const url = freshUrl();
    const [a, b] = [await startWorker(url, 2), await startWorker(url, 3)];
    const events: RunEvent[] = [];
    const leaves = Array.from({ length: 30 }, (_, i) => spin(i, 'events'));
    const [count] = await compute(gather(...leaves), { cluster: { redis: url }, onEvent: (event) => events.push(event) });
    expect(count).toBe(30);

    const told = events.filter((event): event is Extract<RunEvent, { type: 'cluster' }> => event.type === 'cluster');
    expect(told.length).toBeGreaterThan(0);
    const last = told.at(-1)!.workers;
    const byPid = new Map<number, ClusterWorker>(last.map((w) => [w.pid, w]));
    expect([...byPid.keys()].sort()).toEqual([a.pid!, b.pid!].sort());
    expect(byPid.get(a.pid!)).toMatchObject({ host: hostname(), slots: 2, live: true });
    expect(byPid.get(b.pid!)).toMatchObject({ host: hostname(), slots: 3, live: true });
    // Every task of the run ran on a worker (none on this process's threads), and the last event counts them all.
    const finished = events.filter((event) => event.type === 'finished');
    expect(finished).toHaveLength(31);
    expect(last.reduce((sum, w) => sum + w.thisRun.tasks, 0)).toBe(31);
    // Each finished task's thread is one worker's, told before that task finished.
    for (const event of finished) {
      const index = events.indexOf(event);
      const owners = told.filter((t) => events.indexOf(t) < index).at(-1)?.workers.filter((w) => w.threads.includes(event.workerId!));
      expect(owners, `thread ${event.workerId}`).toHaveLength(1);
    }
    // What the run counts on each worker is what the worker counted itself (nobody else used
    // them): in its heartbeat, and in the beat its last reply carried, which the event gives.
    const beats = await beatsCounting(url, 31);
    for (const w of last) {
      const beat = beats.find((other) => other.id === w.id)!;
      expect(beat.tasks).toBe(w.thisRun.tasks);
      expect(w.tasks).toBe(beat.tasks);
      // A batch's tasks run one after another on one thread: the batches took at least as long as their tasks.
      expect(w.thisRun.busyMs).toBeLessThanOrEqual(w.busyMs);
    }
  });

  it('names the workers on the progress line', async () => {
    const url = freshUrl();
    await startWorker(url, 2);
    await startWorker(url, 2);
    const stream = Object.assign(new PassThrough(), { isTTY: false });
    let text = '';
    stream.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    const leaves = Array.from({ length: 12 }, (_, i) => spin(i, 'progress'));
    const run = startRun([gather(...leaves)], { cluster: { redis: url }, progress: { stream, interactive: false, plainIntervalSeconds: 60 } });
    await run.result;
    await new Promise((resolve) => setImmediate(resolve));
    const lines = text.trim().split('\n');
    // The last lines say how the run ended, and where its tasks ran.
    expect(lines.at(-1)).toMatch(/^\[memograph\] 13\/13 done \(100%\)/);
    expect(lines).toContain(`[memograph] cluster: 2 workers (${hostname()} 4 slots), 13 tasks of this run on them`);
  });
});
