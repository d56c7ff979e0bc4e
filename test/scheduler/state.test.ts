import { describe, expect, it } from 'vitest';
import { delayed, type Delayed } from '../../src/index.js';
import { emptyState, expand, fail, finish, nodeFor, restore, type RunState, type TaskNode } from '../../src/scheduler/state.js';
import { TaskResult } from '../../src/scheduler/task-result.js';
import { TaskError } from '../../src/errors.js';

const inc = delayed((x: number) => x + 1);
const add = delayed((a: number, b: number) => a + b);
const onMain = delayed((x: number) => x * 2, { mainThread: true });

function node(state: RunState, d: Delayed<unknown>): TaskNode {
  return nodeFor(state, d).node;
}

describe('scheduler state transitions', () => {
  it('makes a node ready as soon as its last input is available, not level by level', () => {
    const state = emptyState();
    const a = inc(1);
    const b = inc(a); // deeper branch
    const c = inc(2);
    const top = add(b, c);
    const [nTop, nB, nA, nC] = [top, b, a, c].map((d) => node(state, d)) as TaskNode[];
    expand(state, nTop!, [nB!, nC!]);
    expand(state, nB!, [nA!]);
    expand(state, nA!, []);
    expand(state, nC!, []);
    expect(state.readyOnWorkers).toEqual([nA, nC]);
    expect(nTop!.missing).toBe(2);

    finish(state, nC!, TaskResult.fromValue(3), 'done');
    expect(nTop!.missing).toBe(1);
    expect(nTop!.state).toBe('waiting');
    finish(state, nA!, TaskResult.fromValue(2), 'done');
    expect(state.readyOnWorkers.at(-1)).toBe(nB);
    finish(state, nB!, TaskResult.fromValue(3), 'cached');
    expect(nTop!.state).toBe('ready');
    expect(state.counts.states).toMatchObject({ ready: 1, done: 2, cached: 1, waiting: 0 });
  });

  it('routes main-thread tasks to their own ready stack', () => {
    const state = emptyState();
    const n = node(state, onMain(1));
    expand(state, n, []);
    expect(state.readyOnMain).toEqual([n]);
    expect(state.readyOnWorkers).toEqual([]);
  });

  it('releases an input once every dependent has finished, but never a target', () => {
    const state = emptyState();
    const a = inc(1);
    const left = inc(a);
    const right = add(a, 5);
    const [nA, nL, nR] = [a, left, right].map((d) => node(state, d)) as TaskNode[];
    nL!.isTarget = true;
    nR!.isTarget = true;
    expand(state, nL!, [nA!]);
    expand(state, nR!, [nA!]);
    expand(state, nA!, []);
    finish(state, nA!, TaskResult.fromValue(2), 'done');
    expect(nA!.holders).toBe(2);
    finish(state, nL!, TaskResult.fromValue(3), 'done');
    expect(nA!.result).toBeDefined();
    finish(state, nR!, TaskResult.fromValue(7), 'done');
    expect(nA!.result).toBeUndefined();
    expect(nL!.result?.value()).toBe(3);
    expect(nR!.result?.value()).toBe(7);
  });

  it('holds at most two results along a long chain', () => {
    const state = emptyState();
    const chain: Delayed<number>[] = [inc(0)];
    for (let i = 1; i < 1000; i++) chain.push(inc(chain[i - 1]!));
    const nodes = chain.map((d) => node(state, d));
    nodes.at(-1)!.isTarget = true;
    nodes.forEach((n, i) => expand(state, n, i === 0 ? [] : [nodes[i - 1]!]));
    let maxHeld = 0;
    for (let i = 0; i < nodes.length; i++) {
      expect(state.readyOnWorkers.pop()).toBe(nodes[i]);
      finish(state, nodes[i]!, TaskResult.fromValue(i + 1), 'done');
      maxHeld = Math.max(maxHeld, nodes.filter((n) => n.result !== undefined).length);
    }
    expect(maxHeld).toBeLessThanOrEqual(2);
    expect(nodes.at(-1)!.result?.value()).toBe(1000);
  });

  it('restores a released result only for the dependents that were waiting for it', () => {
    const state = emptyState();
    const a = inc(1);
    const b = inc(a);
    const [nA, nB] = [a, b].map((d) => node(state, d)) as TaskNode[];
    expand(state, nB!, [nA!]);
    expand(state, nA!, []);
    finish(state, nA!, TaskResult.fromValue(2), 'done');
    finish(state, nB!, TaskResult.fromValue(3), 'done');
    expect(nA!.result).toBeUndefined();
    const late = node(state, add(a, 1));
    expand(state, late, [nA!]);
    expect(late.missing).toBe(1);
    restore(state, nA!, TaskResult.fromValue(2));
    expect(late.state).toBe('ready');
    expect(nB!.missing).toBe(0);
  });

  it('records the first failure and counts every one', () => {
    const state = emptyState();
    const n1 = node(state, inc(10));
    const n2 = node(state, inc(11));
    const e1 = new TaskError({ taskName: 'a', cid: 'x', originalMessage: 'first' });
    const e2 = new TaskError({ taskName: 'b', cid: 'y', originalMessage: 'second' });
    fail(state, n1, e1);
    fail(state, n2, e2);
    expect(state.error).toBe(e1);
    expect(state.counts.failed).toBe(2);
  });

  it('gives one node per CID', () => {
    const state = emptyState();
    const first = nodeFor(state, inc(41));
    const again = nodeFor(state, inc(41));
    expect(first.isNew).toBe(true);
    expect(again.isNew).toBe(false);
    expect(again.node).toBe(first.node);
  });
});
