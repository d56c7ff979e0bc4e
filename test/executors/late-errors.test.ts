import { afterAll, describe, expect, it } from 'vitest';
import { delayed, LateErrorWarning, LateTaskError, shutdown, TaskError } from '../../src/index.js';
import type { Delayed } from '../../src/index.js';
import type { ExecutableTask } from '../../src/executors/executor.js';
import { PoolExecutor } from '../../src/executors/pool.js';

afterAll(() => shutdown());

/** A timer it starts throws 20 ms after it returned. */
const leavesThrow = delayed(function leavesThrow(x: number) {
  setTimeout(() => {
    throw new Error(`late throw ${x}`);
  }, 20);
  return x;
});

/** A promise it starts in a timer rejects 20 ms after it returned, and nobody handles it. */
const leavesRejection = delayed(function leavesRejection(x: number) {
  setTimeout(() => {
    void Promise.reject(new Error(`late rejection ${x}`));
  }, 20);
  return x;
});

/** Still running when the earlier task's error surfaces on the same thread. */
const slow = delayed(async function slow(x: number) {
  await new Promise((resolve) => setTimeout(resolve, 300));
  return x * 2;
});

function executable(call: Delayed<unknown>, id: number, args: unknown[]): ExecutableTask {
  return { id, cid: call.cid, task: call.task, args, inputs: [], stored: false };
}

function nextLateWarning(): Promise<LateErrorWarning> {
  return new Promise((resolve) => {
    const listener = (warning: Error) => {
      if (!(warning instanceof LateErrorWarning)) return;
      process.off('warning', listener);
      resolve(warning);
    };
    process.on('warning', listener);
  });
}

describe('an error a worker task leaves behind after it returned', () => {
  for (const [what, leaves, text] of [
    ['uncaught exception', leavesThrow, 'late throw 1'],
    ['unhandled rejection', leavesRejection, 'late rejection 1'],
  ] as const) {
    it(`(an ${what}) is a warning naming that task, and the next task on the thread succeeds`, async () => {
      const pool = new PoolExecutor({ workers: 1 });
      try {
        const first = leaves(1);
        const warned = nextLateWarning();
        const [done] = await pool.run([executable(first, 0, [1])]);
        expect(done!.ok).toBe(true);
        // One worker: the next task runs on the same thread while the error surfaces.
        const second = slow(5);
        const [next] = await pool.run([executable(second, 0, [5])]);
        expect(next).toMatchObject({ ok: true, workerId: (done as { workerId: number }).workerId });
        expect((next as { result: { value(): unknown } }).result.value()).toBe(10);
        const warning = await warned;
        expect(warning.code).toBe('MEMOGRAPH_LATE_ERROR');
        expect(warning.taskName).toBe(first.task.name);
        expect(warning.cid).toBe(first.cid);
        expect(warning.threadId).toBe((done as { workerId: number }).workerId);
        expect(warning.originalMessage).toBe(text);
        expect(warning.message).toContain(`An ${what} on worker thread ${warning.threadId} after task "${first.task.name}" (${first.cid}) returned: ${text}`);
        expect(warning.message).not.toContain('slow');
      } finally {
        await pool.close();
      }
    });
  }

  it('fails that task, not the others, when it surfaces before its batch is reported', async () => {
    const pool = new PoolExecutor({ workers: 1 });
    try {
      const first = leavesThrow(1);
      const second = slow(4);
      // One batch: the first task's timer throws while the second still runs.
      const [failed, succeeded] = await pool.run([executable(first, 0, [1]), executable(second, 1, [4])]);
      expect(succeeded).toMatchObject({ ok: true });
      expect((succeeded as { result: { value(): unknown } }).result.value()).toBe(8);
      expect(failed!.ok).toBe(false);
      const error = (failed as { error: TaskError }).error;
      expect(error).toBeInstanceOf(LateTaskError);
      expect(error.code).toBe('MEMOGRAPH_LATE_ERROR');
      expect(error.taskName).toBe('leavesThrow');
      expect(error.originalMessage).toContain('uncaught exception');
      expect(error.originalMessage).toContain('late throw 1');
      // The thread survived: it runs the next batch.
      const [again] = await pool.run([executable(slow(6), 0, [6])]);
      expect(again).toMatchObject({ ok: true });
    } finally {
      await pool.close();
    }
  });
});
