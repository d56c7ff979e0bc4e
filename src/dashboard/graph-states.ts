/**
 * One run's graph as the dashboard shows it: tallies of states per function (the
 * "progress by function" rows), and the state of each node of the picture. The
 * picture is the one `visualize` draws: one node per call for small graphs, one
 * per function past COLLAPSE_ABOVE calls, where a collapsed node's state comes
 * from its function's tally.
 *
 * While the run goes on, states are read from the run's own node table when an
 * update is built (refresh), never kept call by call here: mirroring them cost a
 * map lookup per event, most of what watching a run of tiny tasks cost. When the
 * run ends its tallies are kept, and each call's state only if the graph is
 * small enough to be drawn call by call. Nothing walks the latest run's graph
 * unless a page wants the picture; until then its targets are kept. An earlier
 * run's are not (they may hold large arguments, and the board keeps many runs):
 * once the run is no longer the latest and has ended, its picture is laid out
 * then if its graph is small, and otherwise given up (see superseded).
 */
import type { Delayed } from '../graph/delayed.js';
import { allCalls } from '../graph/walk.js';
import type { NodeState } from '../scheduler/state.js';
import { toSvg } from '../visualize/svg.js';
import { PRECEDENCE, functionName, viewGraphOf, type ViewGraph } from '../visualize/view-graph.js';
import { callDetail, type CallDetail } from './task-detail.js';

const COLLAPSE_ABOVE = 200;
/**
 * An earlier run's picture is laid out when it stops being the latest only if its graph
 * has at most this many calls: a walk of that many takes a few milliseconds, paid by
 * the run that starts. Laying out 100,000 calls costs a noticeable share of running
 * them, and would be paid by every run with no page open; such a run's picture is
 * given up instead (collapsed by function, its rows say much the same).
 */
const PICTURE_CALLS_KEEP = 10_000;

export type Tally = Partial<Record<NodeState, number>>;

/** Per function: how many calls the graph has, and how many are in each state. */
export type FunctionRows = Record<string, { total: number; states: Tally }>;

/** What is read of a run while it goes on: the calls it has looked at, with their states. */
export interface RunNodes {
  nodes(): Iterable<{ readonly delayed: Delayed<unknown>; readonly state: NodeState }>;
  stateOf(cid: string): NodeState | undefined;
  callOf(cid: string): Delayed<unknown> | undefined;
  /** For a call whose task returned a graph: that graph's final node. */
  returnedInto(cid: string): Delayed<unknown> | undefined;
}

export class GraphStates {
  #targets: readonly Delayed<unknown>[] | undefined;
  #view: ViewGraph | undefined;
  #svg: string | undefined;
  /** The run, while it goes on; dropped when it ends, so that the board does not keep it. */
  #run: RunNodes | undefined;
  /** Per function, how many of the calls the run looked at are in each state, as of the latest refresh. */
  #tallies = new Map<string, Tally>();
  /** Each call's state when the run ended, for a graph small enough to be drawn call by call. */
  #final: Map<string, NodeState> | undefined;
  /** And what a task's detail tells of each of those calls. */
  #details: Map<string, CallDetail> | undefined;
  /** Tasks that returned graphs so far: the picture changes with each, and says so by this number. */
  #expansions = 0;
  /** The targets, kept while the run goes on if a task returned a graph (the picture is laid out again). */
  #kept: readonly Delayed<unknown>[] | undefined;
  /** A newer run has started: this picture is laid out once the run has ended, or given up. */
  #superseded = false;
  #pictureGivenUp = false;

  constructor(targets: readonly Delayed<unknown>[], run: RunNodes) {
    this.#targets = targets;
    this.#run = run;
  }

  /** Count the run's states afresh: once per update sent, not once per event. */
  refresh(): void {
    if (!this.#run) return;
    const tallies = new Map<string, Tally>();
    for (const { delayed, state } of this.#run.nodes()) {
      const fn = functionName(delayed);
      let tally = tallies.get(fn);
      if (!tally) tallies.set(fn, (tally = {}));
      tally[state] = (tally[state] ?? 0) + 1;
    }
    this.#tallies = tallies;
  }

  /** A task returned a graph: the picture is laid out again, with it, when next asked for. */
  expanded(): void {
    if (!this.#run) return;
    this.#expansions++;
    this.#kept ??= this.#targets;
    this.#targets = this.#kept;
    this.#view = undefined;
    this.#svg = undefined;
  }

  /** Changes when the picture does (a task returned a graph). */
  get version(): number {
    return this.#expansions;
  }

  /** The run has ended: keep what it showed, and let it go. */
  ended(): void {
    const run = this.#run;
    if (!run) return;
    // The graphs tasks returned are known only to the run: lay the picture out while it is here.
    if (this.#expansions > 0) this.#layout();
    this.#kept = undefined;
    this.refresh();
    let looked = 0;
    for (const tally of this.#tallies.values()) looked += sum(tally);
    // A picture drawn call by call has at most COLLAPSE_ABOVE calls, so at most that many looked at.
    if (looked <= COLLAPSE_ABOVE) {
      const nodes = [...run.nodes()];
      this.#final = new Map(nodes.map(({ delayed, state }) => [delayed.cid, state]));
      // Previews, not the calls: a call's arguments may be large data the board must not keep.
      this.#details = new Map(nodes.map(({ delayed }) => [delayed.cid, callDetail(delayed)]));
    }
    this.#run = undefined;
    if (this.#superseded) this.#settlePicture();
  }

  /** A newer run has started: this one's picture is no longer the one a page most likely asks for. */
  superseded(): void {
    this.#superseded = true;
    if (!this.#run) this.#settlePicture();
  }

  /** Lay the picture out now, while the calls are at hand, if that is cheap; otherwise let them go. */
  #settlePicture(): void {
    if (this.#view || !this.#targets) return;
    if (hasAtMost(this.#targets, PICTURE_CALLS_KEEP)) this.#layout();
    else {
      this.#targets = undefined;
      this.#pictureGivenUp = true;
    }
  }

  /** False once the picture was given up (a large graph of an earlier run that no page had asked to see). */
  get pictureKept(): boolean {
    return !this.#pictureGivenUp;
  }

  /** A call's function, point and arguments in brief: while the run goes on, and after it for a graph drawn call by call. */
  detailOf(cid: string): CallDetail | undefined {
    const call = this.#run?.callOf(cid);
    return call ? callDetail(call) : this.#details?.get(cid);
  }

  /** The function of a call of the going run (its display name may say more: a sweep's point). */
  functionOf(cid: string): string | undefined {
    const call = this.#run?.callOf(cid);
    return call && functionName(call);
  }

  /** Add this graph's rows, as of the latest refresh, to `rows`. */
  addRowsTo(rows: FunctionRows): void {
    for (const [fn, tally] of this.#tallies) {
      const row = (rows[fn] ??= { total: 0, states: {} });
      for (const [state, count] of Object.entries(tally) as [NodeState, number][]) row.states[state] = (row.states[state] ?? 0) + count;
      row.total += sum(tally);
    }
  }

  /** The state of each node of the picture, by its id, as of the latest refresh for collapsed nodes. */
  viewStates(): Record<string, NodeState | 'unknown'> {
    const view = this.#layout();
    const states: Record<string, NodeState | 'unknown'> = {};
    for (const node of view.nodes) {
      if (!view.collapsed) {
        states[node.id] = (this.#run ? this.#run.stateOf(node.id) : this.#final?.get(node.id)) ?? 'unknown';
        continue;
      }
      const tally = this.#tallies.get(node.id) ?? {};
      const looked = sum(tally);
      const present = (state: NodeState | 'unknown') => (state === 'unknown' ? looked < node.calls : (tally[state] ?? 0) > 0);
      states[node.id] = PRECEDENCE.find(present) ?? 'unknown';
    }
    return states;
  }

  /** The picture, laid out once (its colours are the page's to change); undefined if it was given up. */
  svg(): string | undefined {
    if (this.#pictureGivenUp) return undefined;
    this.#svg ??= toSvg(this.#layout());
    return this.#svg;
  }

  #layout(): ViewGraph {
    if (!this.#view) {
      const run = this.#run;
      this.#view = viewGraphOf(allCalls(this.#targets ?? [], run && ((cid) => run.returnedInto(cid))), { collapseAbove: COLLAPSE_ABOVE });
      this.#targets = undefined;
    }
    return this.#view;
  }
}

/**
 * Whether the graph below `targets` has at most `limit` calls: a walk that stops as soon as
 * it has met one more (a call is counted when first met, so one with 100,000 inputs stops it there).
 */
function hasAtMost(targets: readonly Delayed<unknown>[], limit: number): boolean {
  const seen = new Set(targets.map((target) => target.cid));
  const stack = [...targets];
  while (stack.length > 0 && seen.size <= limit) {
    for (const link of stack.pop()!.links) {
      const dep = link.node as Delayed<unknown>;
      if (seen.has(dep.cid)) continue;
      seen.add(dep.cid);
      if (seen.size > limit) return false;
      stack.push(dep);
    }
  }
  return seen.size <= limit;
}

function sum(tally: Tally): number {
  let total = 0;
  for (const count of Object.values(tally)) total += count;
  return total;
}
