/**
 * Claims: the futures table across processes. Before a process computes a cacheable call
 * it claims the call's CID on its store; a second process that reaches the same CID while
 * the first computes it is told who holds it and waits for the claim to be released, then
 * looks for the result in the store (and claims the call itself if it is not there: the
 * holder failed, stopped or died). Failures are not remembered, as in the in-process table.
 *
 * A store shared by several processes offers a board; a store private to one process has
 * none, and the in-process futures table is all there is.
 */
import type { ResultRecord } from './store.js';

/** Who holds a claim, in words a user can act on. */
export interface Holder {
  readonly pid: number;
  /** The holder's command line, shortened (`node fit.ts`). */
  readonly command: string;
}

export type ClaimAnswer =
  /** Nobody else computes it: the caller must compute it, then `release` it. */
  | { readonly kind: 'mine' }
  /** It was stored meanwhile. */
  | { readonly kind: 'stored'; readonly record: ResultRecord }
  /** Another process computes it; `settled` resolves when it releases the claim (or is gone). */
  | { readonly kind: 'held'; readonly holder: Holder; readonly settled: Promise<void> };

export interface ClaimBoard {
  /** Claim each CID for this process, or learn that it is stored or held by another. */
  claim(callCids: readonly string[]): ClaimAnswer[] | Promise<ClaimAnswer[]>;
  /** Give up claims this process holds: their results are stored, or will not be computed here. */
  release(callCids: readonly string[]): void;
}

/** This process, as a holder. */
export function thisProcess(): Holder {
  const [, script, ...rest] = process.argv;
  const shown = [script ? script.split('/').slice(-2).join('/') : '', ...rest].join(' ').trim();
  return { pid: process.pid, command: `node ${shown}`.slice(0, 120) };
}

export function describeHolder(holder: Holder): string {
  return `pid ${holder.pid} (${holder.command})`;
}
