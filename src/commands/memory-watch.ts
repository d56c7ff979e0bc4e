/**
 * A memory limit for a command: the resident memory of its whole process group
 * (it and everything it started), sampled from /proc while it runs. Node's
 * spawn cannot set rlimits, and an address-space rlimit would count reserved,
 * not used, memory — so the group is measured, and killed when over the limit.
 * Linux only: elsewhere the limit is refused when the command is made.
 */
import { readdirSync, readFileSync } from 'node:fs';

const SAMPLE_MS = 50;
const PAGE_BYTES = 4096;

export function memoryLimitSupported(): boolean {
  return process.platform === 'linux';
}

/** Resident bytes of every process in group `pgid`. */
export function groupResidentBytes(pgid: number): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
    } catch {
      continue; // it exited while we looked
    }
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) !== pgid) continue; // pgrp
    total += Number(fields[21]) * PAGE_BYTES; // rss, in pages
  }
  return total;
}

/** Call `onExceeded` once if group `pgid` holds more than `limitMb`; returns a function that stops watching. */
export function watchMemory(pgid: number, limitMb: number, onExceeded: (residentMb: number) => void): () => void {
  const limit = limitMb * 1024 * 1024;
  const timer = setInterval(() => {
    const resident = groupResidentBytes(pgid);
    if (resident > limit) {
      clearInterval(timer);
      onExceeded(Math.round(resident / 1024 / 1024));
    }
  }, SAMPLE_MS);
  timer.unref();
  return () => clearInterval(timer);
}
