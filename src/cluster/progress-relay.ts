/**
 * Progress reports (reportProgress) on their way from a worker's threads to the
 * coordinator, as the progress of the batch's BullMQ job. Each send is a Redis write
 * and an event every coordinator reads, so a task that reports in a tight loop must not
 * make one per report: reports are coalesced, at most one send per batch every
 * RELAY_MS, carrying the latest report of each task that reported since the last.
 */
import type { ForeignProgress } from '../executors/pool.js';

export const RELAY_MS = 100;

/** A task's latest report: its index in the batch, how far, what it said. */
export interface RelayedReport {
  readonly i: number;
  readonly f: number;
  readonly m?: string;
}

export interface ProgressRelay {
  readonly hear: ForeignProgress;
  /** The batch is over: send what is pending now (a report may still matter to a task that runs on), then stop. */
  close(): void;
}

export function progressRelay(send: (reports: RelayedReport[]) => Promise<unknown>): ProgressRelay {
  const pending = new Map<number, RelayedReport>();
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    if (pending.size === 0) return;
    const reports = [...pending.values()];
    pending.clear();
    // Progress is advice: a lost report is not worth failing a batch over.
    send(reports).catch(() => undefined);
  };
  return {
    hear: (index, fraction, message) => {
      pending.set(index, message === undefined ? { i: index, f: fraction } : { i: index, f: fraction, m: message });
      timer ??= setTimeout(flush, RELAY_MS);
    },
    close: () => {
      clearTimeout(timer);
      flush();
    },
  };
}

/** Reports as a coordinator reads them back from a job's progress: anything else is ignored. */
export function readReports(data: unknown): RelayedReport[] {
  if (!Array.isArray(data)) return [];
  return data.filter(
    (r): r is RelayedReport =>
      typeof r === 'object' && r !== null && Number.isInteger(r.i) && typeof r.f === 'number' && (r.m === undefined || typeof r.m === 'string'),
  );
}
