/**
 * Processes that share one cache, as the tests start them: real child processes running
 * test/fixtures/shared-cache-driver.ts on a cache directory or a Redis store. Every task
 * execution leaves a line in a log, so a test counts, across all processes, how often
 * each call ran.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const driver = new URL('../fixtures/shared-cache-driver.ts', import.meta.url).pathname;

export interface Report {
  pid: number;
  reports: { value: number; counts: { executed: number; cached: number; deduplicated: number; total: number } }[];
}

export interface Started {
  readonly child: ChildProcess;
  /** Resolves when the process has printed `started`. */
  readonly started: Promise<void>;
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; report?: Report; stderr: string }>;
  /** What it has written to stderr so far. */
  stderr(): string;
}

/** `gate`: leaves from `gate.from` on wait until the file `gate.path` exists. */
export function start(cacheDir: string, log: string, from: number, to: number, ms: number, rounds = 1, gate?: { path: string; from: number }): Started {
  const gated = gate ? [gate.path, String(gate.from)] : [];
  return spawnScript([driver, cacheDir, log, String(from), String(to), String(ms), String(rounds), ...gated]);
}

/** `stdin`: a pipe to write requests to (a long-lived script); `limitMs`: killed after this long. */
export function spawnScript(args: string[], { stdin = false, limitMs = 120_000 } = {}): Started {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let onStarted!: () => void;
  const started = new Promise<void>((resolve) => (onStarted = resolve));
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (stdout.includes('started\n')) onStarted();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; report?: Report; stderr: string }>((resolve) =>
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const last = stdout.trim().split('\n').pop() ?? '';
      resolve({ code, signal, stderr, report: last.startsWith('{') ? (JSON.parse(last) as Report) : undefined });
    }),
  );
  return { child, started, done, stderr: () => stderr };
}

/** How often each leaf ran, across every process that wrote to `log`. */
export function executions(log: string): Map<number, number> {
  const counts = new Map<number, number>();
  if (!existsSync(log)) return counts;
  for (const line of readFileSync(log, 'utf8').trim().split('\n')) {
    if (!line) continue;
    const i = Number(line.split(' ')[2]);
    counts.set(i, (counts.get(i) ?? 0) + 1);
  }
  return counts;
}

export function sumOfSquares(from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += i * i;
  return sum;
}

export async function waitFor(condition: () => boolean, what: string, context = () => ''): Promise<void> {
  const deadline = Date.now() + 50_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${context()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

