/**
 * What a process computes with must be what it addressed. A module edited on
 * disk after this process loaded it would have workers run the new code under
 * the old code's address; a file() input rewritten after the graph was built
 * would have its new bytes' result stored under the old bytes' address. Either
 * run must fail and store nothing, so the next process, which sees the edit,
 * executes again.
 */
import { describe, expect, it } from 'vitest';
import { TRAP_TIMEOUT_MS, expectAllCached, expectExecutedAll, expectFailure, withProject } from './harness.js';

const ORIGINAL = 'const FACTOR = 2;';
const EDITED = 'const FACTOR = 3;';

describe('a task module edited after this process loaded it', () => {
  it('fails the run with MEMOGRAPH_CODE_CHANGED when edited before the graph is built', () =>
    withProject('edit-after-load', async (project) => {
      const edited = await project.run({ args: ['--edit-before-build'] });
      expectFailure(edited, 'MEMOGRAPH_CODE_CHANGED', 'task.ts', 'the run whose module was edited after load');
      expect(edited.error.message, 'the message says what to do').toMatch(/restart/i);
      expect(project.read('task.ts'), 'the driver left its edit in place').toContain(EDITED);

      // A fresh process loads the edited module: it runs it, and caches it.
      const fresh = await project.run();
      expectExecutedAll(fresh, 'the next process');
      expect(fresh.values).toEqual([15]);
      expectAllCached(await project.run(), 'the process after that');

      // Nothing was stored under the code the failed run had loaded.
      project.edit('task.ts', EDITED, ORIGINAL);
      const original = await project.run();
      expectExecutedAll(original, 'the original code again');
      expect(original.values).toEqual([10]);
    }), TRAP_TIMEOUT_MS);

  it('runs a module this process wrote before importing it: that is the code it loaded', () =>
    withProject('edit-after-load', async (project) => {
      const written = await project.run({ args: ['--edit-before-import'] });
      expectExecutedAll(written, 'the run that wrote its module before importing it');
      expect(written.values).toEqual([15]);
      expectAllCached(await project.run(), 'the next process');
    }), TRAP_TIMEOUT_MS);

  it('fails the run with MEMOGRAPH_CODE_CHANGED when edited after the graph is built, before it is computed', () =>
    withProject('edit-after-load', async (project) => {
      const edited = await project.run({ args: ['--edit-before-compute'] });
      expectFailure(edited, 'MEMOGRAPH_CODE_CHANGED', 'task.ts', 'the run whose module was edited after the build');

      project.edit('task.ts', EDITED, ORIGINAL);
      const original = await project.run();
      expectExecutedAll(original, 'the original code in a fresh process');
      expect(original.values).toEqual([10]);

      project.edit('task.ts', ORIGINAL, EDITED);
      const fresh = await project.run();
      expectExecutedAll(fresh, 'the edited code in a fresh process');
      expect(fresh.values).toEqual([15]);
    }), TRAP_TIMEOUT_MS);
});

describe('a file() input rewritten between building the graph and computing it', () => {
  it('fails the run, naming the file, and stores nothing', () =>
    withProject('file-edited', async (project) => {
      const edited = await project.run({ args: ['--edit-data'] });
      expectFailure(edited, undefined, 'data.txt', 'the run whose input changed under it');

      const fresh = await project.run();
      expectExecutedAll(fresh, 'the next process, with the new bytes');
      expect(fresh.values).toEqual(['hello, world'.length]);

      // The failed run was addressed by the old bytes: nothing may be stored there.
      project.write('data.txt', 'hello');
      const original = await project.run();
      expectExecutedAll(original, 'the old bytes again');
      expect(original.values).toEqual(['hello'.length]);
    }), TRAP_TIMEOUT_MS);
});
