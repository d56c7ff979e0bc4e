/**
 * `memograph worker` processes as the cluster tests start them: the command itself, in a
 * child process of its own, on a Redis of the test file's. Every worker started here is
 * in {@link workers}, for the file to stop with {@link stopWorkers}.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { waitFor } from '../store/cache-processes.js';

export const cli = new URL('../../src/cli/main.ts', import.meta.url).pathname;
// By URL: a worker or coordinator started in a directory of its own finds tsx from there otherwise.
export const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
/** The workers this file started (and any it tracks itself), until stopped. */
export const workers: ChildProcess[] = [];

/** `memograph worker` on `url`, once it says it takes batches. */
export async function startWorker(url: string, slots = 2, lockMs = 1500, env: Record<string, string> = {}, cwd?: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', tsx, cli, 'worker', '--redis', url, '--concurrency', String(slots), '--lock-ms', String(lockMs)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
    ...(cwd && { cwd }),
  });
  workers.push(child);
  let said = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (said += chunk));
  await waitFor(() => said.includes('taking batches from'), 'the worker to start', () => said);
  return child;
}

export async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(force);
}

export async function stopWorkers(): Promise<void> {
  await Promise.all(workers.splice(0).map(stopWorker));
}
