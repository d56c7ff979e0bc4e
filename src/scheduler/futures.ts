import type { TaskError } from '../errors.js';
import type { TaskResult } from './task-result.js';

/**
 * The process-wide futures table: call CID → the promise of its result, for
 * every call some run is computing right now. A run that reaches a CID already
 * in the table waits for that promise instead of running the call again.
 *
 * An entry is removed when it settles; failures are not remembered, so the next
 * attempt runs again. A run that stops before computing a call it claimed
 * settles it as `abandoned`, and whoever was waiting computes it themselves.
 *
 * Every node a run computes is claimed, but few are ever waited for, so an
 * entry makes its promise only when someone asks for it.
 */
export type Settlement =
  | { readonly kind: 'done'; readonly result: TaskResult }
  | { readonly kind: 'failed'; readonly error: TaskError }
  | { readonly kind: 'abandoned' };

interface Entry {
  promise: Promise<Settlement> | undefined;
  resolve: ((settlement: Settlement) => void) | undefined;
}

const table = new Map<string, Entry>();

/** The pending result of `cid`, if some run is computing it. */
export function pendingFuture(cid: string): Promise<Settlement> | undefined {
  const entry = table.get(cid);
  if (!entry) return undefined;
  entry.promise ??= new Promise<Settlement>((resolve) => (entry.resolve = resolve));
  return entry.promise;
}

/** Announce that the caller will compute `cid`. The caller must `settleFuture` it exactly once. */
export function claimFuture(cid: string): void {
  if (table.has(cid)) throw new Error(`internal: ${cid} is already claimed`);
  table.set(cid, { promise: undefined, resolve: undefined });
}

export function settleFuture(cid: string, settlement: Settlement): void {
  const entry = table.get(cid);
  if (!entry) return;
  table.delete(cid);
  entry.resolve?.(settlement);
}
