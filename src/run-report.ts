/**
 * Totals over every run of this process, written as JSON when it exits if
 * MEMOGRAPH_REPORT names a file: how `memograph run` learns what a script's runs
 * executed, served from the cache, shared and failed, and what the cache saved.
 */
import { writeFileSync } from 'node:fs';
import type { RunCounts } from './scheduler/state.js';

export interface ProcessReport {
  runs: number;
  executed: number;
  cached: number;
  deduplicated: number;
  failed: number;
  skipped: number;
  savedMs: number;
}

const totals: ProcessReport = { runs: 0, executed: 0, cached: 0, deduplicated: 0, failed: 0, skipped: 0, savedMs: 0 };
let hooked = false;

/** Add a finished run's counts to the process's totals. */
export function reportRun(counts: RunCounts): void {
  const file = process.env.MEMOGRAPH_REPORT;
  if (!file) return;
  totals.runs++;
  totals.executed += counts.executed;
  totals.cached += counts.cached;
  totals.deduplicated += counts.deduplicated;
  totals.failed += counts.failed;
  totals.skipped += counts.skipped;
  totals.savedMs += counts.savedMs;
  if (!hooked) {
    hooked = true;
    process.once('exit', () => writeFileSync(file, JSON.stringify(totals)));
  }
}
