/**
 * Completing: what comes back for a node is applied. An executor's outcome is stored
 * (store-result.ts) and finishes the node, fails it (failing.ts), or, when the task
 * returned a graph, has it follow that graph (returned-graphs.ts); a result read from
 * the store, or one another run computed, finishes it without running. The
 * transitions themselves (`finish`, `fail`, `unrun`, ...) are state.ts's.
 */
import type { Outcome } from '../executors/executor.js';
import { restoreDeclared } from '../files/declared-outputs.js';
import { lineageOf } from '../graph/lineage.js';
import { describableGraph } from '../graph/graph-description.js';
import { GRAPH_ENCODING, VALUE_ENCODING, type RecordEncoding, type Store } from '../store/store.js';
import { leanCopy, withLineage } from '../store/record-codec.js';
import { recordDuration } from './batching.js';
import type { Settlement } from './futures.js';
import { about, emitIf, settle, type LoopContext } from './loop-context.js';
import { failNode, refuse } from './failing.js';
import { giveBack } from './dispatch.js';
import { followReturned, rebuild } from './returned-graphs.js';
import { forgetStored, reclassify, valueKeyInRun } from './explore.js';
import { fail, finish, restore, setState, unrun, type ReturnedCall, type TaskNode } from './state.js';
import { TaskResult } from './task-result.js';
import { storeResult } from './store-result.js';
import { executorFailure, unstorable } from './task-failures.js';

export function complete(loop: LoopContext, node: TaskNode, outcome: Outcome): void {
  giveBack(loop, node);
  loop.stats.stopped(node);
  if (!outcome.ok && outcome.error === undefined) {
    unrun(loop.state, node);
    // After the run has stopped nobody will start it again: let waiters have it.
    if (loop.stopped) settle(loop, node, { kind: 'abandoned' });
    return;
  }
  // Only a success says what a call of this function costs: a call that fails at once
  // (a bad parameter) would make the rest look tiny and pile them into one batch.
  if (outcome.ok) recordDuration(node.delayed.task.durations, outcome.durationMs);
  if (!outcome.ok) {
    const { workerId, durationMs, startedAt } = outcome;
    const ran = workerId === undefined ? undefined : { workerId, durationMs, startedAt };
    failNode(loop, node, outcome.error, ran);
    return;
  }
  if (outcome.returned) {
    graphReturned(loop, node, outcome);
    return;
  }
  const { result } = outcome;
  const store = node.delayed.task.cache ? loop.store : undefined;
  const needsBytes = store !== undefined || node.dependents.some((d) => d.delayed.task.placement.kind !== 'main');
  if (needsBytes) {
    try {
      result.bytes();
    } catch (error) {
      failNode(loop, node, unstorable(node, error));
      return;
    }
  }
  if (store && !storeOrFail(loop, store, node, result, outcome.durationMs, VALUE_ENCODING)) return;
  loop.state.counts.executed++;
  loop.stats.executed(node, outcome.durationMs, outcome.heapUsedBytes);
  if (loop.store) ranAnyway(loop, node);
  emitIf(loop, () => ({
    type: 'finished',
    cid: node.delayed.cid,
    name: node.delayed.task.name,
    at: Date.now(),
    durationMs: outcome.durationMs,
    startedAt: outcome.startedAt,
    workerId: outcome.workerId,
    heapUsedBytes: outcome.heapUsedBytes,
    shared: false,
  }));
  finish(loop.state, node, result, 'done');
  settle(loop, node, { kind: 'done', result });
}

/** The executor itself broke (its `run` rejected; a task's own failure is an outcome): every task of the batch failed this attempt. */
export function executorBroke(loop: LoopContext, batch: readonly TaskNode[], error: unknown): void {
  for (const node of batch) {
    giveBack(loop, node);
    loop.stats.stopped(node);
    failNode(loop, node, executorFailure(node, error));
  }
}

/**
 * Store what a task gave (its value, or the graph it returned): false when the node
 * failed instead (an input file changed while it ran, its output files are missing).
 */
function storeOrFail(loop: LoopContext, store: Store, node: TaskNode, result: TaskResult, durationMs: number, encoding: RecordEncoding): boolean {
  const refused = storeResult(store, node, result, durationMs, encoding, loop.checks, (n) => valueKeyInRun(loop, n));
  if (refused === undefined) return true;
  if (refused.retry) failNode(loop, node, refused.error);
  else refuse(loop, node, refused.error);
  return false;
}

/** The task returned a graph: store it as the task's result, and compute it (graph/returned-graph.ts). */
function graphReturned(loop: LoopContext, node: TaskNode, outcome: Extract<Outcome, { returned: object }>): void {
  const { structure } = outcome.returned;
  const store = node.delayed.task.cache ? loop.store : undefined;
  // A main-thread graph is described only to be stored; one that calls main-thread functions cannot be, and is not.
  let description = outcome.returned.description;
  if (store && structure !== undefined && description === undefined) {
    const described = describableGraph(structure);
    description = described && TaskResult.fromValue(described);
  }
  if (store && description) {
    try {
      description.bytes();
    } catch (error) {
      failNode(loop, node, unstorable(node, error));
      return;
    }
    if (!storeOrFail(loop, store, node, description, outcome.durationMs, GRAPH_ENCODING)) return;
  }
  loop.state.counts.executed++;
  loop.stats.executed(node, outcome.durationMs, outcome.heapUsedBytes);
  if (loop.store) ranAnyway(loop, node);
  const { durationMs, startedAt, workerId, heapUsedBytes } = outcome;
  const returned: ReturnedCall = { how: 'done', durationMs, startedAt, workerId, heapUsedBytes, below: node.record?.below };
  if (structure !== undefined) followReturned(loop, node, structure, returned);
  else rebuild(loop, node, description!, returned);
}

// ---- results had without running: from the store, or from another run ----------

export function loaded(loop: LoopContext, node: TaskNode, bytes: Uint8Array | undefined): void {
  if (bytes) {
    const result = TaskResult.fromBytes(bytes, node.record!.resultCid);
    if (node.state === 'done' || node.state === 'cached') {
      restore(loop.state, node, result);
      return;
    }
    const reinstate = node.delayed.task.onCacheHit;
    const outputs = node.record!.outputs;
    const store = loop.store!;
    if (!reinstate && !outputs) {
      servedFromCache(loop, node, result);
      return;
    }
    // The task has effects outside its value (files it wrote): put them back first.
    loop.pending++;
    Promise.resolve()
      .then(async () => {
        if (outputs && !(await restoreDeclared(store, outputs))) throw new Error('stored output bytes are missing');
        await reinstate?.(result.value());
      })
      .then(
        () => loop.events.push({ kind: 'reinstated', node, result }),
        () => loop.events.push({ kind: 'reinstated', node, result: undefined }),
      );
    return;
  }
  forgetStored(loop, node);
}

export function servedFromCache(loop: LoopContext, node: TaskNode, result: TaskResult): void {
  // A node found after it expanded was found by its value key.
  const byValue = node.expanded;
  loop.store?.markUsed?.(byValue ? node.valueKey! : node.delayed.cid);
  if (byValue && !node.delayed.volatile && loop.store) {
    // Its call CID names this result now (its inputs are what their CIDs say): the next run finds it at once.
    const lineage = lineageOf(node.delayed);
    loop.store.putResult(node.delayed.cid, lineage ? withLineage(node.record!, lineage) : leanCopy(node.record!), result.bytes());
  }
  if (node.record) {
    loop.spared.served(node.delayed.cid, node.record);
    countSaved(loop);
  }
  if (node.record?.encoding === GRAPH_ENCODING) {
    // The task returned a graph: rebuild it, and take its value (as cached) when it has one.
    rebuild(loop, node, result, { how: 'cached', durationMs: node.record.durationMs, below: node.record.below });
    return;
  }
  loop.state.counts.cached++;
  finish(loop.state, node, result, 'cached');
  settle(loop, node, { kind: 'done', result });
}

export function joined(loop: LoopContext, node: TaskNode, settlement: Settlement): void {
  if (settlement.kind === 'done') {
    emitIf(loop, () => ({ type: 'finished', ...about(node), durationMs: 0, shared: true }));
    finish(loop.state, node, settlement.result, 'done');
  }
  else if (settlement.kind === 'failed') fail(loop.state, node, settlement.error);
  else {
    setState(loop.state, node, 'waiting');
    reclassify(loop, node);
  }
}

/** `node` ran in this run: whatever a served record says, it was not spared. */
function ranAnyway(loop: LoopContext, node: TaskNode): void {
  loop.spared.ran(node.delayed.cid);
  countSaved(loop);
}

function countSaved(loop: LoopContext): void {
  loop.state.counts.savedMs = loop.spared.ms;
  loop.state.counts.savedExact = loop.spared.exact;
}
