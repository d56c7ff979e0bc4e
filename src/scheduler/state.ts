/**
 * Scheduling state of one run, and the small transitions that change it.
 *
 * Policy
 * ------
 * A run starts from its targets and walks down the graph, asking of each node
 * in turn: is some run computing it right now (join its future), is it in the
 * store (load it; do not look below it), or must it run (claim it, then ask the
 * same of its inputs)? So a cached target costs one lookup, however large the
 * graph below it.
 *
 * A node becomes ready the moment its last input is available — not level by
 * level. Ready nodes wait on a LIFO stack, as in dask's local scheduler: the
 * most recently freed work runs first, so the run goes depth-first and frees
 * intermediate results early. Each result is held only while a dependent that
 * has not finished still needs it (`holders`), or for as long as the run when
 * it is a target; a 100,000-step chain holds one or two results at a time.
 *
 * These functions do no I/O and know nothing of executors, the store or the
 * futures table: the loop does the effects and calls them (loop.ts, and the parts
 * it wires: explore.ts, dispatch.ts, complete.ts, returned-graphs.ts, failing.ts).
 *
 * A node that must run may still be in the store under its *value key*: its
 * function and its inputs' results (graph/value-key.ts). Such a node (`byValue`)
 * is not made ready when its last input arrives but put on `unlooked`, and the
 * loop looks it up before running it: identical inputs mean the stored result
 * stands (early cutoff). A node with a `cache: false` call below it
 * (`Delayed.volatile`) is never trusted by its call CID, whose inputs may return
 * something else each run: it always waits for its inputs and is looked up so.
 *
 * A task may return a graph instead of a value (graph/returned-graph.ts). Its node then
 * `follow`s the graph's final node: it waits for it as for an input, and when it arrives
 * the loop finishes the node with the same result (`forwarded`). Its own inputs are
 * released at once; the graph's nodes are explored like any others.
 *
 * Example: for t = total(load(3)), with nothing cached, the run explores t
 * (miss: inputs [load(3)]), then load(3) (miss: no inputs → ready). The loop
 * runs load(3); `finish` marks it done, t's last input arrived so t is pushed
 * on the ready stack, and load(3)'s result is released once t has finished.
 */
import type { MemographError, TaskError } from '../errors.js';
import type { Delayed } from '../graph/delayed.js';
import type { ResultRecord } from '../store/store.js';
import type { WorkBelow } from '../store/work-below.js';
import type { TaskResult } from './task-result.js';

/**
 * Where a node is in its life. `cached` means served from the store; `skipped`,
 * that it will not run because an input failed.
 */
export type NodeState = 'waiting' | 'ready' | 'running' | 'done' | 'cached' | 'failed' | 'skipped';

export interface TaskNode {
  readonly delayed: Delayed<unknown>;
  state: NodeState;
  /** Inputs are known: the node is to be computed by this run. */
  expanded: boolean;
  /** Distinct input nodes (set by `expand`). */
  deps: TaskNode[];
  /** Nodes of this run that take this one as an input. */
  dependents: TaskNode[];
  /** Inputs whose result is not available yet. */
  missing: number;
  /** Dependents that have not finished and so still need this result. */
  holders: number;
  isTarget: boolean;
  /** Available to dependents while set; dropped when no holder is left. */
  result: TaskResult | undefined;
  /** The store's record, when the node is (or was thought to be) cached. */
  record: ResultRecord | undefined;
  /** This run announced it in the futures table and must settle it. */
  claimed: boolean;
  /** This run also claimed it on the store's claim board (other processes) and must release it. */
  boardClaimed: boolean;
  /** Listed in `RunState.changed` since the last snapshot. */
  changed: boolean;
  /** Attempts that failed so far (retries). */
  attempts: number;
  /** To be looked up by its value key once its inputs are available, before it runs. */
  byValue: boolean;
  /** Its value key, once its inputs' results are known and it has one. */
  valueKey: string | undefined;
  /**
   * Set when its task returned a graph (see `follow`): its value is then that graph's,
   * its only input from then on. Says how the graph was had and what the call cost.
   */
  returned: ReturnedCall | undefined;
}

/** A call that returned a graph: run now (`done`) or rebuilt from its stored graph (`cached`), and what running it cost. */
export interface ReturnedCall {
  readonly how: 'done' | 'cached';
  readonly durationMs: number;
  readonly startedAt?: number;
  readonly workerId?: number;
  readonly heapUsedBytes?: number;
  /** What was below the call itself (its record's), before its value became the graph's. */
  readonly below?: WorkBelow;
}

export interface RunCounts {
  /** Distinct nodes this run looked at. */
  total: number;
  /** Tasks this run executed. */
  executed: number;
  /** Nodes served from the store. */
  cached: number;
  /** Calls not executed because an identical call was already in the run or running elsewhere. */
  deduplicated: number;
  /** Tasks that failed. */
  failed: number;
  /** Tasks that did not run because an input failed. */
  skipped: number;
  /** Failed attempts that were retried. */
  retried: number;
  /**
   * Compute time the cache saved, in ms: the recorded durations of the results served
   * from it and of the distinct calls below them (scheduler/spared-work.ts).
   */
  savedMs: number;
  /** `savedMs` is exact; false: it is a lower bound (records that name only part of what is below them). */
  savedExact: boolean;
  /** Nodes in each state right now. */
  states: Record<NodeState, number>;
}

export interface RunState {
  readonly nodes: Map<string, TaskNode>;
  readonly targets: TaskNode[];
  /** Ready nodes, one LIFO stack per kind of executor. */
  readonly readyOnWorkers: TaskNode[];
  readonly readyOnMain: TaskNode[];
  /** Nodes whose inputs are all available, for the loop to look up by value key (then `readyAfterLookup`). */
  readonly unlooked: TaskNode[];
  /** Nodes whose returned graph has its value: for the loop to finish them (then `finish`). */
  readonly forwarded: TaskNode[];
  readonly counts: RunCounts;
  /** Nodes whose state changed since the last snapshot (each once: see `TaskNode.changed`). */
  changed: TaskNode[];
  /** Every task failure, in the order they happened. */
  readonly failures: TaskError[];
  /** What ends the run early: the first failure under fail-fast, or an abort. Once set, nothing new starts. */
  error: MemographError | undefined;
  /** Under `continue`, a failure stops only what depends on it. */
  readonly policy: FailurePolicy;
  /** Told of every state change, when someone listens to the run's events. */
  onTransition: ((node: TaskNode, next: NodeState) => void) | undefined;
  /**
   * Keep results that are not in the store until the run ends. A run with a store
   * may need a released result again (a cached node turns out corrupt and its
   * inputs are recomputed): stored results are read back, others must be kept.
   */
  keepUnstored: boolean;
}

/**
 * Shared by every node with no inputs or no dependents yet (leaves and targets):
 * a million-node run would otherwise hold a million empty arrays. Never mutated.
 */
export const NO_NODES: TaskNode[] = Object.freeze([]) as unknown as TaskNode[];

/** What a task failure does to the rest of the run. */
export type FailurePolicy = 'fail-fast' | 'continue';

export function emptyState(policy: FailurePolicy = 'fail-fast'): RunState {
  return {
    nodes: new Map(),
    targets: [],
    readyOnWorkers: [],
    readyOnMain: [],
    unlooked: [],
    forwarded: [],
    counts: {
      total: 0,
      executed: 0,
      cached: 0,
      deduplicated: 0,
      failed: 0,
      skipped: 0,
      retried: 0,
      savedMs: 0,
      savedExact: true,
      states: { waiting: 0, ready: 0, running: 0, done: 0, cached: 0, failed: 0, skipped: 0 },
    },
    changed: [],
    failures: [],
    error: undefined,
    policy,
    onTransition: undefined,
    keepUnstored: false,
  };
}

/** The node for `delayed`, made if new. `isNew` tells the caller to classify it. */
export function nodeFor(state: RunState, delayed: Delayed<unknown>): { node: TaskNode; isNew: boolean } {
  const existing = state.nodes.get(delayed.cid);
  if (existing) return { node: existing, isNew: false };
  const node: TaskNode = {
    delayed,
    state: 'waiting',
    expanded: false,
    deps: NO_NODES,
    dependents: NO_NODES,
    missing: 0,
    holders: 0,
    isTarget: false,
    result: undefined,
    record: undefined,
    claimed: false,
    boardClaimed: false,
    changed: true,
    attempts: 0,
    byValue: false,
    valueKey: undefined,
    returned: undefined,
  };
  state.nodes.set(delayed.cid, node);
  state.counts.total++;
  state.counts.states.waiting++;
  state.changed.push(node);
  return { node, isNew: true };
}

export function setState(state: RunState, node: TaskNode, next: NodeState): void {
  if (node.state === next) return;
  state.counts.states[node.state]--;
  state.counts.states[next]++;
  node.state = next;
  state.onTransition?.(node, next);
  if (!node.changed) {
    node.changed = true;
    state.changed.push(node);
  }
}

/** The node must be computed here; `deps` are its distinct inputs. */
export function expand(state: RunState, node: TaskNode, deps: TaskNode[]): void {
  node.expanded = true;
  node.deps = deps;
  for (const dep of deps) {
    if (dep.dependents === NO_NODES) dep.dependents = [node];
    else dep.dependents.push(node);
    dep.holders++;
    if (dep.result === undefined) node.missing++;
  }
  if (node.missing === 0) makeReady(state, node);
}

function makeReady(state: RunState, node: TaskNode): void {
  if (node.returned) {
    state.forwarded.push(node);
    return;
  }
  if (node.byValue) {
    // Once: a node that is unrun or retried has been looked up already.
    node.byValue = false;
    state.unlooked.push(node);
    return;
  }
  readyAfterLookup(state, node);
}

/** The store has no result for the node's inputs' values: it runs. */
export function readyAfterLookup(state: RunState, node: TaskNode): void {
  setState(state, node, 'ready');
  pushReady(node.delayed.task.placement.kind === 'main' ? state.readyOnMain : state.readyOnWorkers, node);
}

/**
 * Ready lists are stacks taken from the end, kept in order of priority (lowest at the
 * bottom), so the next task taken is one of the highest priority. Without priorities
 * every node has 0 and this is a push.
 */
export function pushReady(ready: TaskNode[], node: TaskNode): void {
  const priority = node.delayed.task.priority;
  if (ready.length === 0 || ready[ready.length - 1]!.delayed.task.priority <= priority) {
    ready.push(node);
    return;
  }
  // Above the last node of the same or lower priority.
  let low = 0;
  let high = ready.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (ready[middle]!.delayed.task.priority <= priority) low = middle + 1;
    else high = middle;
  }
  ready.splice(low, 0, node);
}

/**
 * The node's task returned a graph, whose final node is `final`: the node waits for it,
 * as for an input, and takes its value. The inputs it ran with are let go now.
 */
export function follow(state: RunState, node: TaskNode, final: TaskNode, returned: ReturnedCall): void {
  for (const dep of node.deps) release(state, dep);
  node.returned = returned;
  node.expanded = true;
  node.deps = [final];
  node.missing = final.result === undefined ? 1 : 0;
  if (final.dependents === NO_NODES) final.dependents = [node];
  else final.dependents.push(node);
  final.holders++;
  setState(state, node, 'waiting');
  if (final.state === 'failed' || final.state === 'skipped') {
    setState(state, node, 'skipped');
    state.counts.skipped++;
    skipDependents(state, node);
  } else if (node.missing === 0) makeReady(state, node);
}

/** The node's result is available: from running it (`done`) or from the store (`cached`). */
export function finish(state: RunState, node: TaskNode, result: TaskResult, how: 'done' | 'cached'): void {
  node.result = result;
  setState(state, node, how);
  for (const dependent of node.dependents) {
    // A running dependent was fused into this node's batch and counts down too.
    if (!dependent.expanded || (dependent.state !== 'waiting' && dependent.state !== 'running')) continue;
    if (--dependent.missing === 0 && dependent.state === 'waiting') makeReady(state, dependent);
  }
  for (const dep of node.deps) release(state, dep);
  if (node.holders === 0) drop(state, node);
}

/**
 * A released result is back (read again from the store) because new dependents
 * need it. Only those dependents counted it as missing: every earlier one had
 * finished, or the result would not have been released.
 */
export function restore(state: RunState, node: TaskNode, result: TaskResult): void {
  node.result = result;
  for (const dependent of node.dependents) {
    if (dependent.expanded && dependent.state === 'waiting' && dependent.missing > 0 && --dependent.missing === 0) {
      makeReady(state, dependent);
    }
  }
}

/** A waiting task whose inputs are all available (a retry after its delay) is ready again. */
export function makeReadyAgain(state: RunState, node: TaskNode): void {
  if (node.missing === 0) makeReady(state, node);
}

/**
 * A task sent in a fused batch did not run, because an input from earlier in the
 * batch failed or was not run: it waits again for whatever it still lacks.
 */
export function unrun(state: RunState, node: TaskNode): void {
  setState(state, node, 'waiting');
  if (node.deps.some((dep) => dep.state === 'failed' || dep.state === 'skipped')) {
    setState(state, node, 'skipped');
    state.counts.skipped++;
    skipDependents(state, node);
    return;
  }
  node.missing = node.deps.filter((dep) => dep.result === undefined).length;
  if (node.missing === 0) makeReady(state, node);
}

/** One dependent of `node` has finished with it. */
export function release(state: RunState, node: TaskNode): void {
  if (--node.holders === 0) drop(state, node);
}

/** No dependent needs the result any more: let it go, unless the run must keep it. */
function drop(state: RunState, node: TaskNode): void {
  if (node.isTarget || (state.keepUnstored && node.record === undefined)) return;
  node.result = undefined;
}

/** The task failed: so will everything waiting on it, without running. */
export function fail(state: RunState, node: TaskNode, error: TaskError): void {
  setState(state, node, 'failed');
  state.counts.failed++;
  state.failures.push(error);
  if (state.policy === 'fail-fast') state.error ??= error;
  skipDependents(state, node);
}

function skipDependents(state: RunState, node: TaskNode): void {
  const stack = [node];
  while (stack.length > 0) {
    for (const dependent of stack.pop()!.dependents) {
      if (!dependent.expanded || dependent.state !== 'waiting') continue;
      setState(state, dependent, 'skipped');
      state.counts.skipped++;
      stack.push(dependent);
    }
  }
}

/** Every target has its value, or will never have one. */
export function targetsSettled(state: RunState): boolean {
  return state.targets.every((t) => t.result !== undefined || t.state === 'failed' || t.state === 'skipped');
}
