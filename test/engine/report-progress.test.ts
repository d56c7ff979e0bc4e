import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, delayed, reportProgress, shutdown, startRun, type RunEvent } from '../../src/index.js';
import { stepsTask } from '../fixtures/progress-tasks.js';

afterAll(() => shutdown());

const onMain = delayed(
  async function onMain(n: number) {
    for (let i = 1; i <= n; i++) {
      await new Promise((resolve) => setTimeout(resolve, 2));
      reportProgress(i / n, `part ${i}`);
    }
    return n;
  },
  { mainThread: true },
);

function progressOf(events: RunEvent[]): { fraction: number; message?: string }[] {
  return events.flatMap((event) => (event.type === 'progress' ? [{ fraction: event.fraction, message: event.message }] : []));
}

describe('reportProgress', () => {
  it('from a task on a worker thread, is a progress event of that task', async () => {
    const events: RunEvent[] = [];
    const run = startRun([stepsTask(4)], { cache: false, onEvent: (e) => events.push(e) });
    expect(await run.result).toEqual([4]);
    expect(progressOf(events)).toEqual([
      { fraction: 0.25, message: 'step 1/4' },
      { fraction: 0.5, message: 'step 2/4' },
      { fraction: 0.75, message: 'step 3/4' },
      { fraction: 1, message: 'step 4/4' },
    ]);
    const progress = events.filter((e) => e.type === 'progress');
    expect(progress.every((e) => 'name' in e && e.name === 'steps')).toBe(true);
  });

  it('from a main-thread task, after its awaits too', async () => {
    const events: RunEvent[] = [];
    await startRun([onMain(3)], { cache: false, onEvent: (e) => events.push(e) }).result;
    expect(progressOf(events).map((p) => p.message)).toEqual(['part 1', 'part 2', 'part 3']);
  });

  it('shows in the progress line of a run', async () => {
    let written = '';
    const stream = { write: (chunk: string) => ((written += chunk), true), isTTY: false } as unknown as NodeJS.WritableStream;
    const slow = delayed(
      async function slow() {
        reportProgress(0.5, 'halfway');
        await new Promise((resolve) => setTimeout(resolve, 1300));
        return 1;
      },
      { mainThread: true },
    );
    await startRun([slow()], { cache: false, progress: { stream, interactive: false, plainIntervalSeconds: 1 } }).result;
    expect(written).toContain('slow 50% halfway');
  });

  it('does nothing outside a task, and refuses a fraction outside 0 to 1', () => {
    expect(reportProgress(0.5)).toBe(false);
    expect(() => reportProgress(1.5)).toThrow(InvalidArgumentError);
  });
});
