/**
 * How much compute a stored result stands for: its own duration, and that of the distinct
 * calls below it (its inputs, their inputs, …), kept with its record when it is made so
 * that a run served from the cache can say what the cache spared without looking below.
 *
 * Distinct is the hard part. A sum of the inputs' totals counts a shared input once per
 * path to it: 24 points over one 1 s load would claim 24 s. So a record names the calls
 * below it, each with its duration, and totals are unions of those names. Naming every
 * call would make a record as large as its graph, so a record names at most
 * {@link WORK_NAMED} (the heaviest), says whether that list is complete, and says whether
 * its total is exact or only a lower bound. It stays exact along any single-input path
 * (what is below one input is all that is below) and wherever every input's list is
 * complete; elsewhere the total is the most that can be shown without double counting.
 */

/** How many of the calls below a result its record names: the heaviest. */
export const WORK_NAMED = 16;
/** The characters of a call CID that name it here: the end of its sha256 digest (60 bits). */
export const WORK_ID_LENGTH = 12;

export interface WorkBelow {
  /** Compute time of the distinct calls below the result, in ms: exact when `exact`, else a lower bound. */
  readonly ms: number;
  readonly exact: boolean;
  /** The calls named, {@link WORK_ID_LENGTH} characters each, one after another. */
  readonly ids: string;
  /** Each named call's duration, in µs, in the order of `ids`. */
  readonly us: readonly number[];
  /** `ids` names every call below (that took any time). */
  readonly complete: boolean;
}

/** Below a result stored before records said: possibly anything. */
export const UNKNOWN_BELOW: WorkBelow = Object.freeze({ ms: 0, exact: false, ids: '', us: Object.freeze([]) as readonly number[], complete: false });

/** Whether `below` says nothing is known (UNKNOWN_BELOW, or a copy of it read back). */
export function isUnknownBelow(below: WorkBelow): boolean {
  return !below.exact && below.ms === 0 && below.us.length === 0;
}

/** What serving one result spares: the call itself (when it has an id) and what is below it. */
export interface Spared {
  readonly id?: string;
  readonly ownMs: number;
  /** Undefined: nothing below (no inputs, or only ones whose results are never stored). */
  readonly below: WorkBelow | undefined;
}

export function workId(cid: string): string {
  return cid.slice(-WORK_ID_LENGTH);
}

export function totalMs(spared: Spared): number {
  return spared.ownMs + (spared.below?.ms ?? 0);
}

/** Adds each call `spared` names to `into` (id → µs), leaving ids already there. Returns the µs added. */
export function addNamed(into: Map<string, number>, spared: Spared, skip?: ReadonlySet<string>): number {
  // Every stored result runs this for each of its inputs: no closure, no array per entry.
  let added = 0;
  const own = spared.id;
  if (own !== undefined && !into.has(own) && !skip?.has(own)) {
    const us = Math.round(spared.ownMs * 1000);
    into.set(own, us);
    added += us;
  }
  const below = spared.below;
  if (below) {
    const { ids, us } = below;
    for (let i = 0; i < us.length; i++) {
      const id = ids.slice(i * WORK_ID_LENGTH, (i + 1) * WORK_ID_LENGTH);
      if (into.has(id) || skip?.has(id)) continue;
      into.set(id, us[i]!);
      added += us[i]!;
    }
  }
  return added;
}

/** What is below a call whose inputs are `inputs`, for its record. */
export function workBelow(inputs: readonly Spared[]): WorkBelow | undefined {
  if (inputs.length === 0) return undefined;
  const named = new Map<string, number>();
  let sumUs = 0;
  let complete = true;
  let largestMs = 0;
  for (const input of inputs) {
    sumUs += addNamed(named, input);
    complete &&= input.below?.complete ?? true;
    largestMs = Math.max(largestMs, totalMs(input));
  }
  const only = inputs.length === 1 ? inputs[0] : undefined;
  // Complete lists union exactly; one input's total is exact as its own; else neither the
  // sum of totals (overlaps) nor the union (unnamed calls) is the answer: take the larger bound.
  const ms = complete ? sumUs / 1000 : only ? largestMs : Math.max(sumUs / 1000, largestMs);
  const exact = complete || (only !== undefined && (only.below?.exact ?? true));
  const { ids, us } = heaviest(named);
  return { ms, exact, ids, us, complete: complete && named.size <= WORK_NAMED };
}

function heaviest(named: Map<string, number>): { ids: string; us: number[] } {
  // Joined, not concatenated: a record keeps `ids`, and a string built by += is a rope of pieces.
  const ids: string[] = [];
  const us: number[] = [];
  if (named.size <= WORK_NAMED) {
    for (const [id, micros] of named) {
      ids.push(id);
      us.push(micros);
    }
    return { ids: ids.join(''), us };
  }
  const entries = [...named].sort((a, b) => b[1] - a[1]);
  for (let i = 0; i < WORK_NAMED; i++) {
    ids.push(entries[i]![0]);
    us.push(entries[i]![1]);
  }
  return { ids: ids.join(''), us };
}

/** `value` as a WorkBelow if it is one as decoded from a record, else undefined. */
export function asWorkBelow(value: unknown): WorkBelow | undefined {
  if (!Array.isArray(value) || value.length !== 5) return undefined;
  const [ms, exact, ids, us, complete] = value as unknown[];
  if (typeof ms !== 'number' || !(ms >= 0) || typeof exact !== 'boolean' || typeof complete !== 'boolean') return undefined;
  if (typeof ids !== 'string' || !Array.isArray(us) || ids.length !== us.length * WORK_ID_LENGTH) return undefined;
  if (!us.every((n) => Number.isSafeInteger(n) && n >= 0)) return undefined;
  return { ms, exact, ids, us: us as number[], complete };
}

/** The form {@link asWorkBelow} reads: an array, small and in a fixed order. */
export function workBelowFields(below: WorkBelow): unknown[] {
  return [below.ms, below.exact, below.ids, below.us, below.complete];
}
