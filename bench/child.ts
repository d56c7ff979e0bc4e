/**
 * Run a measuring process and read its result: the line of its stdout that
 * starts with RESULT_PREFIX, followed by JSON. Other output is ignored (stdout)
 * or kept to explain a failure (the end of stderr).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const RESULT_PREFIX = 'BENCH_RESULT ';

/** The repository root, where `--import tsx` resolves and relative paths start. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));

export class ChildFailed extends Error {
  override name = 'ChildFailed';
}

export function runChild(command: string, args: readonly string[], label: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      if (error || line === undefined) {
        const why = error ? error.message.split('\n')[0] : 'it printed no result';
        reject(new ChildFailed(`${label}: ${why}\n${tail(stderr)}`.trimEnd()));
        return;
      }
      try {
        resolve(JSON.parse(line.slice(RESULT_PREFIX.length)));
      } catch (parseError) {
        reject(new ChildFailed(`${label}: unreadable result (${String(parseError)})`));
      }
    });
  });
}

function tail(text: string, lines = 15): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
