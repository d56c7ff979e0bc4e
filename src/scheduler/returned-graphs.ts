/**
 * Returned graphs (graph/returned-graph.ts): a task that returned a graph, run now or
 * served from the store, follows that graph's final node (`follow` in state.ts) and
 * takes its value when it arrives. A graph that came as a description (from a worker,
 * or the store) is rebuilt first.
 */
import type { Delayed } from '../graph/delayed.js';
import { finalNode } from '../graph/gather.js';
import { rebuildGraph } from '../graph/graph-rebuild.js';
import { about, emitIf, settle, type LoopContext, type LoopEvent } from './loop-context.js';
import { refuse } from './failing.js';
import { exploreLater, forgetStored, load } from './explore.js';
import { finish, follow, nodeFor, type ReturnedCall, type TaskNode } from './state.js';
import { taskFailure } from './task-failures.js';
import type { TaskResult } from './task-result.js';

/** Build the nodes of a graph from its description (a worker's, or the store's): imports modules, so it waits. */
export function rebuild(loop: LoopContext, node: TaskNode, description: TaskResult, returned: ReturnedCall): void {
  loop.pending++;
  Promise.resolve()
    .then(() => rebuildGraph(description.value()))
    .then(
      (graph) => loop.events.push({ kind: 'rebuilt', node, returned, graph }),
      (error: unknown) => loop.events.push({ kind: 'rebuilt', node, returned, error }),
    );
}

export function rebuilt(loop: LoopContext, event: Extract<LoopEvent, { kind: 'rebuilt' }>): void {
  const { node, returned, graph } = event;
  if (loop.stopped || (node.state !== 'waiting' && node.state !== 'running')) return;
  if (returned.how === 'cached') {
    // A stored graph that no longer builds, or takes a file that changed since, is a miss: the task runs again.
    const stale = graph === undefined || graph.nodes.some((call) => call.watched.length > 0 && loop.checks.beforeRun(call) !== undefined);
    if (stale) forgetStored(loop, node);
    else followReturned(loop, node, graph.structure, returned);
    return;
  }
  if (graph !== undefined) {
    followReturned(loop, node, graph.structure, returned);
    return;
  }
  const message = event.error instanceof Error ? event.error.message : String(event.error);
  refuse(loop, node, taskFailure(node, `the graph it returned cannot be built in the main thread: ${message}`, event.error));
}

/** The node's value is that of the graph its task returned: wait for the graph's final node, exploring it if new. */
export function followReturned(loop: LoopContext, node: TaskNode, structure: unknown, returned: ReturnedCall): void {
  let final: Delayed<unknown>;
  try {
    final = finalNode(structure);
  } catch (error) {
    refuse(loop, node, taskFailure(node, `the structure it returned cannot be computed: ${(error as Error).message}`, error));
    return;
  }
  const { node: target, isNew } = nodeFor(loop.state, final);
  if (target === node) {
    refuse(loop, node, taskFailure(node, 'it returned a call of itself, whose value would wait for itself for ever', undefined));
    return;
  }
  if (!isNew && target.result === undefined && (target.state === 'done' || target.state === 'cached') && !target.record) {
    refuse(loop, node, taskFailure(node, `it returned ${target.delayed}, whose result this run has let go already (it keeps results only with a cache)`, undefined));
    return;
  }
  follow(loop.state, node, target, returned);
  emitIf(loop, () => ({ type: 'expanded', ...about(node), into: target.delayed.cid }));
  if (isNew) exploreLater(loop, [target], true);
  else if (target.result === undefined && (target.state === 'done' || target.state === 'cached')) load(loop, target);
}

/** Nodes whose returned graph has its value: they take it. False if there were none. */
export function finishForwarded(loop: LoopContext): boolean {
  const forwarded = loop.state.forwarded;
  if (forwarded.length === 0) return false;
  for (const node of forwarded.splice(0)) {
    if (node.state !== 'waiting') continue;
    const final = node.deps[0]!;
    const result = final.result!;
    const returned = node.returned!;
    // Its value is stored as the final node's: that is where to read it again.
    node.record = final.record;
    if (returned.how === 'cached') {
      loop.state.counts.cached++;
      finish(loop.state, node, result, 'cached');
    } else {
      const { durationMs, startedAt, workerId, heapUsedBytes } = returned;
      emitIf(loop, () => ({ type: 'finished', ...about(node), durationMs, startedAt, workerId, heapUsedBytes, shared: false }));
      finish(loop.state, node, result, 'done');
    }
    settle(loop, node, { kind: 'done', result });
  }
  return true;
}

/**
 * Nothing runs and nothing is awaited, yet the run is not over: only a cycle through
 * returned graphs does that (a task returned a graph that needs the task's own value).
 * Those tasks fail; false if there are none.
 */
export function failCycles(loop: LoopContext): boolean {
  let found = false;
  for (const node of loop.state.nodes.values()) {
    if (node.returned === undefined || node.state !== 'waiting') continue;
    found = true;
    refuse(loop, node, taskFailure(node, `the graph it returned (${node.deps[0]!.delayed}) needs this task's own value: a cycle`, undefined));
  }
  return found;
}
