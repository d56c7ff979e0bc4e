import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, TaskError, delayed, shutdown, startRun, type RunEvent } from '../../src/index.js';

afterAll(() => shutdown());

async function nap(label: string): Promise<string> {
  await new Promise((resolve) => setTimeout(resolve, 60));
  return label;
}
const heavy = delayed(nap, { mainThread: true, name: 'heavy', resources: { memoryMb: 8000 } });
const gpu = delayed(nap, { mainThread: true, name: 'gpu', resources: { gpu: 1 } });
const light = delayed(nap, { mainThread: true, name: 'light' });

/** The most tasks of `name` running at once, from the run's events. */
function peakOf(events: RunEvent[], name: string): number {
  let running = 0;
  let peak = 0;
  for (const event of events) {
    if (!('name' in event) || event.name !== name) continue;
    if (event.type === 'started') peak = Math.max(peak, ++running);
    if (event.type === 'finished' || event.type === 'failed') running--;
  }
  return peak;
}

describe('resources', () => {
  it('start a task only while what it needs is free; others are not held up', async () => {
    const events: RunEvent[] = [];
    const targets = [...['a', 'b', 'c', 'd', 'e'].map((x) => heavy(x)), ...['f', 'g', 'h'].map((x) => light(x))];
    const run = startRun(targets, { cache: false, workers: 8, resources: { memoryMb: 20_000 }, onEvent: (e) => events.push(e) });
    expect(await run.result).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
    expect(peakOf(events, 'heavy'), 'two of 8000 fit in 20000').toBe(2);
    expect(peakOf(events, 'light')).toBe(3);
  });

  it('fail a task that needs more than the run has, at once, and the rest runs', async () => {
    const run = startRun([gpu('x'), light('y')], { cache: false, onFailure: 'continue' });
    const outcome = await run.settled;
    expect(outcome.values[1]).toBe('y');
    expect(outcome.failures).toHaveLength(1);
    expect(outcome.failures[0]).toBeInstanceOf(TaskError);
    expect(outcome.failures[0]!.message).toContain('it needs gpu: 1, and the run has no gpu');
  });

  it('are amounts from 0 up, for tasks and runs', () => {
    expect(() => delayed(nap, { resources: { gpu: -1 } })).toThrow(InvalidArgumentError);
    expect(() => startRun([light('z')], { resources: { gpu: Number.NaN } })).toThrow(/resources\.gpu/);
  });
});
