/**
 * The abort signal of the main-thread task running now. A main-thread task that
 * holds something stoppable — a child process — reads it to stop that when its
 * run is aborted or its time limit passes; the main thread itself cannot be
 * interrupted, so this is how such tasks are actually stopped.
 *
 * It is set only while the task's function is called, so read it at the start
 * of the task (before any await). That costs nothing per task, where carrying
 * it through async continuations (AsyncLocalStorage) cost more than a tiny task.
 */

/** How a main-thread task is told to stop. The AbortController is made only if someone asks for the signal. */
export class TaskStop {
  #controller: AbortController | undefined;
  #reason: unknown;
  #stopped = false;

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#stopped) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  stop(reason: unknown): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}

let current: TaskStop | undefined;

/** The signal of the main-thread task whose function is being called, if any. Read it before the task's first await. */
export function currentTaskSignal(): AbortSignal | undefined {
  return current?.signal;
}

/** Call `fn` (with `this` undefined) on `args`, with `stop` as the current task's. */
export function applyWithTaskStop(stop: TaskStop, fn: (...args: unknown[]) => unknown, args: unknown[]): unknown {
  const previous = current;
  current = stop;
  try {
    return Reflect.apply(fn, undefined, args);
  } finally {
    current = previous;
  }
}
