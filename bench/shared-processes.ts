/**
 * One measurement of the `shared` scenario: `count` processes (shared-child.ts)
 * on one cache directory, started together. Each is started and left to get
 * ready in its own time (process start-up is not what is measured); once all
 * are ready, each is told to go at the same moment, and the measurement is
 * from the first start to the last finish, by the children's own clocks.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ChildFailed, RESULT_PREFIX, ROOT } from './child.js';
import { GO_LINE, READY_LINE, type SharedChildJob, type SharedChildResult } from './shared-protocol.js';

const SHARED_CHILD = fileURLToPath(new URL('./shared-child.ts', import.meta.url));

/**
 * A measurement that has not finished by then has hung: a claim nobody
 * releases would otherwise stall the whole harness. Far above any run of the
 * default parameters on a slow machine; it only turns a hang into an error.
 */
const HANG_MS = 10 * 60_000;

export interface SharedMeasurement {
  /** From the first process's start to the last one's finish. */
  readonly spanMs: number;
  readonly children: readonly SharedChildResult[];
}

/** Run `jobs.length` processes at once, job i in process i. */
export async function runTogether(jobs: readonly SharedChildJob[]): Promise<SharedMeasurement> {
  const children = jobs.map((job) =>
    spawn(process.execPath, ['--import', 'tsx', SHARED_CHILD, JSON.stringify(job)], { cwd: ROOT, stdio: 'pipe' }),
  );
  // The end of each one's stderr, to explain a failure.
  const stderr = children.map(() => '');
  children.forEach((child, i) => {
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr[i] = (stderr[i] + chunk).slice(-4000);
    });
  });
  let results: SharedChildResult[] = [];
  try {
    results = await collect(children, stderr);
  } finally {
    // Every result is in (or one process failed): they may leave now, followers first.
    const order = children.map((_, i) => i).sort((a, b) => Number(results[a]?.leads ?? false) - Number(results[b]?.leads ?? false));
    for (const i of order) {
      children[i]!.stdin.end();
      await exited(children[i]!);
    }
  }
  // Leaving a shared cache is part of sharing it: a process that fails to is a failure too.
  const unclean = children.flatMap((child, i) =>
    child.exitCode === 0 ? [] : [`process ${i + 1} of ${children.length} (${child.signalCode ?? `code ${child.exitCode}`}):\n${stderr[i]!.trimEnd()}`],
  );
  if (unclean.length > 0) throw new ChildFailed(`shared: failed while leaving the cache, after its result: ${unclean.join('\n')}`);
  const spanMs = Math.max(...results.map((r) => r.endedAt)) - Math.min(...results.map((r) => r.startedAt));
  return { spanMs, children: results };
}

function collect(children: readonly ChildProcessWithoutNullStreams[], stderr: readonly string[]): Promise<SharedChildResult[]> {
  return new Promise((resolve, reject) => {
    const results: (SharedChildResult | undefined)[] = children.map(() => undefined);
    let ready = 0;
    let received = 0;
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      for (const child of children) child.kill();
      reject(error);
    };
    const timer = setTimeout(() => {
      const waiting = children.flatMap((child, i) => (results[i] ? [] : [`pid ${child.pid}`]));
      fail(new ChildFailed(`shared: ${children.length} processes still running after ${HANG_MS / 60_000} min (no result from ${waiting.join(', ')})`));
    }, HANG_MS);

    children.forEach((child, i) => {
      child.on('error', fail);
      child.on('exit', (code, signal) => {
        if (results[i] === undefined) {
          fail(new ChildFailed(`shared: process ${i + 1} of ${children.length} exited (${signal ?? `code ${code}`}) without a result\n${stderr[i]!.trimEnd()}`));
        }
      });
      createInterface({ input: child.stdout }).on('line', (line) => {
        if (line === READY_LINE && ++ready === children.length) {
          // All at once: the first process to go would otherwise have the cache to itself for a while.
          for (const c of children) c.stdin.write(`${GO_LINE}\n`);
        } else if (line.startsWith(RESULT_PREFIX)) {
          results[i] = JSON.parse(line.slice(RESULT_PREFIX.length)) as SharedChildResult;
          if (++received === children.length && !settled) {
            settled = true;
            clearTimeout(timer);
            resolve(results as SharedChildResult[]);
          }
        }
      });
    });
  });
}

function exited(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}
