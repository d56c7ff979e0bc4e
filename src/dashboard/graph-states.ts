/**
 * One run's graph as the dashboard keeps it coloured: every call's state, tallies
 * of states per function (the "progress by function" rows), and the state of
 * each node of the picture. The picture is the one `visualize` draws: one node
 * per call for small graphs, one per function past COLLAPSE_ABOVE calls, where
 * a collapsed node's state comes from its function's tally.
 *
 * Nothing here walks the graph while the run goes on unless a page wants the
 * picture: calls are learnt from the run's own table as their events come, and
 * the picture is laid out the first time it is asked for. Until then the
 * targets are kept (for the latest run only: the board drops older graphs).
 */
import type { Delayed } from '../graph/delayed.js';
import { allCalls } from '../graph/walk.js';
import type { NodeState } from '../scheduler/state.js';
import { toSvg } from '../visualize/svg.js';
import { PRECEDENCE, functionName, viewGraphOf, type ViewGraph } from '../visualize/view-graph.js';

const COLLAPSE_ABOVE = 200;

export type Tally = Partial<Record<NodeState, number>>;

/** Per function: how many calls the graph has, and how many are in each state. */
export type FunctionRows = Record<string, { total: number; states: Tally }>;

interface Call {
  readonly fn: string;
  readonly tally: Tally;
  state: NodeState;
}

export class GraphStates {
  #targets: readonly Delayed<unknown>[] | undefined;
  #view: ViewGraph | undefined;
  #svg: string | undefined;
  /** Where the call of a CID is found while the run goes on; dropped when it ends. */
  #callOf: ((cid: string) => Delayed<unknown> | undefined) | undefined;
  readonly #calls = new Map<string, Call>();
  readonly #tallies = new Map<string, Tally>();
  /** Calls per function the run looked at, once it has explored its graph; until then, those seen so far. */
  #totals: Map<string, number> | undefined;

  constructor(targets: readonly Delayed<unknown>[], callOf: (cid: string) => Delayed<unknown> | undefined) {
    this.#targets = targets;
    this.#callOf = callOf;
  }

  /** The run has explored its graph: these are all the calls it will count. */
  lookedAt(calls: Iterable<Delayed<unknown>>): void {
    const totals = new Map<string, number>();
    for (const call of calls) {
      const fn = functionName(call);
      totals.set(fn, (totals.get(fn) ?? 0) + 1);
    }
    this.#totals = totals;
  }

  /** The run has ended: no more events, so no more need to look calls up in it. */
  ended(): void {
    this.#callOf = undefined;
  }

  /** The function of a call (its display name may say more: a sweep's point). */
  functionOf(cid: string): string | undefined {
    return this.#calls.get(cid)?.fn;
  }

  set(cid: string, state: NodeState): void {
    let call = this.#calls.get(cid);
    if (call) {
      call.tally[call.state]!--;
    } else {
      const delayed = this.#callOf?.(cid);
      if (!delayed) return;
      const fn = functionName(delayed);
      let tally = this.#tallies.get(fn);
      if (!tally) this.#tallies.set(fn, (tally = {}));
      this.#calls.set(cid, (call = { fn, tally, state }));
    }
    call.tally[state] = (call.tally[state] ?? 0) + 1;
    call.state = state;
  }

  /** Add this graph's rows to `rows`. */
  addRowsTo(rows: FunctionRows): void {
    for (const [fn, tally] of this.#tallies) {
      const row = (rows[fn] ??= { total: 0, states: {} });
      let seen = 0;
      for (const [state, count] of Object.entries(tally) as [NodeState, number][]) {
        row.states[state] = (row.states[state] ?? 0) + count;
        seen += count;
      }
      row.total += this.#totals?.get(fn) ?? seen;
    }
    // Functions the run looked at but has not started on yet.
    for (const [fn, total] of this.#totals ?? []) if (!this.#tallies.has(fn)) (rows[fn] ??= { total: 0, states: {} }).total += total;
  }

  /** The state of each node of the picture, by its id. */
  viewStates(): Record<string, NodeState | 'unknown'> {
    const view = this.#layout();
    const states: Record<string, NodeState | 'unknown'> = {};
    for (const node of view.nodes) {
      if (!view.collapsed) {
        states[node.id] = this.#calls.get(node.id)?.state ?? 'unknown';
        continue;
      }
      const tally = this.#tallies.get(node.id) ?? {};
      const seen = Object.values(tally).reduce((sum, n) => sum + n, 0);
      const present = (state: NodeState | 'unknown') => (state === 'unknown' ? seen < node.calls : (tally[state] ?? 0) > 0);
      states[node.id] = PRECEDENCE.find(present) ?? 'unknown';
    }
    return states;
  }

  /** The picture, laid out once (its colours are the page's to change). */
  svg(): string {
    this.#svg ??= toSvg(this.#layout());
    return this.#svg;
  }

  #layout(): ViewGraph {
    if (!this.#view) {
      this.#view = viewGraphOf(allCalls(this.#targets ?? []), { collapseAbove: COLLAPSE_ABOVE });
      this.#targets = undefined;
    }
    return this.#view;
  }
}
