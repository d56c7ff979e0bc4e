/**
 * What a run's cache hits spared, as one figure: the distinct calls the served records
 * stand for (store/work-below.ts), less those this run executed anyway. It is exact when
 * every served record names all that is below it, or when one result was served and its
 * record's total is exact; otherwise it is a lower bound, and reports say "at least".
 *
 * A call this run executed is left out when a served record names it. A record that names
 * only its heaviest calls could hide a light one that also ran here, through another path;
 * such a call is then counted as spared.
 */
import { UNKNOWN_BELOW, addNamed, totalMs, workBelow, workId, type Spared } from '../store/work-below.js';
import type { ResultRecord } from '../store/store.js';
import type { TaskNode } from './state.js';

export class SparedWork {
  readonly #named = new Map<string, number>();
  readonly #ran = new Set<string>();
  /**
   * Until something is served, only the CIDs executed: a run that serves nothing (a first
   * run) then costs a push per call instead of an id and a set entry.
   */
  #ranBeforeServed: string[] | undefined = [];
  #namedUs = 0;
  #served = 0;
  #allComplete = true;
  #firstExact = true;
  #largestMs = 0;

  /** `record`, stored for `cid`, was served from the cache. */
  served(cid: string, record: ResultRecord): void {
    if (this.#ranBeforeServed) {
      for (const ran of this.#ranBeforeServed) this.#ran.add(workId(ran));
      this.#ranBeforeServed = undefined;
    }
    const spared = recordSpared(cid, record);
    this.#namedUs += addNamed(this.#named, spared, this.#ran);
    if (this.#served++ === 0) this.#firstExact = spared.below?.exact ?? true;
    this.#allComplete &&= spared.below?.complete ?? true;
    this.#largestMs = Math.max(this.#largestMs, totalMs(spared));
  }

  /** `cid` was executed by this run: whatever named it, it was not spared. */
  ran(cid: string): void {
    if (this.#ranBeforeServed) {
      this.#ranBeforeServed.push(cid);
      return;
    }
    const id = workId(cid);
    this.#ran.add(id);
    const us = this.#named.get(id);
    if (us === undefined) return;
    this.#named.delete(id);
    this.#namedUs -= us;
  }

  get ms(): number {
    return this.#allComplete ? this.#namedUs / 1000 : Math.max(this.#namedUs / 1000, this.#largestMs);
  }

  get exact(): boolean {
    return this.#allComplete || (this.#served === 1 && this.#firstExact);
  }
}

export function recordSpared(cid: string, record: ResultRecord): Spared {
  return { id: workId(cid), ownMs: record.durationMs, below: record.below };
}

/**
 * The work below `node`, for its record: its inputs as this run knows them. An input
 * without a record was either never stored (above a `cache: false` call, so never spared:
 * left out) or finished by another process (unknown below).
 */
export function workBelowNode(node: TaskNode): ReturnType<typeof workBelow> {
  const inputs: Spared[] = [];
  for (const dep of node.deps) {
    const spared = nodeSpared(dep);
    if (spared !== undefined) inputs.push(spared);
  }
  return workBelow(inputs);
}

function nodeSpared(node: TaskNode): Spared | undefined {
  const { record, returned } = node;
  if (returned !== undefined) {
    // Its value is the graph's it returned (and its record that graph's final node's):
    // what it spares is its own call, what was below that, and the graph's work.
    const graph = nodeSpared(node.deps[0]!);
    const parts: Spared[] = returned.below ? [{ ownMs: 0, below: returned.below }] : [];
    if (graph !== undefined) parts.push(graph);
    return { id: workId(node.delayed.cid), ownMs: returned.durationMs, below: workBelow(parts) };
  }
  if (record === undefined) return node.delayed.volatile || !node.delayed.task.cache ? undefined : { ownMs: 0, below: UNKNOWN_BELOW };
  return recordSpared(node.delayed.cid, record);
}
