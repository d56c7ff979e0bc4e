/**
 * `memograph run <script> [-- args]`: run a user's script (TypeScript through
 * tsx, no build step) with progress shown for its runs, then a summary of what
 * executed, what came from the cache, what was stored, and the time the cache
 * saved — also when the script was interrupted.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { err as pc } from './colors.js';
import type { ProcessReport } from '../run-report.js';
import { UsageProblem } from './cache-commands.js';
import { checkScript } from './script-check.js';
import { exitCodeOf, forwardSignals } from './signal-forwarding.js';

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

/**
 * Run the script in a child process (see docs/DESIGN.md, "memograph run") and
 * return the exit code for this process: the script's own, or 128 + the number
 * of the signal it died of.
 */
export async function runScript(
  script: string,
  args: readonly string[],
  options: { progress: boolean; dashboard?: string; keepDashboard?: boolean },
): Promise<number> {
  const path = checkScript(script);
  const dir = mkdtempSync(join(tmpdir(), 'memograph-run-'));
  const reportFile = join(dir, 'report.json');
  const started = performance.now();
  try {
    // Resolve tsx from memograph's own dependencies, so the script needs none of its own.
    const tsx = createRequire(import.meta.url).resolve('tsx');
    const child = spawn(process.execPath, ['--import', pathToImport(tsx), path, ...args], {
      stdio: 'inherit',
      env: {
        ...process.env,
        MEMOGRAPH_PROGRESS: options.progress ? '1' : '0',
        MEMOGRAPH_REPORT: reportFile,
        ...(options.dashboard !== undefined && { MEMOGRAPH_DASHBOARD: options.dashboard }),
        ...(options.keepDashboard && { MEMOGRAPH_DASHBOARD_KEEP: '1' }),
      },
    });
    const forwarding = forwardSignals(child);
    const ending = await new Promise<{ code: number; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('error', () => resolve({ code: 127, signal: null }));
      child.once('exit', (code, signal) => resolve({ code: exitCodeOf(code, signal), signal }));
    }).finally(() => forwarding.stop());
    const seconds = (performance.now() - started) / 1000;
    let report: ProcessReport | undefined;
    try {
      report = JSON.parse(readFileSync(reportFile, 'utf8')) as ProcessReport;
    } catch {
      report = undefined; // the script started no run
    }
    process.stderr.write(`${summary(report, seconds, ending.signal ?? forwarding.received)}\n`);
    return ending.code;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `interruptedBy`: the signal that stopped the script (or that it was sent), when there was one. */
export function summary(report: ProcessReport | undefined, seconds: number, interruptedBy?: string): string {
  const prefix = interruptedBy ? `memograph: interrupted by ${interruptedBy}; ` : 'memograph: ';
  if (!report || report.runs === 0) return pc.dim(`${prefix}no runs; ${seconds.toFixed(1)} s`);
  const failed = report.failed > 0 ? pc.red(`${report.failed} failed`) : '0 failed';
  return (
    `${prefix}${pc.bold(String(report.executed))} executed, ${pc.bold(String(report.cached))} from the cache, ` +
    `${report.deduplicated} deduplicated, ${failed}, ${report.stored ?? 0} stored in ${seconds.toFixed(1)} s; ` +
    `the cache saved ${report.savedExact === false ? 'at least ' : ''}${(report.savedMs / 1000).toFixed(1)} s of compute`
  );
}

function pathToImport(path: string): string {
  return new URL(`file://${path}`).href;
}
