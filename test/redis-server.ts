/**
 * A Redis of the test file's own: Debian's redis-server on a unix socket in a temporary
 * directory (no port to collide with another file's), with nothing saved to disk, stopped
 * by its pid. Tests that need one skip with a message where redis-server is not installed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers.js';

export const REDIS_SERVER = '/usr/bin/redis-server';
export const haveRedis = existsSync(REDIS_SERVER);
export const noRedisMessage = `${REDIS_SERVER} is not installed (apt-get install redis-server): Redis tests skipped`;

export interface TestRedis {
  /** The URL memograph takes for it: `unix:///path/to/redis.sock`, with `?password=` when it has one. */
  readonly url: string;
  readonly socket: string;
  readonly pid: number;
  /** Stop it (SIGTERM, then SIGKILL), and remove its directory. */
  stop(): Promise<void>;
  /** Stop it abruptly, keeping its directory, as a crashed server would. */
  kill(): Promise<void>;
}

/** `tcp`: also listen on this address and port (a test that gives "machines" network namespaces of their own). */
export async function startRedis(options: { password?: string; tcp?: { host: string; port: number } } = {}): Promise<TestRedis> {
  const dir = tempDir('memograph-redis-');
  const socket = join(dir.path, 'redis.sock');
  const listen = options.tcp ? ['--port', String(options.tcp.port), '--bind', options.tcp.host, '--protected-mode', 'no'] : ['--port', '0'];
  const args = [...listen, '--unixsocket', socket, '--unixsocketperm', '700', '--save', '', '--appendonly', 'no', '--dir', dir.path];
  args.push('--maxmemory-policy', 'noeviction');
  if (options.password) args.push('--requirepass', options.password);
  const child: ChildProcess = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (/ready to accept connections/i.test(output)) {
        clearInterval(timer);
        resolve();
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`redis-server exited with ${child.exitCode}: ${output}`));
      }
    }, 10);
  });
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      const force = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(force);
    }
  };
  return {
    url: `unix://${socket}${options.password ? `?password=${encodeURIComponent(options.password)}` : ''}`,
    socket,
    pid: child.pid!,
    stop: async () => {
      await end('SIGTERM');
      dir.remove();
    },
    kill: () => end('SIGKILL'),
  };
}
