import { request } from 'node:http';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { closeDashboard } from '../../src/dashboard/dashboard-server.js';
import { RUNS_KEEP, STREAM_PER_UPDATE, type BoardMessage } from '../../src/dashboard/board.js';
import { delayed, grid, InvalidArgumentError, shutdown, startRun, sweep, type ComputeOptions } from '../../src/index.js';
import { collectGarbage, tempDir } from '../helpers.js';
import { listen } from './event-stream.js';

const double = delayed(function double(x: number) {
  return x * 2;
});
const add = delayed(function add(...xs: number[]) {
  return xs.reduce((a, b) => a + b, 0);
});
const plus = delayed(function plus(a: number, b: number) {
  return a + b;
});
const fails = delayed(
  (x: number): number => {
    throw new Error(`no ${x}`);
  },
  { name: 'fails', mainThread: true },
);
const onMain = delayed((x: number) => x + 1, { name: 'onMain', mainThread: true });

// Holds a run open until released. Each run that uses it closes it first.
let release!: () => void;
let released!: Promise<void>;
function closeGate() {
  released = new Promise<void>((resolve) => (release = resolve));
}
const gate = delayed(
  async function gate() {
    await released;
    return 0;
  },
  // It waits on a promise, which no identity can hold: it says who it is itself.
  { mainThread: true, cache: false, version: 'gate' },
);

afterEach(async () => {
  await closeDashboard(true);
});

/** Warnings emitted while `work` runs. */
async function warningsDuring(work: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const hear = (warning: Error) => seen.push(warning.message);
  process.on('warning', hear);
  try {
    await work();
    await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
  } finally {
    process.off('warning', hear);
  }
  return seen;
}

async function dashboardOf(options: ComputeOptions['dashboard'], base = 1000): Promise<string> {
  const run = startRun([add(double(base), double(base + 1))], { cache: false, workers: 1, dashboard: options });
  await run.settled;
  return run.dashboardUrl!;
}

/** The full message of a run (`?run=N`; the latest without it). */
async function stateOf(url: string, query = ''): Promise<BoardMessage> {
  const response = await get(`${url}api/state${query}`);
  expect(response.status).toBe(200);
  return JSON.parse(response.body) as BoardMessage;
}

/** How many nodes a picture draws. */
function nodesIn(svg: string): number {
  return svg.match(/<g class="node /g)?.length ?? 0;
}

function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the dashboard server', () => {
  it('listens on 127.0.0.1 by default and serves its own page, script and styles', async () => {
    const url = await dashboardOf({ port: 0 });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    for (const path of ['', 'app.js', 'app.css']) {
      const response = await get(`${url}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers['content-security-policy']).toContain("default-src 'self'");
      // Nothing is fetched from elsewhere: the only absolute address is the SVG namespace.
      expect(response.body.replaceAll('http://www.w3.org/2000/svg', '')).not.toMatch(/https?:\/\//);
    }
    const state = JSON.parse((await get(`${url}api/state`)).body) as { counts: { executed: number }; status: string };
    expect(state.status).toBe('succeeded');
    expect(state.counts.executed).toBe(3);
    expect((await get(`${url}api/graph.svg`)).body).toMatch(/<g class="node \w+" data-id="bafy/);
    expect((await get(`${url}nothing-here`)).status).toBe(404);
  });

  it('is read-only: anything but GET and HEAD is refused', async () => {
    const url = await dashboardOf({ port: 0 });
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      for (const path of ['', 'api/state', 'api/events']) {
        const response = await get(`${url}${path}`, {}, method);
        expect(response.status).toBe(405);
        expect(response.headers.allow).toBe('GET, HEAD');
      }
    }
  });

  it('on loopback, refuses a request for another host name (a page elsewhere cannot read it through DNS rebinding)', async () => {
    const url = await dashboardOf({ port: 0 });
    const port = new URL(url).port;
    expect((await get(`${url}api/state`, { host: `evil.example:${port}` })).status).toBe(421);
    expect((await get(`${url}api/state`, { host: `localhost:${port}` })).status).toBe(200);
  });

  it('binds elsewhere only when told, and then warns that other machines can reach it', async () => {
    let url = '';
    const warnings = await warningsDuring(async () => (url = await dashboardOf({ port: 0, host: '0.0.0.0' })));
    expect(url).toMatch(/^http:\/\/0\.0\.0\.0:\d+\/$/);
    expect(warnings.join('\n')).toMatch(/listens on 0\.0\.0\.0:\d+, reachable from other machines/);
  });

  it('moves to a free port, with a warning, when its port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as { port: number }).port;
    try {
      let url = '';
      const warnings = await warningsDuring(async () => (url = await dashboardOf({ port: taken })));
      expect(warnings.join('\n')).toContain(`dashboard port ${taken} is in use`);
      expect(Number(new URL(url).port)).not.toBe(taken);
      expect((await get(`${url}api/state`)).status).toBe(200);
    } finally {
      blocker.close();
    }
  });

  it("sends a run's full picture on connecting, then bounded updates however many tasks finish between two", async () => {
    // Updates a minute apart: the run ends long before the first, and its end is pushed at once.
    const url = await dashboardOf({ port: 0, updateIntervalMs: 60_000 });
    const n = 3000;
    closeGate();
    // Every task waits for the gate, opened once the page is here: none has finished when it connects.
    const held = gate();
    const leaves = Array.from({ length: n }, (_, i) => plus(held, i));
    const run = startRun([add(...leaves)], { cache: false, workers: 2, dashboard: { port: 0 } });
    const received = await listen(url, (got) => got.some(({ message }) => message.status !== 'running'), release);
    await run.settled;
    const [first, ...updates] = received;
    expect(first!.kind).toBe('full');
    // Without a run asked for, the page is shown the latest: the one going on.
    expect(first!.message.run).toBe(2);
    expect(first!.message.runs).toMatchObject({ total: 2, running: 1, failed: 0 });
    expect(first!.message.stream).toHaveLength(0);
    for (const { kind, message } of updates) {
      expect(kind).toBe('update');
      expect(message.run).toBe(2);
      expect(message.stream.length).toBeLessThanOrEqual(STREAM_PER_UPDATE);
    }
    // Every task the run finished (the gate, n pluses and their sum) is either drawn or
    // counted as left out: none is lost or sent twice.
    const drawn = updates.reduce((sum, { message }) => sum + message.stream.length, 0);
    const dropped = updates.reduce((sum, { message }) => sum + message.streamDropped, 0);
    expect(drawn + dropped).toBe(n + 2);
    expect(updates.at(-1)!.message.stream).toHaveLength(STREAM_PER_UPDATE);
    expect(dropped).toBe(n + 2 - STREAM_PER_UPDATE);
    // Counts and rows are the run's own, totals add up both runs; the graph is collapsed by function past 200 calls.
    const last = updates.at(-1)!.message;
    expect(last.status).toBe('succeeded');
    expect(last.runs).toMatchObject({ total: 2, running: 0, failed: 0 });
    expect(last.counts.executed).toBe(n + 2);
    expect(last.totals.executed).toBe(3 + n + 2);
    expect(last.functions.plus).toEqual({ total: n, states: expect.objectContaining({ done: n }) });
    expect(last.functions.double).toBeUndefined();
    expect(last.graph).toEqual({ plus: 'done', add: 'done', gate: 'done' });
    // A page connecting now to the ended run gets all it keeps, and is told how many bars it leaves out.
    const full = await stateOf(url);
    expect(full.stream.length + full.streamDropped).toBe(n + 2);
    // Workers are numbered 1 to n as they first ran a task, whatever their thread ids; each
    // run here has a pool of its own (three threads in all), and the gate ran on the main thread.
    expect((await stateOf(url, '?run=1')).workers.map((w) => w.id)).toEqual([1]);
    const numbers = new Set(received.flatMap(({ message }) => [...message.workers.map((w) => w.id), ...message.stream.map((bar) => bar.worker)]));
    expect([...numbers].sort()).toEqual([0, 2, 3]);
  });

  it('shows one run at a time: the latest unless an earlier one is asked for, each with its own counts, stream and picture, and totals over all', async () => {
    const cache = tempDir();
    const study = (xs: number[]) => {
      const points = sweep(grid({ x: xs }), (p) => double(p.x), { name: 'double' });
      return startRun([add(...points.nodes)], { cacheDir: cache.path, workers: 1, dashboard: { port: 0 } });
    };
    try {
      const first = study([1, 2, 3, 4]);
      const url = (await first.dashboardUrl)!;
      await first.settled;
      // A page that follows the latest run is sent run 1, then run 2 in full as soon as it has started.
      let second: ReturnType<typeof startRun> | undefined;
      const followed = await listen(
        url,
        (got) => got.some(({ message }) => message.run === 2 && message.status !== 'running'),
        () => (second = study([1, 2, 3, 4, 5])),
      );
      await second!.settled;
      expect(followed[0]).toMatchObject({ kind: 'full', message: { run: 1 } });
      const turned = followed.findIndex(({ message }) => message.run === 2);
      expect(followed[turned]!.kind).toBe('full');
      expect(followed.slice(turned).every(({ message }) => message.run === 2)).toBe(true);

      // The re-run with a fifth point, by default: its own counts, not the study's added to them.
      const latest = await stateOf(url);
      expect(latest.run).toBe(2);
      expect(latest.counts).toMatchObject({ total: 6, executed: 2, cached: 4 });
      expect(latest.functions.double).toEqual({ total: 5, states: { cached: 4, done: 1 } });
      expect(latest.stream.map((bar) => bar.name).sort()).toEqual(['add', 'double[x=5]']);
      // Totals add up every run, and are sent apart from the run's counts.
      expect(latest.totals).toMatchObject({ total: 11, executed: 7, cached: 4 });
      expect(latest.runs.kept).toEqual([
        { number: 1, status: 'succeeded', nodes: 5, startedAt: expect.any(Number), endedAt: expect.any(Number) },
        { number: 2, status: 'succeeded', nodes: 6, startedAt: expect.any(Number), endedAt: expect.any(Number) },
      ]);
      // Run 1 when asked for: the study as it was.
      const earlier = await stateOf(url, '?run=1');
      expect(earlier.run).toBe(1);
      expect(earlier.counts).toMatchObject({ total: 5, executed: 5, cached: 0 });
      expect(earlier.functions.double).toEqual({ total: 4, states: { done: 4 } });
      expect(earlier.stream).toHaveLength(5);
      expect(Object.values(earlier.graph)).toEqual(['done', 'done', 'done', 'done', 'done']);
      expect(earlier.totals).toEqual(latest.totals);
      // Each run's stream is timed from the run's own start: run 2 started after run 1 had ended.
      expect(latest.startedAt).toBeGreaterThanOrEqual(earlier.endedAt!);
      for (const message of [earlier, latest]) {
        for (const bar of message.stream) {
          expect(bar.start).toBeGreaterThanOrEqual(message.startedAt);
          expect(bar.end).toBeLessThanOrEqual(message.endedAt!);
        }
      }
      // Each run keeps its picture.
      expect(nodesIn((await get(`${url}api/graph.svg?run=1`)).body)).toBe(5);
      expect(nodesIn((await get(`${url}api/graph.svg?run=2`)).body)).toBe(6);
      expect(nodesIn((await get(`${url}api/graph.svg`)).body)).toBe(6);
      // A task is told as its run saw it: double(1) ran in run 1, and came from the cache in run 2.
      const [one] = sweep(grid({ x: [1] }), (p) => double(p.x), { name: 'double' }).nodes;
      const task = async (query: string) => JSON.parse((await get(`${url}api/task?cid=${one!.cid}${query}`)).body) as { attempts: unknown[] };
      expect((await task('&run=1')).attempts).toHaveLength(1);
      expect((await task('&run=2')).attempts).toHaveLength(0);
      // A page that asked for run 1 stays on it while run 3 goes on, and is told of run 3.
      let third: ReturnType<typeof startRun> | undefined;
      const pinned = await listen(
        url,
        (got) => got.some(({ message }) => message.runs.kept.some((run) => run.number === 3 && run.status === 'succeeded')),
        () => (third = study([1, 2, 3, 4, 5])),
        '?run=1',
      );
      await third!.settled;
      expect(pinned.map(({ message }) => message.run)).toEqual(pinned.map(() => 1));
      expect(pinned.at(-1)!.message.counts.executed).toBe(5);
      // Runs that are not kept, or not runs at all.
      for (const query of ['?run=4', '?run=0', '?run=x']) expect((await get(`${url}api/state${query}`)).status).toBe(404);
      expect((await get(`${url}api/graph.svg?run=4`)).status).toBe(404);
    } finally {
      cache.remove();
    }
  });

  it(`keeps the latest ${RUNS_KEEP} runs`, async () => {
    const url = await dashboardOf({ port: 0 });
    for (let i = 0; i < RUNS_KEEP + 2; i++) await startRun([onMain(i)], { cache: false, dashboard: { port: 0 } }).settled;
    const latest = await stateOf(url);
    expect(latest.run).toBe(RUNS_KEEP + 3);
    expect(latest.runs.total).toBe(RUNS_KEEP + 3);
    expect(latest.runs.kept.map((run) => run.number)).toEqual(Array.from({ length: RUNS_KEEP }, (_, i) => i + 4));
    // Totals still count the runs let go.
    expect(latest.totals.executed).toBe(3 + RUNS_KEEP + 2);
    expect((await get(`${url}api/state?run=3`)).status).toBe(404);
    expect((await stateOf(url, '?run=4')).counts.executed).toBe(1);
    // Asked for a run no longer kept, the stream shows the latest.
    const [shown] = await listen(url, (got) => got.length > 0, undefined, '?run=1');
    expect(shown!.message.run).toBe(RUNS_KEEP + 3);
  });

  it('gives up the picture of an earlier run whose graph is large, and says so', async () => {
    // 10,001 calls that wait on a failure: skipped, so the run is quick, but its graph is large.
    const boom = fails(0);
    const big = startRun([add(...Array.from({ length: 10_001 }, (_, i) => plus(boom, i)))], { cache: false, workers: 1, onFailure: 'continue', dashboard: { port: 0 } });
    const url = (await big.dashboardUrl)!;
    await big.settled;
    // No page asked for its picture while it was the latest: once run 2 starts, it is given up.
    await startRun([onMain(1)], { cache: false, dashboard: { port: 0 } }).settled;
    const earlier = await stateOf(url, '?run=1');
    expect(earlier.graphKept).toBe(false);
    expect(earlier.graph).toEqual({});
    expect(nodesIn((await get(`${url}api/graph.svg?run=1`)).body)).toBe(0);
    // Its rows still say what the picture would have.
    expect(earlier.functions.plus).toEqual({ total: 10_001, states: { skipped: 10_001 } });
    // A small earlier graph's picture is kept; so is a large one's that a page asked for while its run was the latest.
    const again = startRun([add(...Array.from({ length: 10_001 }, (_, i) => plus(boom, i + 1)))], { cache: false, workers: 1, onFailure: 'continue', dashboard: { port: 0 } });
    await again.settled;
    expect(nodesIn((await get(`${url}api/graph.svg`)).body)).toBe(3); // collapsed: fails, plus, add
    await startRun([onMain(2)], { cache: false, dashboard: { port: 0 } }).settled;
    expect((await stateOf(url, '?run=2')).graphKept).toBe(true);
    expect(nodesIn((await get(`${url}api/graph.svg?run=2`)).body)).toBe(1);
    expect((await stateOf(url, '?run=3')).graphKept).toBe(true);
    expect(nodesIn((await get(`${url}api/graph.svg?run=3`)).body)).toBe(3);
    expect((await stateOf(url, '?run=3')).graph).toEqual({ fails: 'failed', plus: 'skipped', add: 'skipped' });
  });

  it("tells the latest run's outcome in its status, and how many runs had failures", async () => {
    const broken = delayed((x: number): number => {
      throw new Error(`no ${x}`);
    }, { name: 'broken' });
    const url = await dashboardOf({ port: 0 }, 2000);
    const state = async () => JSON.parse((await get(`${url}api/state`)).body) as { status: string; runs: { total: number; failed: number } };
    const points = sweep(grid({ x: [1] }), (p) => broken(p.x), { name: 'broken' });
    await startRun(points.nodes, { cache: false, onFailure: 'continue', dashboard: { port: 0 } }).settled;
    const afterFailure = await state();
    expect(afterFailure.status).toBe('failed');
    await startRun([double(3000)], { cache: false, dashboard: { port: 0 } }).settled;
    const afterSuccess = await state();
    expect(afterSuccess.status).toBe('succeeded');
    expect(afterSuccess.runs.failed).toBe(afterFailure.runs.failed);
    expect(afterSuccess.runs.total).toBe(afterFailure.runs.total + 1);
    // A task of the earlier run still tells what it was when its bar is clicked.
    const detail = JSON.parse((await get(`${url}api/task?cid=${points.nodes[0]!.cid}`)).body) as Record<string, unknown>;
    expect(detail).toMatchObject({ name: 'broken[x=1]', function: 'broken', point: 'x=1', args: ['1'], failure: { code: 'MEMOGRAPH_TASK_FAILED' } });
    expect((detail.failure as { stack: string }).stack).toMatch(/^Error: no 1\n\s+at broken /);
    expect((detail.attempts as unknown[]).length).toBe(1);
    expect((await get(`${url}api/task?cid=bafynothere`)).status).toBe(404);
  });

  it('cannot start (an address this machine does not have): a warning, and the run goes on', async () => {
    let outcome: unknown;
    const warnings = await warningsDuring(async () => {
      const run = startRun([add(double(7), double(8))], { cache: false, workers: 1, dashboard: { port: 0, host: '192.0.2.1' } });
      await expect(run.dashboardUrl).rejects.toThrow(/EADDRNOTAVAIL/);
      outcome = await run.result;
    });
    expect(outcome).toEqual([30]);
    expect(warnings.join('\n')).toMatch(/the dashboard could not start: .*EADDRNOTAVAIL/);
    // A later run tries again.
    expect(await dashboardOf({ port: 0 })).toMatch(/^http:\/\/127\.0\.0\.1:/);
  });

  it('rejects malformed options with errors that name them', () => {
    const bad: [ComputeOptions['dashboard'], RegExp][] = [
      [{ port: -1 }, /dashboard\.port/],
      [{ port: 70000 }, /dashboard\.port.*65535/],
      [{ port: '80' as unknown as number }, /dashboard\.port/],
      [{ host: '' }, /dashboard\.host/],
      [{ updateIntervalMs: 10 }, /dashboard\.updateIntervalMs/],
      ['yes' as unknown as boolean, /`dashboard`/],
    ];
    for (const [dashboard, message] of bad) {
      expect(() => startRun([double(1)], { cache: false, dashboard })).toThrow(InvalidArgumentError);
      expect(() => startRun([double(1)], { cache: false, dashboard })).toThrow(message);
    }
  });

  it('does not keep a run alive once it has ended (only what the page shows of it)', async () => {
    await dashboardOf({ port: 0 });
    let ref: WeakRef<object> | undefined;
    await (async () => {
      const run = startRun([add(double(50), double(51))], { cache: false, workers: 1, dashboard: { port: 0 } });
      ref = new WeakRef(run);
      await run.settled;
    })();
    await collectGarbage();
    expect(ref!.deref()).toBeUndefined();
  });

  it('stops with shutdown()', async () => {
    const url = await dashboardOf({ port: 0 });
    await shutdown();
    await expect(get(`${url}api/state`)).rejects.toThrow(/ECONNREFUSED/);
  });
});
