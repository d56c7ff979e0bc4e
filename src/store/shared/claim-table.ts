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

interface Claim {
  readonly owner: Owner;
  readonly waiters: (() => void)[];
}

/** What the table tells one caller: like ClaimAnswer, with a callback in place of a promise. */
export type TableAnswer =
  | { readonly kind: 'mine' }
  | { readonly kind: 'stored'; readonly record: ResultRecord }
  | { readonly kind: 'held'; readonly holder: Holder };

export class ClaimTable {
  readonly #claims = new Map<string, Claim>();
  readonly #byOwner = new Map<Owner, Set<string>>();

  /**
   * `lookup` reads the store (a result may have landed since the caller looked);
   * `onSettled(cid)` is called once for each CID answered `held`, when its claim goes.
   */
  claim(
    owner: Owner,
    callCids: readonly string[],
    lookup: (callCid: string) => ResultRecord | undefined,
    onSettled: (callCid: string) => void,
  ): TableAnswer[] {
    return callCids.map((callCid): TableAnswer => {
      const held = this.#claims.get(callCid);
      if (held !== undefined && held.owner !== owner) {
        held.waiters.push(() => onSettled(callCid));
        return { kind: 'held', holder: held.owner.holder };
      }
      const record = lookup(callCid);
      if (record !== undefined) return { kind: 'stored', record };
      if (held === undefined) {
        this.#claims.set(callCid, { owner, waiters: [] });
        let owned = this.#byOwner.get(owner);
        if (owned === undefined) this.#byOwner.set(owner, (owned = new Set()));
        owned.add(callCid);
      }
      return { kind: 'mine' };
    });
  }

  release(owner: Owner, callCids: Iterable<string>): void {
    const owned = this.#byOwner.get(owner);
    for (const callCid of callCids) {
      const claim = this.#claims.get(callCid);
      if (claim === undefined || claim.owner !== owner) continue;
      this.#claims.delete(callCid);
      owned?.delete(callCid);
      for (const wake of claim.waiters) wake();
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
    const claims = [...this.#claims.values()];
    this.#claims.clear();
    this.#byOwner.clear();
    for (const claim of claims) for (const wake of claim.waiters) wake();
  }

  /** Claims held by each owner, for status lines. */
  get size(): number {
    return this.#claims.size;
  }
}

/** Turn a table answer into a board answer, given the promise of its settlement. */
export function toClaimAnswer(answer: TableAnswer, settled: () => Promise<void>): ClaimAnswer {
  return answer.kind === 'held' ? { kind: 'held', holder: answer.holder, settled: settled() } : answer;
}
