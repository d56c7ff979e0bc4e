import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveRedis, noRedisMessage, startRedis, type TestRedis } from '../redis-server.js';

const exec = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
if (!haveRedis) console.warn(noRedisMessage);
let redis: TestRedis;
const workers: ChildProcess[] = [];
beforeAll(async () => {
  if (!haveRedis) return;
  redis = await startRedis({ password: 'secret' });
  for (let i = 0; i < 2; i++) {
    const worker = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'worker', '--redis', redis.url, '--concurrency', '1'], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    workers.push(worker);
    await new Promise<void>((resolve) => worker.stderr!.on('data', (chunk: Buffer) => chunk.toString().includes('taking batches') && resolve()));
  }
});
afterAll(async () => {
  await Promise.all(workers.map((worker) => new Promise((resolve) => (worker.once('exit', resolve), worker.kill('SIGTERM')))));
  await redis?.stop();
});

describe.skipIf(!haveRedis)('examples/cluster', () => {
  it('runs its trials on the workers, and a re-run is served from the Redis', async () => {
    const run = async () => (await exec(process.execPath, ['--import', 'tsx', 'examples/cluster.ts'], { cwd: root, env: { ...process.env, MEMOGRAPH_EXAMPLE_REDIS: redis.url } })).stdout;
    const first = await run();
    expect(first).toMatch(/^12 trials on [12] worker process\(es\), largest error \d\.\d\de-\d+ \(13 executed here and there, 0 from the cache\)$/m);
    // Every task ran on a worker, whose machine and pid the run's `cluster` events named.
    const byMachine = /^tasks by machine: (.*)$/m.exec(first)![1]!.split(', ');
    expect(byMachine.every((entry) => /^\S+ pid \d+ \d+$/.test(entry)), first).toBe(true);
    expect(byMachine.reduce((sum, entry) => sum + Number(entry.split(' ').at(-1)), 0)).toBe(13);
    const second = await run();
    expect(second).toMatch(/\(0 executed here and there, 1 from the cache\)/);
    expect(second).toContain('tasks by machine: none ran');
  });
});
