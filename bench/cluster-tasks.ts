/**
 * The cluster scenario's recovery task, a module function the `memograph worker`s
 * import from this file: it notes which process started it and when, then holds its
 * thread, so that the harness can kill the worker that runs it and time how soon the
 * task starts again on the other.
 */
import { appendFileSync } from 'node:fs';
import { delayed } from '../src/index.js';

export function held(log: string, trial: number, ms: number): number {
  appendFileSync(log, `${process.pid} ${Date.now()}\n`);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  return trial;
}

export const heldTask = delayed(held, { module: import.meta.url, pure: false });
