/**
 * What a cluster run shows of its workers: the `cluster` event, the progress line and the
 * dashboard (in headless Chromium), against a real redis-server and real `memograph
 * worker` processes, with this test's process as the coordinator. A screenshot of the
 * dashboard is saved in test-artifacts/.
 */
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { compute, delayed, shutdown, startRun, type ClusterWorker, type RunEvent } from '../../src/index.js';
import { runCli } from '../cli/run-cli.js';
import { launchChromium } from '../dashboard/browser.js';
import { haveRedis, noRedisMessage, startRedis, type TestRedis } from '../redis-server.js';
import { startWorker, stopWorkers } from './cluster-workers.js';

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

type Beat = { id: string; pid: number; slots: number; tasks: number; batches: number };

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
    const table = await runCli(['workers', '--redis', url]);
    for (const w of beats) expect(table.stdout).toContain(`pid ${w.pid}  ${w.slots} slots  ${w.tasks} tasks in ${w.batches} batches`);
    for (const w of last) {
      const beat = beats.find((other) => other.id === w.id)!;
      expect(beat.tasks).toBe(w.thisRun.tasks);
      expect(w.tasks).toBe(beat.tasks);
      // A batch's tasks run one after another on one thread: the batches took at least as long as their tasks.
      expect(w.thisRun.busyMs).toBeLessThanOrEqual(w.busyMs);
    }

    // A later run on the same cluster knows the workers from its first event, and counts only its own tasks.
    const later: RunEvent[] = [];
    await compute(gather(...Array.from({ length: 6 }, (_, i) => spin(i, 'events again'))), { cluster: { redis: url }, onEvent: (event) => later.push(event) });
    const laterTold = later.filter((event): event is Extract<RunEvent, { type: 'cluster' }> => event.type === 'cluster');
    expect(laterTold[0]!.workers.map((w) => w.pid).sort()).toEqual([a.pid!, b.pid!].sort());
    expect(laterTold.at(-1)!.workers.reduce((sum, w) => sum + w.thisRun.tasks, 0)).toBe(7);
    for (const event of later.filter((e) => e.type === 'finished')) {
      const before = laterTold.filter((t) => later.indexOf(t) < later.indexOf(event)).at(-1);
      expect(before?.workers.some((w) => w.threads.includes(event.workerId!)), `thread ${event.workerId}`).toBe(true);
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
  it('shows the workers on the dashboard: machine, pid, slots, and the tasks and busy time of this run on each', async () => {
    const url = freshUrl();
    const [a, b] = [await startWorker(url, 1), await startWorker(url, 2)];
    const leaves = Array.from({ length: 16 }, (_, i) => spin(i, 'dashboard'));
    const run = startRun([gather(...leaves)], { cluster: { redis: url }, dashboard: { port: 0, updateIntervalMs: 100 } });
    const address = await run.dashboardUrl!;
    await run.result;

    // What the page is sent: the run's workers, with this run's tasks on each.
    const state = (await (await fetch(`${address}api/state`)).json()) as { cluster?: ClusterWorker[]; workers: { id: number; machine?: string }[] };
    expect(state.cluster?.map((w) => w.pid).sort()).toEqual([a.pid!, b.pid!].sort());
    expect(state.cluster!.reduce((sum, w) => sum + w.thisRun.tasks, 0)).toBe(17);
    expect(state.workers.filter((w) => w.id !== 0).every((w) => /^\S+ pid \d+$/.test(w.machine ?? ''))).toBe(true);

    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(address);
      await expect.poll(() => page.textContent('#status'), { timeout: 30_000 }).toBe('finished');
      expect(await page.isVisible('#cluster')).toBe(true);
      const rows = page.locator('#cluster-workers tbody tr');
      expect(await rows.count()).toBe(2);
      for (const worker of state.cluster!) {
        const cells = await page.locator(`#cluster-workers tr[data-id="${worker.id}"] td`).allTextContents();
        expect(cells.slice(0, 4)).toEqual([hostname(), String(worker.pid), String(worker.slots), String(worker.thisRun.tasks)]);
        expect(cells[4]).toMatch(/^\d+(\.\d)? m?s$/);
        expect(cells[5]).toMatch(new RegExp(`^${worker.tasks} tasks, busy `));
      }
      expect(await page.textContent('#cluster-note')).toBe('2 live, 3 slots');
      // Each thread in the workers table is named with its machine and pid.
      const threads = await page.locator('#workers tbody td:first-child').allTextContents();
      expect(threads.length).toBeGreaterThan(0);
      expect(threads.every((label) => new RegExp(`^worker \\d+ · ${hostname()} pid (${a.pid}|${b.pid})$`).test(label)), threads.join('; ')).toBe(true);
      mkdirSync('test-artifacts', { recursive: true });
      await page.screenshot({ path: 'test-artifacts/dashboard-cluster.png', fullPage: true });
    } finally {
      await browser.close();
    }
  });
});
