import { request } from 'node:http';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { closeDashboard } from '../../src/dashboard/dashboard-server.js';
import { STREAM_PER_UPDATE } from '../../src/dashboard/board.js';
import { delayed, grid, InvalidArgumentError, shutdown, startRun, sweep, type ComputeOptions } from '../../src/index.js';
import { collectGarbage } from '../helpers.js';
import { listen } from './event-stream.js';

const double = delayed(function double(x: number) {
  return x * 2;
});
const add = delayed(function add(...xs: number[]) {
  return xs.reduce((a, b) => a + b, 0);
});

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

  it('sends a full picture on connecting, then bounded updates however many tasks finish between two', async () => {
    // Updates a minute apart: the run ends long before the first, and its end is pushed at once.
    const url = await dashboardOf({ port: 0, updateIntervalMs: 60_000 });
    const n = 3000;
    const leaves = Array.from({ length: n }, (_, i) => double(i));
    let run: ReturnType<typeof startRun> | undefined;
    const received = await listen(
      url,
      (got) => got.some(({ message }) => message.runs.total === 2 && message.status !== 'running'),
      () => (run = startRun([add(...leaves)], { cache: false, workers: 2, dashboard: { port: 0 } })),
    );
    await run!.settled;
    const [first, ...updates] = received;
    expect(first!.kind).toBe('full');
    expect(first!.message.runs).toEqual({ total: 1, running: 0, failed: 0 });
    expect(first!.message.stream).toHaveLength(3); // the first run's tasks
    for (const { kind, message } of updates) {
      expect(kind).toBe('update');
      expect(message.stream.length).toBeLessThanOrEqual(STREAM_PER_UPDATE);
    }
    // Every task the second run finished is either drawn or counted as left out: none is lost or sent twice.
    const drawn = updates.reduce((sum, { message }) => sum + message.stream.length, 0);
    const dropped = updates.reduce((sum, { message }) => sum + message.streamDropped, 0);
    expect(drawn + dropped).toBe(n + 1);
    expect(updates.at(-1)!.message.stream).toHaveLength(STREAM_PER_UPDATE);
    expect(dropped).toBe(n + 1 - STREAM_PER_UPDATE);
    // Counts and rows add up over both runs; the graph is the latest run's, collapsed by function past 200 calls.
    const last = updates.at(-1)!.message;
    expect(last.status).toBe('succeeded');
    expect(last.runs).toEqual({ total: 2, running: 0, failed: 0 });
    expect(last.graphRun).toBe(2);
    expect(last.counts.executed).toBe(3 + n + 1);
    expect(last.functions.double).toEqual({ total: 2 + n, states: expect.objectContaining({ done: 2 + n }) });
    expect(last.graph).toEqual({ double: 'done', add: 'done' });
    // Workers are numbered 1 to n as they first ran a task, whatever their thread ids.
    const numbers = new Set(received.flatMap(({ message }) => [...message.workers.map((w) => w.id), ...message.stream.map((bar) => bar.worker)]));
    // (Each run here has a pool of its own: three threads in all.)
    expect([...numbers].sort()).toEqual([1, 2, 3]);
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
