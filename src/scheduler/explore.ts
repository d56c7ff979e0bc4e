/**
 * Exploring: each node the run reaches is classified (state.ts explains the policy):
 * joined to another run's future, loaded from the store, or claimed and expanded into
 * its inputs, which are classified next. A node whose inputs are all available and that
 * may be stored under its value key is looked up by it here too, before it runs.
 */
import type { Delayed } from '../graph/delayed.js';
import { valueKeyOf } from '../graph/value-key.js';
import { withoutLineage } from '../store/record-codec.js';
import type { ResultRecord } from '../store/store.js';
import { claimFuture, pendingFuture } from './futures.js';
import type { LoopContext } from './loop-context.js';
import { refuse } from './failing.js';
import { NO_NODES, expand, nodeFor, readyAfterLookup, setState, type TaskNode } from './state.js';
import { taskFailure } from './task-failures.js';

/** Value-key lookups of fewer nodes than this are made one by one, synchronously. */
const SYNC_LOOKUPS_BELOW = 32;

/**
 * Classify each new node, breadth-first: join a future, load from the store, or
 * expand into its inputs (which are classified next). Awaits only when the store
 * cannot answer synchronously.
 */
export async function explore(loop: LoopContext, frontier: TaskNode[], lookInStore: boolean): Promise<void> {
  const store = loop.store;
  while (frontier.length > 0) {
    let records: (ResultRecord | undefined)[] | undefined;
    if (store && lookInStore) {
      records = store.getRecordSync
        ? frontier.map((node) => (byCall(node) ? store.getRecordSync!(node.delayed.cid) : undefined))
        : await store.getRecords(frontier.map((node) => node.delayed.cid));
    }
    const next: TaskNode[] = [];
    const unclaimed: TaskNode[] = [];
    frontier.forEach((node, i) => classify(loop, node, byCall(node) ? records?.[i] : undefined, next, unclaimed));
    if (unclaimed.length > 0) await claimOnBoard(loop, unclaimed, next);
    frontier = next;
    lookInStore = true;
  }
}

/**
 * `unclaimed` collects the nodes to claim on the store's claim board (other processes
 * share the store) before they are expanded; without a board they are expanded here.
 */
function classify(loop: LoopContext, node: TaskNode, record: ResultRecord | undefined, discovered: TaskNode[], unclaimed: TaskNode[]): void {
  const cid = node.delayed.cid;
  // Before the CID is trusted for anything: the cache, the futures table, a run.
  const changed = node.delayed.watched.length > 0 ? loop.checks.beforeRun(node.delayed) : undefined;
  if (changed !== undefined) {
    refuse(loop, node, taskFailure(node, changed, undefined));
    return;
  }
  if (record !== undefined && !isFresh(node, record)) record = undefined;
  // A node this run already claimed (it waited for another process) is its own future.
  const future = node.claimed ? undefined : pendingFuture(cid);
  if (future) {
    loop.state.counts.deduplicated++;
    setState(loop.state, node, 'running');
    loop.pending++;
    void future.then((settlement) => loop.events.push({ kind: 'joined', node, settlement }));
    return;
  }
  if (record) {
    // Lineage serves `memograph explain`, not the run: do not hold it for every cached node.
    node.record = withoutLineage(record);
    load(loop, node);
    return;
  }
  if (!node.claimed) {
    claimFuture(cid);
    node.claimed = true;
  }
  // The board answers by call CID, which does not name a volatile node's result.
  if (loop.store?.claims && byCall(node)) {
    unclaimed.push(node);
    return;
  }
  expandClaimed(loop, node, discovered);
}

/**
 * Ask the claim board about nodes this run would compute: compute the ones no other
 * process computes, load the ones stored meanwhile, wait for the others' holders.
 */
async function claimOnBoard(loop: LoopContext, nodes: TaskNode[], discovered: TaskNode[]): Promise<void> {
  const board = loop.store!.claims!;
  const pending = board.claim(nodes.map((node) => node.delayed.cid));
  const answers = Array.isArray(pending) ? pending : await pending;
  nodes.forEach((node, i) => {
    const answer = answers[i]!;
    if (loop.stopped) {
      if (answer.kind === 'mine') board.release([node.delayed.cid]);
      return;
    }
    if (answer.kind === 'mine') {
      node.boardClaimed = true;
      expandClaimed(loop, node, discovered);
    } else if (answer.kind === 'stored' && !isFresh(node, answer.record)) {
      // Stored, but stale for this function: compute it (without a claim, as nobody else will).
      expandClaimed(loop, node, discovered);
    } else if (answer.kind === 'stored') {
      node.record = withoutLineage(answer.record);
      load(loop, node);
    } else {
      // It stays waiting, as for its inputs; when the holder lets go, look again.
      loop.pending++;
      loop.holders.waiting(node, answer.holder);
      void answer.settled.then(() => loop.events.push({ kind: 'released', node }));
    }
  });
}

function expandClaimed(loop: LoopContext, node: TaskNode, discovered: TaskNode[]): void {
  // Its inputs may return what they returned before though their CIDs changed (their code
  // did) or they ran again (a volatile node, never trusted by its call CID). Without inputs,
  // its value key would say no more than its call CID, which missed.
  node.byValue = loop.store !== undefined && node.delayed.task.cache && node.delayed.links.length > 0;
  expand(loop.state, node, inputsOf(loop, node, discovered));
  for (const dep of node.deps) {
    // A result already released by this run is needed again (a cached node turned
    // out corrupt and its inputs are being recomputed): read it back from the store.
    if (dep.result === undefined && (dep.state === 'done' || dep.state === 'cached')) load(loop, dep);
  }
}

/** Distinct input nodes of `node`; new ones are appended to `discovered`. */
function inputsOf(loop: LoopContext, node: TaskNode, discovered: TaskNode[]): TaskNode[] {
  const links = node.delayed.links;
  if (links.length === 0) return NO_NODES;
  const deps: TaskNode[] = [];
  const seen = links.length > 1 ? new Set<TaskNode>() : undefined;
  for (const link of links) {
    const instance = link.node as Delayed<unknown>;
    const { node: dep, isNew } = nodeFor(loop.state, instance);
    if (isNew) discovered.push(dep);
    else if (dep.delayed !== instance && !loop.duplicates.has(instance)) {
      loop.duplicates.add(instance);
      loop.state.counts.deduplicated++;
    }
    if (seen === undefined) deps.push(dep);
    else if (!seen.has(dep)) {
      seen.add(dep);
      deps.push(dep);
    }
  }
  return deps;
}

export function load(loop: LoopContext, node: TaskNode): void {
  const store = loop.store;
  if (!store || !node.record) throw new Error(`internal: ${node.delayed} has no stored result to load`);
  loop.pending++;
  store.getBytes(node.record.resultCid).then(
    (bytes) => loop.events.push({ kind: 'loaded', node, bytes }),
    () => loop.events.push({ kind: 'loaded', node, bytes: undefined }),
  );
}

export function exploreLater(loop: LoopContext, frontier: TaskNode[], lookInStore: boolean, claim: TaskNode[] = []): void {
  loop.pending++;
  (claim.length > 0 ? claimOnBoard(loop, claim, frontier) : Promise.resolve())
    .then(() => explore(loop, frontier, lookInStore))
    .then(
      () => loop.events.push({ kind: 'explored' }),
      (error: unknown) => loop.events.push({ kind: 'explored', error }),
    );
}

/** The other process that held `node`'s claim let go of it: look again, unless the run is over. */
export function released(loop: LoopContext, node: TaskNode): void {
  loop.holders.done(node);
  if (!loop.stopped && node.state === 'waiting') exploreLater(loop, [node], true);
}

/** Classify `node` again, without the store, and explore whatever inputs that reveals. */
export function reclassify(loop: LoopContext, node: TaskNode): void {
  const discovered: TaskNode[] = [];
  const unclaimed: TaskNode[] = [];
  classify(loop, node, undefined, discovered, unclaimed);
  if (discovered.length > 0 || unclaimed.length > 0) exploreLater(loop, discovered, true, unclaimed);
}

/** The record points at bytes that are missing or corrupt (or effects that cannot be put back): compute. */
export function forgetStored(loop: LoopContext, node: TaskNode): void {
  if (node.expanded) {
    // Found by its value key, with its inputs at hand: run it.
    if (node.valueKey === undefined || node.state !== 'waiting') throw new Error(`internal: stored result of ${node.delayed} vanished while in use`);
    void loop.store?.deleteRecord(node.valueKey).catch(() => undefined);
    node.record = undefined;
    readyAfterLookup(loop.state, node);
    return;
  }
  void loop.store?.deleteRecord(node.delayed.cid).catch(() => undefined);
  node.record = undefined;
  reclassify(loop, node);
}

// ---- looking up by value -----------------------------------------------------

/** Look up the nodes whose inputs just became available by their value keys; those not found run. */
export function lookUpByValue(loop: LoopContext): void {
  const unlooked = loop.state.unlooked;
  if (unlooked.length === 0) return;
  const nodes = unlooked.splice(0);
  const store = loop.store!;
  for (const node of nodes) node.valueKey = valueKeyInRun(loop, node);
  // Many at once are cheaper as one read of them all than as a read each.
  if (store.getRecordSync && nodes.length < SYNC_LOOKUPS_BELOW) {
    for (const node of nodes) lookedUp(loop, node, node.valueKey === undefined ? undefined : store.getRecordSync(node.valueKey));
    return;
  }
  const keyed = nodes.filter((node) => node.valueKey !== undefined);
  for (const node of nodes) if (node.valueKey === undefined) lookedUp(loop, node, undefined);
  if (keyed.length === 0) return;
  loop.pending++;
  store.getRecords(keyed.map((node) => node.valueKey!)).then(
    (records) => loop.events.push({ kind: 'looked-up', nodes: keyed, records }),
    () => loop.events.push({ kind: 'looked-up', nodes: keyed, records: [] }),
  );
}

export function lookedUp(loop: LoopContext, node: TaskNode, record: ResultRecord | undefined): void {
  if (record === undefined) {
    readyAfterLookup(loop.state, node);
    return;
  }
  node.record = withoutLineage(record);
  load(loop, node);
}

/** `node`'s value key from its inputs' results in this run; undefined when one has none. */
export function valueKeyInRun(loop: LoopContext, node: TaskNode): string | undefined {
  return valueKeyOf(node.delayed, (input) => {
    const result = loop.state.nodes.get(input.cid)?.result;
    if (result === undefined) return undefined;
    try {
      return result.resultCid();
    } catch {
      return undefined; // a main-thread value that cannot be encoded
    }
  });
}

/** Whether a stored result may be served for `node` (its function's expiresAfterMs and validate); a validate that throws says no. */
function isFresh(node: TaskNode, record: ResultRecord): boolean {
  const fresh = node.delayed.task.fresh;
  if (fresh === undefined) return true;
  try {
    return fresh(record);
  } catch {
    return false;
  }
}

/** Whether the store's record under `node`'s call CID, if any, is its result. */
function byCall(node: TaskNode): boolean {
  return node.delayed.task.cache && !node.delayed.volatile;
}
