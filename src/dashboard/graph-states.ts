/**
 * The dashboard's graph, kept coloured as the run goes: every call's state,
 * tallies of states per function (the "progress per function" rows), and the
 * state of each node of the picture. The picture is the one `visualize` draws:
 * one node per call for small graphs, one per function name past
 * COLLAPSE_ABOVE calls, so a collapsed node's state comes from its function's
 * tally and nothing here grows with more than the number of calls.
 */
import type { Delayed } from '../graph/delayed.js';
import { allCalls } from '../graph/walk.js';
import type { NodeState } from '../scheduler/state.js';
import { toSvg } from '../visualize/svg.js';
import { PRECEDENCE, viewGraphOf, type ViewGraph } from '../visualize/view-graph.js';

const COLLAPSE_ABOVE = 200;

type Tally = Partial<Record<NodeState, number>>;

export class GraphStates {
  readonly #view: ViewGraph;
  /** Calls per function name in the whole graph (a run may look at fewer: cached nodes hide what is below them). */
  readonly #totals = new Map<string, number>();
  readonly #states = new Map<string, NodeState>();
  readonly #tallies = new Map<string, Tally>();
  #svg: string | undefined;

  constructor(targets: readonly Delayed<unknown>[]) {
    const found = allCalls(targets);
    for (const { node } of found.values()) this.#totals.set(node.name, (this.#totals.get(node.name) ?? 0) + 1);
    this.#view = viewGraphOf(found, { collapseAbove: COLLAPSE_ABOVE });
  }

  set(cid: string, name: string, state: NodeState): void {
    const tally = this.#tallies.get(name) ?? {};
    const before = this.#states.get(cid);
    if (before) tally[before] = (tally[before] ?? 1) - 1;
    tally[state] = (tally[state] ?? 0) + 1;
    this.#tallies.set(name, tally);
    this.#states.set(cid, state);
  }

  /** Per function name: how many calls the graph has, and how many are in each state. */
  functions(): Record<string, { total: number; states: Tally }> {
    const rows: Record<string, { total: number; states: Tally }> = {};
    for (const [name, total] of this.#totals) rows[name] = { total, states: { ...this.#tallies.get(name) } };
    return rows;
  }

  /** The state of each node of the picture, by its id. */
  viewStates(): Record<string, NodeState | 'unknown'> {
    const states: Record<string, NodeState | 'unknown'> = {};
    for (const node of this.#view.nodes) {
      if (!this.#view.collapsed) {
        states[node.id] = this.#states.get(node.id) ?? 'unknown';
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
