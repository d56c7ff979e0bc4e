/**
 * Dispatching: ready nodes leave their lane's stack (highest priority first, see
 * `pushReady` in state.ts) in batches (batching.ts) for their executor, while it has
 * free slots and the resources they declare are free; a node whose resources are
 * taken is parked until a task gives some back.
 */
import type { Delayed } from '../graph/delayed.js';
import type { ExecutableTask, Executor, Outcome, ProgressListener, TaskInput } from '../executors/executor.js';
import { templateOf } from '../graph/fill-inputs.js';
import { QUEUED_PER_SLOT, nextIsShort, takeBatch } from './batching.js';
import { about, emitIf, type Lane, type LoopContext } from './loop-context.js';
import { refuse } from './failing.js';
import { pushReady, setState, type TaskNode } from './state.js';
import { staleness, taskFailure } from './task-failures.js';

export function inFlight(loop: LoopContext): number {
  return loop.lanes[0].inFlight + loop.lanes[1].inFlight;
}

export function dispatch(loop: LoopContext): void {
  for (const lane of loop.lanes) {
    while (lane.ready.length > 0 && !loop.state.error) {
      const top = lane.ready[lane.ready.length - 1]!;
      const need = top.delayed.task.resources;
      const verdict = need && loop.resources.verdict(need);
      if (verdict !== undefined && verdict !== 'ok') {
        lane.ready.pop();
        if (verdict === 'busy') loop.parked.push(top);
        else refuse(loop, top, taskFailure(top, verdict, undefined));
        continue;
      }
      const executor = lane.executor(top);
      watchSlots(loop, executor);
      const free = executor.slots - lane.inFlight;
      const queueable = nextIsShort(lane.ready) && timeoutOf(loop, lane.ready[lane.ready.length - 1]!) === undefined;
      if (free <= 0 && !(lane.inFlight < executor.slots * (1 + QUEUED_PER_SLOT) && queueable)) break;
      const batch = withCurrentCode(loop, lane, takeBatch(lane.ready, Math.max(1, free), lane === loop.lanes[0], loop.travelsAlone));
      if (batch.length === 0) continue;
      for (const node of batch) if (node.delayed.task.resources) loop.resources.take(node.delayed.task.resources);
      const positions = new Map<TaskNode, number>();
      const tasks = batch.map((node, i) => {
        positions.set(node, i);
        return executable(loop, node, i, positions);
      });
      lane.inFlight++;
      const onProgress = loop.options.events?.active ? progressOf(loop, batch) : undefined;
      executor.run(tasks, loop.abort.signal, onProgress).then(
        (outcomes) => loop.events.push({ kind: 'outcomes', lane, batch, outcomes }),
        (error: unknown) => loop.events.push({ kind: 'lane-broken', lane, batch, error }),
      );
    }
  }
}

/**
 * Slots that appear while every slot the loop knew of is taken (a cluster's count of its
 * workers arriving after the first dispatch, a worker joining) wake the loop: otherwise
 * the ready tasks would wait for a running one to finish, however long it runs.
 */
function watchSlots(loop: LoopContext, executor: Executor): void {
  if (!executor.onMoreSlots || loop.slotWatches.has(executor)) return;
  loop.slotWatches.set(executor, executor.onMoreSlots(() => loop.events.push({ kind: 'wake' })));
}

/**
 * The batch without tasks whose function is no longer what its identity
 * describes (checked once per run and function): a module function whose
 * files changed on disk since this process loaded them fails with
 * CodeChangedError, as the process would run old code under the new code's
 * identity; a function whose environment variables changed since `delayed()`
 * fails with CaptureChangedError, as workers share this process's environment.
 */
function withCurrentCode(loop: LoopContext, lane: Lane, batch: TaskNode[]): TaskNode[] {
  let stale: TaskNode[] | undefined;
  for (const node of batch) {
    const task = node.delayed.task;
    if (task.placement.kind === 'main') continue; // the inline executor checks its captures, environment included
    if (!loop.codeChecked.has(task)) loop.codeChecked.set(task, staleness(task));
    if (loop.codeChecked.get(task) !== undefined) (stale ??= []).push(node);
  }
  if (stale === undefined) return batch;
  const failed = stale;
  const outcomes = failed.map((node, id): Outcome => {
    setState(loop.state, node, 'running');
    loop.stats.started(node);
    const error = loop.codeChecked.get(node.delayed.task)!(node);
    return { id, ok: false, error, durationMs: 0 };
  });
  lane.inFlight++;
  loop.events.push({ kind: 'outcomes', lane, batch: failed, outcomes });
  return batch.filter((node) => !failed.includes(node));
}

/** `positions`: where the batch's earlier tasks are, for inputs a fused batch computes itself. */
function executable(loop: LoopContext, node: TaskNode, index: number, positions: ReadonlyMap<TaskNode, number>): ExecutableTask {
  setState(loop.state, node, 'running');
  loop.stats.started(node);
  const { delayed } = node;
  const links = delayed.links;
  return {
    id: index,
    cid: delayed.cid,
    task: delayed.task,
    args: templateOf(delayed.args, links.map((link) => link.path)),
    inputs: links.map((link): TaskInput => {
      const dep = loop.state.nodes.get((link.node as Delayed<unknown>).cid)!;
      return dep.result ? { path: link.path, result: dep.result } : { path: link.path, fromTask: positions.get(dep)! };
    }),
    stored: loop.store !== undefined && delayed.task.cache,
    timeoutMs: timeoutOf(loop, node),
  };
}

/** Progress the tasks of a batch report, as events (batch ids are positions in the batch). */
function progressOf(loop: LoopContext, batch: readonly TaskNode[]): ProgressListener {
  return (id, fraction, message) => {
    const node = batch[id];
    if (node === undefined || node.state !== 'running') return;
    emitIf(loop, () => ({ type: 'progress', ...about(node), fraction, ...(message === undefined ? {} : { message }) }));
  };
}

function timeoutOf(loop: LoopContext, node: TaskNode): number | undefined {
  return node.delayed.task.timeoutMs ?? loop.options.timeoutMs;
}

/**
 * A task with a time limit travels alone: stopping it must not stop others. So
 * does one with a memory limit, which runs on a pool of workers with that limit.
 */
export function travelsAlone(loop: LoopContext, node: TaskNode): boolean {
  return timeoutOf(loop, node) !== undefined || node.delayed.task.memoryLimitMb !== undefined || node.delayed.task.resources !== undefined;
}

/** A task that held resources is over: give them back, and let the parked nodes try again. */
export function giveBack(loop: LoopContext, node: TaskNode): void {
  const need = node.delayed.task.resources;
  if (need === undefined) return;
  loop.resources.give(need);
  for (const parked of loop.parked.splice(0)) {
    pushReady(parked.delayed.task.placement.kind === 'main' ? loop.state.readyOnMain : loop.state.readyOnWorkers, parked);
  }
}
