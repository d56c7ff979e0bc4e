import { afterAll, describe, expect, it } from 'vitest';
import { TaskError, shutdown } from '../../src/index.js';
import { fetchTask, rangeTask } from '../fixtures/throwing-tasks.js';

afterAll(() => shutdown());

async function failureOf(promise: Promise<unknown>): Promise<TaskError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TaskError) return error;
    throw error;
  }
  throw new Error('expected the task to fail');
}

describe('an error thrown on a worker thread', () => {
  it('reaches the caller as its cause with its class, message, fields and stack', async () => {
    const error = await failureOf(rangeTask(12).compute({ cache: false }));
    const cause = error.cause as RangeError & { code: string; limits: { low: number; high: number } };
    expect(cause).toBeInstanceOf(RangeError);
    expect(cause.message).toBe('12 is out of range');
    expect(cause.code).toBe('E_RANGE');
    expect(cause.limits).toEqual({ low: 0, high: 9 });
    expect(cause.stack).toContain('outOfRange');
    expect(error.originalMessage).toBe('12 is out of range');
  });

  it('keeps its cause chain, and the name of a class of its own', async () => {
    const error = await failureOf(fetchTask('https://example.invalid').compute({ cache: false }));
    const top = error.cause as Error & { status: number };
    expect(top).toBeInstanceOf(Error);
    expect(top.name).toBe('HttpError');
    expect(top.status).toBe(503);
    const middle = top.cause as Error;
    expect(middle).toBeInstanceOf(TypeError);
    expect(middle.message).toBe('bad response');
    const low = middle.cause as Error & { code: string; port: number };
    expect(low.message).toBe('connect ECONNREFUSED for https://example.invalid');
    expect(low.code).toBe('ECONNREFUSED');
    expect(low.port).toBe(443);
  });
});
