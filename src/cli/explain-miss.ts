/**
 * Why a call that no input holds back has no cached result, told from the results its
 * function already has in the cache (records of the same function name, with their
 * lineage; see ResultRecord.lineage), asking in this order:
 *
 *   function-changed            a result for these very arguments under another identity
 *                               of the function (its source or version changed) — proven,
 *                               not guessed: the call re-addressed under that identity is
 *                               the result's own CID
 *   input-changed               results of this function as it is now, none for these
 *                               arguments; the closest one says which arguments differ
 *   function-and-input-changed  results only under other identities and other arguments;
 *                               the closest one says which arguments differ
 *   no-record                   no result of the function in the cache, or none that was
 *                               stored with lineage
 *
 * "Closest" is the result whose arguments differ in the fewest positions, then the newest.
 * Results are matched by function name, so two functions that share a name share them.
 */
import { changedPositions, argumentFingerprints } from '../hash/argument-fingerprints.js';
import { callAddressUnder } from '../hash/call-address.js';
import { identityAddress } from '../hash/identity.js';
import { linkOf, type Delayed } from '../graph/delayed.js';
import type { Lineage, ResultRecord } from '../store/store.js';
import { previewFingerprint, type NameOf } from './argument-preview.js';
import type { CodeChange } from './code-changes.js';

export interface StoredCall {
  readonly cid: string;
  readonly record: ResultRecord;
}

export interface ChangedArgument {
  /** The argument's position, from 0. */
  readonly index: number;
  /** A preview of the argument in the cached call, when it had one and its encoding was short. */
  readonly before?: string;
  /** A preview of the argument now, when there is one and its encoding is short. */
  readonly after?: string;
}

/** The cached result a miss was compared with. */
export interface Previous {
  readonly cid: string;
  readonly createdAt: number;
}

interface FunctionChange {
  /** What identifies the function now: a change of `source` or of the given `version`. */
  readonly identifiedBy: 'source' | 'version';
  readonly identity: string;
  readonly previousIdentity: string;
  /**
   * What changed in its code, when the cache still holds the earlier identity's records
   * (filled in by explain-command.ts, which reads them from the store).
   */
  readonly code?: readonly CodeChange[];
}

interface ArgumentChange {
  readonly changed: readonly ChangedArgument[];
  /** Present when the number of arguments differs. */
  readonly argumentCount?: { readonly before: number; readonly after: number };
}

export type MissReason =
  /**
   * `withoutLineage`: how many results of the function the cache holds that cannot say
   * what they were computed from (stored before lineage was, or with a damaged one).
   */
  | { readonly reason: 'no-record'; readonly withoutLineage?: number }
  | ({ readonly reason: 'function-changed'; readonly previous: Previous } & FunctionChange)
  | ({ readonly reason: 'input-changed'; readonly previous: Previous } & ArgumentChange)
  | ({ readonly reason: 'function-and-input-changed'; readonly previous: Previous } & FunctionChange & ArgumentChange);

interface Candidate {
  readonly stored: StoredCall;
  readonly lineage: Lineage;
  readonly changed: number[];
}

/**
 * Comparing every miss with every result of its function is quadratic: past this many
 * comparisons in one explain, each miss is compared with its function's newest results
 * only (never fewer than MIN_COMPARED). Which verdict a miss gets never depends on it.
 */
const COMPARISON_BUDGET = 10_000_000;
const MIN_COMPARED = 100;

/** How many results each of `misses` misses is compared with, to find the closest. */
export function comparisonLimit(misses: number): number {
  return Math.max(MIN_COMPARED, Math.floor(COMPARISON_BUDGET / Math.max(1, misses)));
}

/** The cached results of one function name, prepared once for all its misses. */
export class FunctionResults {
  /** How many results were stored without lineage. */
  readonly untraced: number;
  /** Results stored with lineage, by the identity they were computed under, newest first. */
  readonly byIdentity = new Map<string, StoredCall[]>();
  /** All of a result's fingerprints, concatenated (CBOR items delimit themselves) → the results. */
  readonly #byArgs = new Map<string, StoredCall[]>();
  /** identity → the results computed under any other, newest first (made once per identity asked about). */
  readonly #others = new Map<string, StoredCall[]>();

  constructor(stored: readonly StoredCall[]) {
    const traced = stored.filter((s) => s.record.lineage !== undefined).sort((a, b) => b.record.createdAt - a.record.createdAt);
    this.untraced = stored.length - traced.length;
    for (const s of traced) {
      const { identity, args } = s.record.lineage!;
      append(this.byIdentity, identity, s);
      append(this.#byArgs, argsKey(args), s);
    }
  }

  /** Results whose arguments were exactly `args`, newest first. */
  withArgs(args: readonly Uint8Array[]): readonly StoredCall[] {
    return this.#byArgs.get(argsKey(args)) ?? [];
  }

  /** Results computed under another identity than `identity`, newest first. */
  otherThan(identity: string): readonly StoredCall[] {
    let others = this.#others.get(identity);
    if (others === undefined) {
      others = [...this.byIdentity].flatMap(([other, stored]) => (other === identity ? [] : stored));
      others.sort((a, b) => b.record.createdAt - a.record.createdAt);
      this.#others.set(identity, others);
    }
    return others;
  }
}

function append<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

function argsKey(args: readonly Uint8Array[]): string {
  return Buffer.concat(args).toString('latin1');
}

/**
 * Why `call` misses, given the cached results of its function's name; the closest is
 * looked for among the `limit` newest results of each kind.
 */
export function explainMiss(call: Delayed<unknown>, results: FunctionResults, nameOf: NameOf, limit = Infinity): MissReason {
  const { untraced, byIdentity } = results;
  if (byIdentity.size === 0) return untraced > 0 ? { reason: 'no-record', withoutLineage: untraced } : { reason: 'no-record' };

  const identity = identityAddress(call.task.identity).cid;
  const args = argumentFingerprints(call.args, linkOf);
  for (const s of results.withArgs(args)) {
    // Same arguments, so it is this call under another identity, if its address agrees.
    const previous = s.record.lineage!;
    if (previous.identity !== identity && isAddressedUnder(call, previous.identity, s.cid)) {
      return { reason: 'function-changed', previous: previousOf(s), ...functionChange(call, identity, previous) };
    }
  }
  const sameFunction = closest(byIdentity.get(identity) ?? [], args, limit);
  if (sameFunction) {
    return { reason: 'input-changed', previous: previousOf(sameFunction.stored), ...argumentChange(sameFunction, args, nameOf) };
  }
  const otherFunction = closest(results.otherThan(identity), args, limit);
  if (otherFunction) {
    return {
      reason: 'function-and-input-changed',
      previous: previousOf(otherFunction.stored),
      ...functionChange(call, identity, otherFunction.lineage),
      ...argumentChange(otherFunction, args, nameOf),
    };
  }
  // Every lineage with these arguments was contradicted by its own address: none can be trusted.
  return { reason: 'no-record', withoutLineage: untraced + results.withArgs(args).length };
}

/** Of `stored` (newest first), the result whose arguments differ from `args` in the fewest positions, then the newest. */
function closest(stored: readonly StoredCall[], args: readonly Uint8Array[], limit: number): Candidate | undefined {
  let best: Candidate | undefined;
  const n = Math.min(stored.length, limit);
  for (let i = 0; i < n; i++) {
    const lineage = stored[i]!.record.lineage!;
    const changed = changedPositions(lineage.args, args);
    // No differences: a result at another address than these arguments give, so its lineage is wrong.
    if (changed.length === 0) continue;
    if (best === undefined || changed.length < best.changed.length) best = { stored: stored[i]!, lineage, changed };
    if (changed.length === 1) break; // none can be closer, and later ones are older
  }
  return best;
}

function isAddressedUnder(call: Delayed<unknown>, identity: string, cid: string): boolean {
  try {
    return callAddressUnder(identity, call.args, linkOf) === cid;
  } catch {
    return false; // not a CID: a damaged lineage
  }
}

function previousOf(stored: StoredCall): Previous {
  return { cid: stored.cid, createdAt: stored.record.createdAt };
}

function functionChange(call: Delayed<unknown>, identity: string, previous: Lineage): FunctionChange {
  return {
    identifiedBy: call.task.identity.version === undefined ? 'source' : 'version',
    identity,
    previousIdentity: previous.identity,
  };
}

function argumentChange(closest: Candidate, args: readonly Uint8Array[], nameOf: NameOf): ArgumentChange {
  const before = closest.lineage.args;
  const changed = closest.changed.map((index): ChangedArgument => {
    const was = before[index] && previewFingerprint(before[index], nameOf);
    const now = args[index] && previewFingerprint(args[index], nameOf);
    return { index, ...(was !== undefined && { before: was }), ...(now !== undefined && { after: now }) };
  });
  return before.length === args.length ? { changed } : { changed, argumentCount: { before: before.length, after: args.length } };
}
