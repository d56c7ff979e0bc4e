import { afterAll, describe, expect, it } from 'vitest';
import { compute, shutdown, TaskError } from '../../src/index.js';
import { greetTask, joinTask, missingExport, whereTask } from '../fixtures/module-tasks.js';

afterAll(() => shutdown());

describe('functions exported from a module', () => {
  it('run on workers, which import the module and so its imports', async () => {
    const [where, joined] = await compute(whereTask(), joinTask(greetTask('ada'), greetTask('bob')), { cache: false });
    expect(where).toEqual({ file: 'module-tasks.ts', onWorker: true });
    expect(joined).toBe('HELLO ADA! | HELLO BOB!');
  });

  it('fail clearly when the module does not export them', async () => {
    const error = await compute(missingExport(), { cache: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskError);
    expect((error as Error).message).toMatch(/has no exported function `notExported`/);
  });
});
