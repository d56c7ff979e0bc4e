/**
 * One run's graph as the dashboard keeps it coloured: every call's state, tallies
 * of states per function (the "progress by function" rows), and the state of
 * each node of the picture. The picture is the one `visualize` draws: one node
 * per call for small graphs, one per function past COLLAPSE_ABOVE calls, where
 * a collapsed node's state comes from its function's tally.
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

export class GraphStates {
  readonly #view: ViewGraph;
  /** Each call's function (a sweep's points share one), its function's tally and its state: one lookup per event. */
  readonly #calls = new Map<string, { readonly fn: string; readonly tally: Tally; state: NodeState | undefined }>();
  readonly #totals = new Map<string, number>();
  readonly #tallies = new Map<string, Tally>();
  #svg: string | undefined;

  constructor(targets: readonly Delayed<unknown>[]) {
    const found = allCalls(targets);
    for (const [cid, { node }] of found) {
      const fn = functionName(node);
      let tally = this.#tallies.get(fn);
      if (!tally) this.#tallies.set(fn, (tally = {}));
      this.#calls.set(cid, { fn, tally, state: undefined });
      this.#totals.set(fn, (this.#totals.get(fn) ?? 0) + 1);
    }
    this.#view = viewGraphOf(found, { collapseAbove: COLLAPSE_ABOVE });
  }

  /**
   * Count only these calls from now on: the ones the run looked at. Calls that
   * only cached calls need are not part of the run (the picture shows them as not
   * looked at).
   */
  lookedAt(cids: Iterable<string>): void {
    this.#totals.clear();
    for (const cid of cids) {
      const fn = this.#calls.get(cid)?.fn;
      if (fn !== undefined) this.#totals.set(fn, (this.#totals.get(fn) ?? 0) + 1);
    }
  }

  /** The function of a call (its display name may say more: a sweep's point). */
  functionOf(cid: string): string | undefined {
    return this.#calls.get(cid)?.fn;
  }

  set(cid: string, state: NodeState): void {
    const call = this.#calls.get(cid);
    if (!call) return;
    if (call.state) call.tally[call.state]!--;
    call.tally[state] = (call.tally[state] ?? 0) + 1;
    call.state = state;
  }

  /** Add this graph's rows to `rows`. */
  addRowsTo(rows: FunctionRows): void {
    for (const [name, total] of this.#totals) {
      const row = (rows[name] ??= { total: 0, states: {} });
      row.total += total;
      for (const [state, count] of Object.entries(this.#tallies.get(name) ?? {}) as [NodeState, number][]) {
        row.states[state] = (row.states[state] ?? 0) + count;
      }
    }
  }

  /** The state of each node of the picture, by its id. */
  viewStates(): Record<string, NodeState | 'unknown'> {
    const states: Record<string, NodeState | 'unknown'> = {};
    for (const node of this.#view.nodes) {
      if (!this.#view.collapsed) {
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
    this.#svg ??= toSvg(this.#view);
    return this.#svg;
  }
}
