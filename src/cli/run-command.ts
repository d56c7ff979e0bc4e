/**
 * `memograph run <script> [-- args]`: run a user's script (TypeScript through
 * tsx, no build step) with progress shown for its runs, then a summary of what
 * executed, what came from the cache, and the time the cache saved.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { err as pc } from './colors.js';
import type { ProcessReport } from '../run-report.js';

export async function runScript(script: string, args: readonly string[], options: { progress: boolean }): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'memograph-run-'));
  const reportFile = join(dir, 'report.json');
  const started = performance.now();
  try {
    // Resolve tsx from memograph's own dependencies, so the script needs none of its own.
    const tsx = createRequire(import.meta.url).resolve('tsx');
    const child = spawn(process.execPath, ['--import', pathToImport(tsx), script, ...args], {
      stdio: 'inherit',
      env: { ...process.env, MEMOGRAPH_PROGRESS: options.progress ? '1' : '0', MEMOGRAPH_REPORT: reportFile },
    });
    const code = await new Promise<number>((resolve) => {
      child.once('error', () => resolve(127));
      child.once('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 128 : 1)));
    });
    const seconds = (performance.now() - started) / 1000;
    let report: ProcessReport | undefined;
    try {
      report = JSON.parse(readFileSync(reportFile, 'utf8')) as ProcessReport;
    } catch {
      report = undefined; // the script ran no computation (or died before exiting normally)
    }
    process.stderr.write(`${summary(report, seconds)}\n`);
    return code === 0 ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function summary(report: ProcessReport | undefined, seconds: number): string {
  if (!report) return pc.dim(`memograph: no runs; ${seconds.toFixed(1)} s`);
  const failed = report.failed > 0 ? pc.red(`${report.failed} failed`) : '0 failed';
  return (
    `memograph: ${pc.bold(String(report.executed))} executed, ${pc.bold(String(report.cached))} from the cache, ` +
    `${report.deduplicated} deduplicated, ${failed} in ${seconds.toFixed(1)} s; ` +
    `the cache saved ${(report.savedMs / 1000).toFixed(1)} s of compute`
  );
}

function pathToImport(path: string): string {
  return new URL(`file://${path}`).href;
}
