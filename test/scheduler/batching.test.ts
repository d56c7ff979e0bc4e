import { afterAll, describe, expect, it } from 'vitest';
import { delayed, shutdown, startRun, type Delayed, type DelayedFunction } from '../../src/index.js';
import { recordDuration, takeBatch } from '../../src/scheduler/batching.js';
import { emptyState, expand, nodeFor, type TaskNode } from '../../src/scheduler/state.js';

function readyNodes(fn: DelayedFunction<[number], number>, n: number): TaskNode[] {
  const state = emptyState();
  return Array.from({ length: n }, (_, i) => nodeFor(state, fn(i)).node);
}

afterAll(() => shutdown());

describe('batch sizing', () => {
  it('sends a function never seen before alone', () => {
    const fresh = delayed((x: number) => x + 100);
    const ready = readyNodes(fresh, 50);
    expect(takeBatch(ready, 2)).toHaveLength(1);
    expect(ready).toHaveLength(49);
  });

  it('batches tiny tasks, leaving a share of the work for every free slot', () => {
    const tiny = delayed((x: number) => x + 200);
    recordDuration(tiny(0).task.durations, 0.001);
    const ready = readyNodes(tiny, 100);
    const first = takeBatch(ready, 4);
    expect(first).toHaveLength(25);
    // LIFO: the most recently readied tasks go first.
    expect(first[0]!.delayed.args[0]).toBe(99);
  });

  it('keeps long tasks apart so they run in parallel', () => {
    const slow = delayed((x: number) => x + 300);
    recordDuration(slow(0).task.durations, 50);
    const ready = readyNodes(slow, 10);
    expect(takeBatch(ready, 1)).toHaveLength(1);
  });

  it('stops a batch at a function whose duration is unknown', () => {
    const known = delayed((x: number) => x + 400);
    const unknown = delayed((x: number) => x + 500);
    recordDuration(known(0).task.durations, 0.001);
    const state = emptyState();
    const ready = [nodeFor(state, unknown(1)).node, nodeFor(state, known(1)).node, nodeFor(state, known(2)).node];
    expect(takeBatch(ready, 1)).toHaveLength(2);
    expect(ready).toHaveLength(1);
  });

  it('learns durations from successful calls only: a call that fails at once says nothing of the others', async () => {
    const simulate = delayed(function simulate(temp: number) {
      if (!(temp > 0)) throw new Error(`temperature must be positive, got ${temp}`);
      const until = Date.now() + 5;
      while (Date.now() < until);
      return temp;
    });
    const { durations } = simulate(0).task;
    await startRun([simulate(0)], { cache: false, onFailure: 'continue' }).settled;
    expect(durations.count).toBe(0);
    // So the points still travel one by one, each free to go to any worker.
    const ready = readyNodes(simulate, 8);
    expect(takeBatch(ready, 2)).toHaveLength(1);

    await startRun([simulate(1)], { cache: false }).result;
    expect(durations.count).toBe(1);
    expect(durations.meanMs).toBeGreaterThanOrEqual(4);
  });

  it('follows recent durations', () => {
    const estimate = { count: 0, meanMs: 0 };
    for (let i = 0; i < 100; i++) recordDuration(estimate, 10);
    for (let i = 0; i < 300; i++) recordDuration(estimate, 1);
    expect(estimate.meanMs).toBeLessThan(1.1);
  });
});

describe('fusing dependents into a batch', () => {
  const step = delayed((x: number) => x + 600);
  const pair = delayed((a: number, b: number) => a + b + 600);
  recordDuration(step(0).task.durations, 0.001);
  recordDuration(pair(0, 0).task.durations, 0.001);

  function expandAll(state: ReturnType<typeof emptyState>, nodes: TaskNode[], depsOf: (i: number) => TaskNode[]): void {
    nodes.forEach((n, i) => expand(state, n, depsOf(i)));
  }

  it('takes a whole chain of known-short tasks in one batch, in dependency order', () => {
    const state = emptyState();
    const chain: Delayed<number>[] = [step(1)];
    for (let i = 1; i < 5; i++) chain.push(step(chain[i - 1]!));
    const nodes = chain.map((d) => nodeFor(state, d).node);
    expandAll(state, nodes, (i) => (i === 0 ? [] : [nodes[i - 1]!]));
    expect(takeBatch(state.readyOnWorkers, 2, true)).toEqual(nodes);
  });

  it('takes a parent once all its missing inputs are in the batch', () => {
    const state = emptyState();
    const [a, b] = [step(10), step(11)];
    const top = pair(a, b);
    const [na, nb, ntop] = [a, b, top].map((d) => nodeFor(state, d).node) as TaskNode[];
    expand(state, ntop!, [na!, nb!]);
    expand(state, na!, []);
    expand(state, nb!, []);
    const batch = takeBatch(state.readyOnWorkers, 1, true);
    expect(batch).toEqual([nb, na, ntop]);
  });

  it('fuses nothing unless asked, nor a dependent still missing an input from elsewhere', () => {
    const state = emptyState();
    const [a, b] = [step(20), step(21)];
    const [na, nb, ntop] = [a, b, pair(a, b)].map((d) => nodeFor(state, d).node) as TaskNode[];
    expand(state, ntop!, [na!, nb!]);
    expand(state, na!, []);
    expand(state, nb!, []);
    expect(takeBatch([...state.readyOnWorkers], 1, false)).toHaveLength(2);
    // With two free slots each batch takes one ready leaf: the parent waits for the other.
    expect(takeBatch(state.readyOnWorkers, 2, true)).toEqual([nb]);
  });
});
