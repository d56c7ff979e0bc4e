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
import { UsageProblem } from './cache-commands.js';

/** What commander parses for `memograph run`. */
export interface RunCommandOptions {
  progress: boolean;
  dashboard?: boolean;
  dashboardPort?: string;
  dashboardHost?: string;
  keepDashboard?: boolean;
}

/**
 * `[host:]port` for MEMOGRAPH_DASHBOARD, from the command line, checked; undefined
 * when no dashboard option was given (any of them asks for one).
 */
export function dashboardAddress(options: RunCommandOptions): string | undefined {
  const { dashboard, dashboardPort, dashboardHost, keepDashboard } = options;
  if (!dashboard && !keepDashboard && dashboardPort === undefined && dashboardHost === undefined) return undefined;
  const port = dashboardPort ?? '8787';
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) {
    throw new UsageProblem(`Expected --dashboard-port to be a port number from 0 to 65535, got \`${port}\``);
  }
  if (dashboardHost === undefined) return port;
  if (dashboardHost.trim() === '') throw new UsageProblem('Expected --dashboard-host to be an address, got an empty string');
  return `${dashboardHost}:${port}`;
}

export async function runScript(
  script: string,
  args: readonly string[],
  options: { progress: boolean; dashboard?: string; keepDashboard?: boolean },
): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'memograph-run-'));
  const reportFile = join(dir, 'report.json');
  const started = performance.now();
  try {
    // Resolve tsx from memograph's own dependencies, so the script needs none of its own.
    const tsx = createRequire(import.meta.url).resolve('tsx');
    const child = spawn(process.execPath, ['--import', pathToImport(tsx), script, ...args], {
      stdio: 'inherit',
      env: {
        ...process.env,
        MEMOGRAPH_PROGRESS: options.progress ? '1' : '0',
        MEMOGRAPH_REPORT: reportFile,
        ...(options.dashboard !== undefined && { MEMOGRAPH_DASHBOARD: options.dashboard }),
        ...(options.keepDashboard && { MEMOGRAPH_DASHBOARD_KEEP: '1' }),
      },
    });
    // Ctrl-C reaches the script too: it decides how to end (a kept dashboard closes),
    // and this process still prints the summary.
    const ignoreInterrupt = () => undefined;
    process.on('SIGINT', ignoreInterrupt);
    const code = await new Promise<number>((resolve) => {
      child.once('error', () => resolve(127));
      child.once('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 128 : 1)));
    }).finally(() => process.off('SIGINT', ignoreInterrupt));
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
