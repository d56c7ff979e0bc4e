/**
 * While `memograph run` waits for a script's process: the signals that ask a
 * program to stop go on to the script, which decides how to end (by default
 * Node dies of them; a script may clean up and exit). This process stays to
 * print the summary, so it must not die of them itself, nor leave the script
 * running without anyone to stop it.
 *
 * A Ctrl-C in a terminal reaches both processes (they share the terminal's
 * process group), so the script then sees SIGINT twice at once; there is no
 * telling a terminal's SIGINT from a `kill`, and one too many is better than
 * none. Handlers should treat a repeat as the same request.
 */
import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:os';

export const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type ForwardedSignal = (typeof FORWARDED_SIGNALS)[number];

export interface Forwarding {
  /** The first signal this process received and passed on, if any. */
  readonly received: ForwardedSignal | undefined;
  /** Stop forwarding: the signals act on this process as before. */
  stop(): void;
}

export function forwardSignals(child: ChildProcess): Forwarding {
  let received: ForwardedSignal | undefined;
  const handlers = FORWARDED_SIGNALS.map((signal) => {
    const handler = () => {
      received ??= signal;
      // Gone already (it died of the terminal's copy of the signal): nothing to pass on.
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  return {
    get received() {
      return received;
    },
    stop() {
      for (const [signal, handler] of handlers) process.off(signal, handler);
    },
  };
}

/** The shell's convention: a process that died of a signal "exits" with 128 + its number. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const number = signal ? constants.signals[signal] : undefined;
  return number === undefined ? 1 : 128 + number;
}
