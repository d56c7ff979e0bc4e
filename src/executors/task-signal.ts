/**
 * The abort signal of the main-thread task running now. A main-thread task that
 * holds something stoppable — a child process — reads it to stop that when its
 * run is aborted or its time limit passes; the main thread itself cannot be
 * interrupted, so this is how such tasks are actually stopped.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const current = new AsyncLocalStorage<AbortSignal>();

/** The signal of the main-thread task this code runs for, if any. */
export function currentTaskSignal(): AbortSignal | undefined {
  return current.getStore();
}

/** Call `fn` with `signal` as the current task's signal (it follows async continuations). */
export function withTaskSignal<T>(signal: AbortSignal, fn: () => T): T {
  return current.run(signal, fn);
}
