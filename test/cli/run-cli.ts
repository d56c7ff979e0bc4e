import { execFile, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Run the `memograph` command as a user would: a child process with no stdin (so not a
 * terminal), in the project unless `cwd` says otherwise.
 */
export function runCli(args: readonly string[], env: Record<string, string> = {}, cwd = root): Promise<CliResult> {
  return new Promise((resolve) => {
    const tsx = pathToFileURL(createRequire(join(root, 'package.json')).resolve('tsx')).href;
    const child = execFile(process.execPath, ['--import', tsx, cli, ...args], { cwd, env: { ...process.env, ...env }, maxBuffer: 64 * 2 ** 20 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end();
  });
}

/** A `memograph` command still running: its process, to signal, and how it ends. */
export interface StartedCli {
  readonly pid: number;
  signal(signal: NodeJS.Signals): void;
  readonly result: Promise<CliResult>;
}

/** Start the `memograph` command as {@link runCli} does, without waiting for it. */
export function startCli(args: readonly string[], env: Record<string, string> = {}): StartedCli {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const result = new Promise<CliResult>((resolve) =>
    // A death by signal shows as 128 + its number, as a shell would say.
    child.once('close', (code, signal) => resolve({ code: code ?? 128 + (signal ? constants.signals[signal] : 0), stdout, stderr })),
  );
  return { pid: child.pid!, signal: (signal) => child.kill(signal), result };
}
