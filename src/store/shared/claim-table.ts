/**
 * The leader's table of claims: call CID → the owner computing it, and whoever waits.
 * An owner is one process (the leader itself, or one connection). When an owner goes
 * away its claims are released, so waiters carry on as soon as the loss is noticed.
 */
import type { ClaimAnswer, Holder } from '../claims.js';
import type { ResultRecord } from '../store.js';

export interface Owner {
  readonly holder: Holder;
}

/** What the table tells one caller: like ClaimAnswer, with a callback in place of a promise. */
export type TableAnswer =
  | { readonly kind: 'mine' }
  | { readonly kind: 'stored'; readonly record: ResultRecord }
  | { readonly kind: 'held'; readonly holder: Holder };

const MINE: TableAnswer = { kind: 'mine' };

/**
 * How long a leader that took over from another lets the processes that held claims
 * there claim them again before it hands out new claims (which would run those calls
 * twice): this long after it started and after each process that joined it since, but
 * never longer than RECLAIM_MAX_MS in all (a loaded machine reconnects slowly).
 */
export const RECLAIM_GRACE_MS = 300;
const RECLAIM_MAX_MS = 2000;

export class ClaimTable {
  // A run claims every call it computes and few are ever waited for: one map entry per
  // claim, and waiter lists only where someone waits.
  readonly #owners = new Map<string, Owner>();
  readonly #waiters = new Map<string, (() => void)[]>();
  readonly #byOwner = new Map<Owner, Set<string>>();
  /** Until when only claims made again are granted (see RECLAIM_GRACE_MS), and who stands in for their holders. */
  #settling: { until: number; readonly last: number; readonly holder: Holder; readonly wakes: (() => void)[] } | undefined;

  /** Take over from a lost leader: for a moment, grant only claims made again by their holders. */
  settle(holder: Holder): void {
    const started = Date.now();
    const settling = { until: started + RECLAIM_GRACE_MS, last: started + RECLAIM_MAX_MS, holder, wakes: [] as (() => void)[] };
    this.#settling = settling;
    const check = () => {
      const left = settling.until - Date.now();
      if (left > 0) return void setTimeout(check, left);
      if (this.#settling === settling) this.#settling = undefined;
      for (const wake of settling.wakes) wake();
    };
    setTimeout(check, RECLAIM_GRACE_MS);
  }

  /** A process joined: while settling, give it its moment to claim again what it held. */
  joined(): void {
    const settling = this.#settling;
    if (settling) settling.until = Math.min(settling.last, Math.max(settling.until, Date.now() + RECLAIM_GRACE_MS));
  }

  /**
   * `lookup` reads the store (a result may have landed since the caller looked);
   * `onSettled(cid)` is called once for each CID answered `held`, when its claim goes.
   * `again`: the owner held these at the lost leader this one took over from.
   */
  claim(
    owner: Owner,
    callCids: readonly string[],
    lookup: ((callCid: string) => ResultRecord | undefined) | undefined,
    onSettled: (callCid: string) => void,
    again = false,
  ): TableAnswer[] {
    const settling = !again && this.#settling !== undefined && Date.now() < this.#settling.until ? this.#settling : undefined;
    let owned = this.#byOwner.get(owner);
    return callCids.map((callCid): TableAnswer => {
      const holder = this.#owners.get(callCid);
      if (holder !== undefined && holder !== owner) {
        let waiters = this.#waiters.get(callCid);
        if (waiters === undefined) this.#waiters.set(callCid, (waiters = []));
        waiters.push(() => onSettled(callCid));
        return { kind: 'held', holder: holder.holder };
      }
      const record = lookup?.(callCid);
      if (record !== undefined) return { kind: 'stored', record };
      if (holder === undefined && settling) {
        // Perhaps held at the lost leader by a process that has not claimed it again yet.
        settling.wakes.push(() => onSettled(callCid));
        return { kind: 'held', holder: settling.holder };
      }
      if (holder === undefined) {
        this.#owners.set(callCid, owner);
        if (owned === undefined) this.#byOwner.set(owner, (owned = new Set()));
        owned.add(callCid);
      }
      return MINE;
    });
  }

  release(owner: Owner, callCids: Iterable<string>): void {
    const owned = this.#byOwner.get(owner);
    for (const callCid of callCids) {
      if (this.#owners.get(callCid) !== owner) continue;
      this.#owners.delete(callCid);
      owned?.delete(callCid);
      const waiters = this.#waiters.get(callCid);
      if (waiters === undefined) continue;
      this.#waiters.delete(callCid);
      for (const wake of waiters) wake();
    }
    if (owned?.size === 0) this.#byOwner.delete(owner);
  }

  /** The owner is gone (its process exited or its connection broke). */
  releaseAll(owner: Owner): void {
    const owned = this.#byOwner.get(owner);
    if (owned) this.release(owner, [...owned]);
  }

  /** Everything goes (the leader steps down): every waiter is woken. */
  clear(): void {
    const waiters = [...this.#waiters.values()];
    this.#owners.clear();
    this.#waiters.clear();
    this.#byOwner.clear();
    for (const list of waiters) for (const wake of list) wake();
  }
}

/** Turn a table answer into a board answer, given the promise of its settlement. */
export function toClaimAnswer(answer: TableAnswer, settled: () => Promise<void>): ClaimAnswer {
  return answer.kind === 'held' ? { kind: 'held', holder: answer.holder, settled: settled() } : answer;
}
