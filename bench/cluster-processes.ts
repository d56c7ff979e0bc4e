/**
 * The cluster scenario's machines, on this one: Debian's redis-server on a loopback TCP
 * port (as Dask distributed's LocalCluster talks over loopback TCP), and `memograph
 * worker` processes started by the command a user runs, each stopped by its pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChildFailed, ROOT } from './child.js';

const REDIS_SERVER = '/usr/bin/redis-server';
const CLI = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
/** Starting a process is not what is measured, but one that never says it is ready has failed. */
const START_MS = 60_000;

/** A port nobody listens on now: the kernel's choice for a listener that is closed at once. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once `child`'s output matches `ready`; rejects, with what it said, if it exits or takes too long. */
function readyWhen(child: ChildProcess, ready: RegExp, label: string): Promise<void> {
  let said = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new ChildFailed(`${label} did not start in ${START_MS / 1000} s:\n${said}`)), START_MS);
    const hear = (chunk: string) => {
      said = (said + chunk).slice(-4000);
      if (ready.test(said)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.setEncoding('utf8').on('data', hear);
    child.stderr?.setEncoding('utf8').on('data', hear);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new ChildFailed(`${label} exited (${signal ?? `code ${code}`}) before it was ready:\n${said}`));
    });
  });
}

async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(force);
}

export interface BenchRedis {
  readonly url: string;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<BenchRedis> {
  if (!existsSync(REDIS_SERVER)) throw new ChildFailed(`cluster: ${REDIS_SERVER} is not installed (apt-get install redis-server)`);
  const dir = mkdtempSync(join(tmpdir(), 'memograph-bench-redis-'));
  const port = await freePort();
  const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  await readyWhen(child, /ready to accept connections/i, 'redis-server');
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      await stop(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface BenchWorker {
  readonly pid: number;
  /** Stopped as a user stops it: it finishes its batches and leaves. */
  stop(): Promise<void>;
  /** Stopped as a crash stops it. */
  kill(): Promise<void>;
}

export async function startWorker(url: string, slots: number, lockMs: number): Promise<BenchWorker> {
  const args = ['--import', 'tsx', CLI, 'worker', '--redis', url, '--concurrency', String(slots), '--lock-ms', String(lockMs)];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  await readyWhen(child, /taking batches from/, 'memograph worker');
  return { pid: child.pid!, stop: () => stop(child), kill: () => stop(child, 'SIGKILL') };
}
