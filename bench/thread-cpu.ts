/**
 * CPU time of this process's main thread, in ms, where Linux tells it
 * (/proc/self/task/<pid>/schedstat: nanoseconds on a CPU). Unlike wall time, it
 * leaves out the time the thread waits for workers or for a core that a neighbour
 * holds, so it shows the engine's own work on the main thread: what two variants of
 * one graph differ by when their wall clocks drift apart on a shared machine.
 * Undefined elsewhere.
 *
 * The kernel brings a running thread's figure up to date only at scheduler ticks and
 * switches, so a reading lags by up to a tick (steps of 1–4 ms on the bench machine):
 * one run's figure may be a few ms off, and only medians over many runs are worth
 * comparing.
 */
import { readFileSync } from 'node:fs';

const SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`;

export function mainThreadCpuMs(): number | undefined {
  try {
    const ns = Number(readFileSync(SCHEDSTAT, 'utf8').split(' ')[0]);
    return Number.isFinite(ns) ? ns / 1e6 : undefined;
  } catch {
    return undefined;
  }
}
