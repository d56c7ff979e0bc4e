import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, delayed, shutdown, startRun, type RunEvent } from '../../src/index.js';
import { pushReady, type TaskNode } from '../../src/scheduler/state.js';

afterAll(() => shutdown());

function work(label: string): string {
  const end = Date.now() + 5;
  while (Date.now() < end);
  return label;
}
const low = delayed(work, { mainThread: true, name: 'low' });
const high = delayed(work, { mainThread: true, name: 'high', priority: 5 });
const urgent = delayed(work, { mainThread: true, name: 'urgent', priority: 9 });

describe('priority', () => {
  it('starts ready tasks of higher priority first', async () => {
    const run = startRun([low('a'), low('b'), high('c'), low('d'), urgent('e'), high('f')], { cache: false, workers: 1 });
    const started: string[] = [];
    run.onEvent((event: RunEvent) => {
      if (event.type === 'started') started.push(event.name);
    });
    expect(await run.result).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(started).toEqual(['urgent', 'high', 'high', 'low', 'low', 'low']);
  });

  it('keeps the ready stack in order of priority, a push when all are equal', () => {
    const node = (priority: number, id: string) => ({ id, delayed: { task: { priority } } }) as unknown as TaskNode & { id: string };
    const ready: (TaskNode & { id: string })[] = [];
    for (const [p, id] of [[0, 'a'], [0, 'b'], [3, 'c'], [1, 'd'], [0, 'e'], [3, 'f']] as const) pushReady(ready, node(p, id));
    expect(ready.map((n) => n.id)).toEqual(['a', 'b', 'e', 'd', 'c', 'f']);
  });

  it('is a finite number', () => {
    expect(() => delayed(work, { priority: Number.NaN })).toThrow(InvalidArgumentError);
    // @ts-expect-error: a number
    expect(() => delayed(work, { priority: 'high' })).toThrow(/`priority` to be a finite number/);
  });
});
