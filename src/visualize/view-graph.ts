/**
 * The picture's model: the nodes and edges of a graph as it should be drawn.
 * Up to a limit every call is a node, labelled with its function's name and a
 * short CID; past it, calls collapse into one node per function name (with how
 * many calls it stands for and their states), so a 100,000-node graph still
 * gives a picture a person can read.
 */
import { Delayed } from '../graph/delayed.js';
import { allCalls } from '../graph/walk.js';
import type { RunSnapshot } from '../scheduler/snapshots.js';
import type { NodeState } from '../scheduler/state.js';
import { functionNameOf } from '../graph/task-function.js';

export interface ViewNode {
  readonly id: string;
  readonly label: string;
  /** The state that colours it: for a collapsed node, the most telling of its calls' states. */
  readonly state: NodeState | 'unknown';
  /** How many calls it stands for (1 unless collapsed). */
  readonly calls: number;
}

export interface ViewEdge {
  readonly from: string;
  readonly to: string;
  /** How many call-to-call edges it stands for (1 unless collapsed). */
  readonly count: number;
}

export interface ViewGraph {
  readonly nodes: readonly ViewNode[];
  readonly edges: readonly ViewEdge[];
  readonly collapsed: boolean;
}

/** A CID shortened for labels: its last 8 characters (the first ones are the same for every call). */
export function shortCid(cid: string): string {
  return cid.slice(-8);
}

/** When several states meet in one collapsed node, the one to show: failures first, then work not done. */
export const PRECEDENCE: readonly (NodeState | 'unknown')[] = ['failed', 'skipped', 'running', 'ready', 'waiting', 'unknown', 'done', 'cached'];

export function buildViewGraph(
  targets: readonly Delayed<unknown>[],
  options: { snapshot?: RunSnapshot; collapseAbove: number; returnedOf?: (cid: string) => Delayed<unknown> | undefined },
): ViewGraph {
  return viewGraphOf(allCalls(targets, options.returnedOf), options);
}

/** The same, from calls already found by `allCalls`. */
export function viewGraphOf(found: ReturnType<typeof allCalls>, options: { snapshot?: RunSnapshot; collapseAbove: number }): ViewGraph {
  const calls = new Map([...found].map(([cid, { node }]) => [cid, node]));
  const inputs = new Map([...found].map(([cid, { inputs: deps }]) => [cid, deps]));
  const stateOf = (cid: string): NodeState | 'unknown' => options.snapshot?.nodes[cid]?.state ?? 'unknown';

  if (calls.size <= options.collapseAbove) {
    const nodes = [...calls.values()].map((call) => ({
      id: call.cid,
      label: `${call.name} ${shortCid(call.cid)}`,
      state: stateOf(call.cid),
      calls: 1,
    }));
    const edges = [...inputs].flatMap(([to, deps]) => deps.map((from) => ({ from, to, count: 1 })));
    return { nodes, edges, collapsed: false };
  }

  const groups = new Map<string, { calls: number; states: Set<NodeState | 'unknown'> }>();
  for (const call of calls.values()) {
    const group = groups.get(functionName(call)) ?? { calls: 0, states: new Set() };
    group.calls++;
    group.states.add(stateOf(call.cid));
    groups.set(functionName(call), group);
  }
  const edgeCounts = new Map<string, number>();
  for (const [to, deps] of inputs) {
    for (const from of deps) {
      const key = `${functionName(calls.get(from)!)}\u0000${functionName(calls.get(to)!)}`;
      edgeCounts.set(key, (edgeCounts.get(key) ?? 0) + 1);
    }
  }
  const nodes = [...groups].map(([name, group]) => ({
    id: name,
    label: `${name} ×${group.calls}`,
    state: PRECEDENCE.find((state) => group.states.has(state)) ?? 'unknown',
    calls: group.calls,
  }));
  const edges = [...edgeCounts].map(([key, count]) => {
    const [from, to] = key.split('\u0000') as [string, string];
    return { from, to, count };
  });
  return { nodes, edges, collapsed: true };
}

/**
 * The function a call belongs to, for grouping: its function's own name, not its
 * display name (a sweep shows `simulate[temp=300,seed=1]`, which is `simulate`).
 */
export function functionName(call: Delayed<unknown>): string {
  return functionNameOf(call.task);
}

export function isDelayed(value: unknown): value is Delayed<unknown> {
  return value instanceof Delayed;
}
