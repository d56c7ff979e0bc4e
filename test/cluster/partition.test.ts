/**
 * A worker on a "machine" of its own: a network namespace joined to this one by a veth
 * pair, reaching Redis over TCP. Cutting the link partitions it from the cluster while it
 * runs, as a failed switch would. Needs root (ip netns); skipped with a message elsewhere.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { haveRedis, noRedisMessage, startRedis, type TestRedis } from '../redis-server.js';
import { executions, start, sumOfSquares, waitFor } from '../store/cache-processes.js';

const cli = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const tag = String(process.pid % 100_000);
const ns = `mg${tag}`;
const hostSide = `mgh${tag}`;
const workerSide = `mgw${tag}`;
const subnet = `10.${200 + (process.pid % 50)}.${process.pid % 250}`;
const hostAddress = `${subnet}.1`;
const password = 'partition-secret';
const port = 20_000 + (process.pid % 20_000);

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

function netnsAllowed(): boolean {
  try {
    ip('netns', 'add', `${ns}probe`);
    ip('netns', 'del', `${ns}probe`);
    return true;
  } catch {
    return false;
  }
}

const allowed = haveRedis && netnsAllowed();
if (!haveRedis) console.warn(noRedisMessage);
else if (!allowed) console.warn('ip netns is not allowed here (it needs root): the network partition test is skipped');

const dir = tempDir('memograph-partition-');
let redis: TestRedis;
const children: ChildProcess[] = [];

beforeAll(async () => {
  if (!allowed) return;
  ip('netns', 'add', ns);
  ip('link', 'add', hostSide, 'type', 'veth', 'peer', 'name', workerSide);
  ip('link', 'set', workerSide, 'netns', ns);
  ip('addr', 'add', `${hostAddress}/24`, 'dev', hostSide);
  ip('link', 'set', hostSide, 'up');
  ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${subnet}.2/24`, 'dev', workerSide);
  ip('netns', 'exec', ns, 'ip', 'link', 'set', workerSide, 'up');
  ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
  redis = await startRedis({ password, tcp: { host: hostAddress, port } });
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await redis?.stop();
  if (allowed) {
    try {
      ip('netns', 'del', ns); // takes the veth pair with it
    } catch {
      // already gone
    }
  }
  dir.remove();
});

function startWorker(args: string[], prefix: string[] = []): Promise<ChildProcess> {
  const [command, ...rest] = [...prefix, process.execPath, '--import', 'tsx', cli, 'worker', ...args];
  const child = spawn(command!, rest, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let said = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (said += chunk));
  return waitFor(() => said.includes('taking batches from'), 'a worker to start', () => said).then(() => child);
}

describe.skipIf(!allowed)('a worker on a machine of its own', () => {
  it('cut off from Redis mid-batch, loses its batches to a worker that can reach it, and the run gets every value', async () => {
    const remote = await startWorker(['--redis', `redis://:${password}@${hostAddress}:${port}`, '--concurrency', '2', '--lock-ms', '1500'], ['ip', 'netns', 'exec', ns]);
    const log = join(dir.path, 'partition.log');
    // The coordinator and the second worker are on this machine, on Redis's socket.
    const url = redis.url;
    const coordinator = start(`cluster:${url}`, log, 0, 16, 300);
    await waitFor(() => executions(log).size >= 2, 'the remote worker to run two leaves');
    ip('link', 'set', hostSide, 'down');
    const local = await startWorker(['--redis', url, '--concurrency', '2', '--lock-ms', '1500']);
    const result = await coordinator.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.report!.reports[0]!.value).toBe(sumOfSquares(0, 16));
    const ran = executions(log);
    expect(ran.size).toBe(16);
    expect([...ran.values()].every((count) => count <= 2), JSON.stringify([...ran])).toBe(true);
    ip('link', 'set', hostSide, 'up');
    remote.kill('SIGKILL');
    local.kill('SIGTERM');
  });
});
