/**
 * What this process's runs did, kept in the file MEMOGRAPH_REPORT names: how
 * `memograph run` learns what a script's runs executed, served from the cache,
 * shared, failed and stored, and what the cache saved.
 *
 * The file is kept current rather than written at exit, because a script that
 * dies of a signal runs no exit handler (and handling the signal here would
 * change how the script ends). It is rewritten in place, one synchronous
 * positioned write of space-padded JSON that a kill cannot split, whenever the
 * store lands a batch, every {@link REPORT_INTERVAL_MS} while a run is live,
 * when a run ends and when the process exits. A run cut short is counted up to
 * its last write: what the store had landed is exact, since the write follows it.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { RunCounts } from './scheduler/state.js';
import { onLandedWrites } from './store/landed-writes.js';

export interface ProcessReport {
  runs: number;
  executed: number;
  cached: number;
  deduplicated: number;
  failed: number;
  skipped: number;
  savedMs: number;
  /** `savedMs` is exact, not a lower bound (RunCounts.savedExact). */
  savedExact: boolean;
  /** Results written to the cache directory (batches that landed). */
  stored: number;
}

/** How stale the executed and cached counts of a killed run may be when no batch lands (no cache). */
const REPORT_INTERVAL_MS = 100;

const ended: ProcessReport = { runs: 0, executed: 0, cached: 0, deduplicated: 0, failed: 0, skipped: 0, savedMs: 0, savedExact: true, stored: 0 };
/** Runs not yet settled: their counts so far. */
const live = new Set<() => RunCounts>();
let fd: number | undefined;
let width = 512;
let timer: NodeJS.Timeout | undefined;
let hooked = false;

/** Count a run in the process's report: live until `settled`, then for good. */
export function trackRun(counts: () => RunCounts, settled: Promise<unknown>): void {
  if (!process.env.MEMOGRAPH_REPORT) return;
  live.add(counts);
  ended.runs++;
  // Unref'd: reporting must never keep the script alive.
  timer ??= setInterval(writeReport, REPORT_INTERVAL_MS).unref();
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      writeReport();
      if (fd !== undefined) closeSync(fd);
    });
  }
  const settle = () => {
    live.delete(counts);
    add(ended, counts());
    if (live.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
    writeReport();
  };
  void settled.then(settle, settle);
  writeReport();
}

// A store landed a batch holding `records` results (0: only marks of use, which follow cache hits).
onLandedWrites((records) => {
  if (!process.env.MEMOGRAPH_REPORT) return;
  ended.stored += records;
  writeReport();
});

function writeReport(): void {
  const file = process.env.MEMOGRAPH_REPORT;
  if (!file) return;
  const totals = { ...ended };
  for (const counts of live) add(totals, counts());
  const json = Buffer.from(JSON.stringify(totals));
  width = Math.max(width, json.byteLength);
  const padded = Buffer.alloc(width, ' ');
  json.copy(padded);
  try {
    fd ??= openSync(file, 'w');
    writeSync(fd, padded, 0, width, 0);
  } catch {
    // The report is a courtesy to `memograph run`; failing to write it must not fail the script.
  }
}

function add(into: ProcessReport, counts: RunCounts): void {
  into.executed += counts.executed;
  into.cached += counts.cached;
  into.deduplicated += counts.deduplicated;
  into.failed += counts.failed;
  into.skipped += counts.skipped;
  into.savedMs += counts.savedMs;
  into.savedExact &&= counts.savedExact;
}
