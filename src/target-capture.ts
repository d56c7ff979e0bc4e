/**
 * What `memograph graph` and `memograph explain` read from a script that computes at
 * top level instead of exporting its targets: the targets of its first `compute` or
 * `startRun`. While a command loads such a script, starting a run records the targets
 * and throws {@link TargetsCaptured} instead of running anything, which ends the script
 * there, so none of its tasks run.
 *
 * The hook is kept on `globalThis` under a registered symbol: the script may load
 * memograph by another path than the command (a package beside the checkout).
 */
import type { Delayed } from './graph/delayed.js';

const HOOK = Symbol.for('memograph.captureTargets');

type Hook = (targets: readonly Delayed<unknown>[]) => void;

/** Thrown by `startRun` while a command captures targets: the script stops at its first run. */
export class TargetsCaptured extends Error {
  constructor() {
    super('memograph is reading this script\'s targets: it stops at its first compute, and nothing runs');
    this.name = 'TargetsCaptured';
  }
}

/** Called by `startRun` first: throws TargetsCaptured when a command is capturing targets. */
export function captureIfAsked(targets: readonly Delayed<unknown>[]): void {
  const hook = (globalThis as Record<symbol, Hook | undefined>)[HOOK];
  if (hook === undefined) return;
  hook(targets);
  throw new TargetsCaptured();
}

/**
 * Run `load` (which imports a script) with capture on. Gives the targets of the first run
 * it started, if any, and the loaded value otherwise; a script that catches the throw and
 * goes on still stops at the end of `load`.
 */
export async function capturingTargets<T>(load: () => Promise<T>): Promise<{ targets: readonly Delayed<unknown>[] } | { loaded: T }> {
  let captured: readonly Delayed<unknown>[] | undefined;
  const global = globalThis as Record<symbol, Hook | undefined>;
  global[HOOK] = (targets) => {
    captured ??= targets;
  };
  try {
    const loaded = await load();
    return captured ? { targets: captured } : { loaded };
  } catch (error) {
    if (captured) return { targets: captured };
    throw error;
  } finally {
    delete global[HOOK];
  }
}
