import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
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
