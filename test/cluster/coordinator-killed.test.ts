/**
 * A coordinator killed (`kill -9`) while another waits on its claims: two coordinator
 * processes on one graph and one cluster, the first holding every call and its batches on
 * the workers. The second takes the calls over once the dead one's lease lapses (LEASE_MS,
 * 10 s: a real lease, not shortened for the test), and the store ends with one right record
 * per call. The leaves past the first few wait for a file the test writes after the kill,
 * so the first coordinator cannot finish them whatever the machine's speed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/index.js';
import { unpackValue } from '../../src/store/value-codec.js';
import { runCli } from '../cli/run-cli.js';
import { tempDir } from '../helpers.js';
import { haveRedis, noRedisMessage, startRedis, type TestRedis } from '../redis-server.js';
import { executions, start, sumOfSquares, waitFor } from '../store/cache-processes.js';
import { startWorker, stopWorkers } from './cluster-workers.js';

if (!haveRedis) console.warn(noRedisMessage);
const dir = tempDir('memograph-coordinator-killed-');
let redis: TestRedis;
beforeAll(async () => {
  if (haveRedis) redis = await startRedis();
});
afterAll(async () => {
  await stopWorkers();
  await redis?.stop();
  dir.remove();
});

/**
 * Leaves from GATED on wait for a file the test writes once the first coordinator is dead,
 * so it cannot finish them. Fewer of them than the workers' slots: a leaf of 50 ms travels
 * alone and never queues behind another (scheduler/batching.ts), so the others always
 * find a free slot.
 */
const LEAVES = 10;
const GATED = 8;

describe.skipIf(!haveRedis)('a coordinator killed while another waits on its claims', () => {
  it('leaves its calls to the waiting one, which computes them after the lease lapses and stores one right record for each', async () => {
    const url = redis.url;
    await Promise.all([startWorker(url, 2), startWorker(url, 2)]);
    const log = join(dir.path, 'killed.log');
    const gate = { path: join(dir.path, 'gate'), from: GATED };
    const coordinator = () => start(`cluster:${url}`, log, 0, LEAVES, 50, 1, gate);
    const first = coordinator();
    await first.started;
    await waitFor(() => executions(log).size >= GATED, 'the workers to run the first coordinator\'s leaves before the gated ones');
    const second = coordinator();
    await second.started;
    await waitFor(() => second.stderr().includes('this run waits for its results'), 'the second coordinator to say it waits', () => second.stderr() + first.stderr());
    expect(second.stderr()).toContain(`pid ${first.child.pid} (`);

    // Before the kill: a record made before this is the first coordinator's (the second stores nothing until it takes over).
    const killedAt = Date.now();
    first.child.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');
    // The dead coordinator's gated batches, blocked on the workers, finish now, for nobody.
    writeFileSync(gate.path, '');

    const result = await second.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.report!.reports[0]!.value).toBe(sumOfSquares(0, LEAVES));
    // The gated leaves could not be stored by the first: the second computed them, and the total.
    expect(result.report!.reports[0]!.counts.executed).toBeGreaterThanOrEqual(LEAVES - GATED + 1);

    // One record per call (the leaves and their total), each with its call's value.
    const store = await RedisStore.open(url);
    const stored = new Map<number, number>();
    let totals = 0;
    try {
      for await (const [, record] of store.records()) {
        if (record.byValue) continue;
        const value = unpackValue((await store.getBytes(record.resultCid))!) as number;
        if (record.fn === 'total') {
          totals++;
          expect(value).toBe(sumOfSquares(0, LEAVES));
          continue;
        }
        expect(record.fn).toBe('leaf');
        const leaf = Math.sqrt(value);
        expect(stored.has(leaf), `two records hold leaf ${leaf}'s value`).toBe(false);
        stored.set(leaf, record.createdAt);
      }
    } finally {
      await store.close();
    }
    expect(totals).toBe(1);
    expect([...stored.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: LEAVES }, (_, i) => i));
    const verify = await runCli(['cache', '--redis', url, 'verify']);
    expect(verify.stdout).toMatch(new RegExp(`^${LEAVES + 1} entries checked, 0 bad`));

    // Executions. A leaf the first coordinator had stored before it died is served, never run
    // again. One it had sent but not stored may run twice: its batch stays in the queue, and a
    // worker runs it for nobody (only a coordinator stores results, and that one is dead), and
    // the second coordinator sends it again once the lease lapses. Never more than twice.
    const ran = executions(log);
    expect(ran.size).toBe(LEAVES);
    expect([...ran.values()].every((count) => count <= 2), JSON.stringify([...ran])).toBe(true);
    const storedByTheFirst = [...stored].filter(([, createdAt]) => createdAt < killedAt).map(([leaf]) => leaf);
    expect(storedByTheFirst.length, 'the first coordinator stored some leaves before it died').toBeGreaterThan(0);
    expect(storedByTheFirst.every((leaf) => leaf < GATED), JSON.stringify(storedByTheFirst)).toBe(true);
    for (const leaf of storedByTheFirst) expect(ran.get(leaf), `leaf ${leaf}, stored before the kill`).toBe(1);

    // What is stored is what a later coordinator gets, running nothing.
    const again = await coordinator().done;
    expect(again.report!.reports[0]!.value).toBe(sumOfSquares(0, LEAVES));
    expect(again.report!.reports[0]!.counts).toMatchObject({ executed: 0, cached: 1 });
  }, 180_000);
});
