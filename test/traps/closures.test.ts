/**
 * A main-thread closure's identity must cover what it closed over and the
 * globals it reads, not only its text: the text of each closure here is the
 * same from run to run (or between the two closures), while the values differ.
 */
import { describe, expect, it } from 'vitest';
import { TRAP_TIMEOUT_MS, expectExecutedAll, rerunTrap, withProject } from './harness.js';

describe('a main-thread closure re-runs when', () => {
  rerunTrap('a value it captured changes', {
    fixture: 'closure-capture',
    run: { args: ['--scale=2'] },
    values: [14],
    runAfter: { args: ['--scale=3'] },
    after: [21],
  });

  rerunTrap('a global it reads by name changes', {
    fixture: 'closure-global',
    run: { args: ['--read=bare', '--scale=2'] },
    values: [14],
    runAfter: { args: ['--read=bare', '--scale=3'] },
    after: [21],
  });

  rerunTrap('a global it reads as globalThis.SCALE changes', {
    fixture: 'closure-global',
    run: { args: ['--read=member', '--scale=2'] },
    values: [14],
    runAfter: { args: ['--read=member', '--scale=3'] },
    after: [21],
  });
});

describe('in one run', () => {
  it('two closures of one factory are two functions', () =>
    withProject('closure-factory', async (project) => {
      const report = await project.run();
      expectExecutedAll(report);
      expect(report.values, 'makeAdder(10)(1) and makeAdder(20)(1)').toEqual([11, 21]);
      expect(report.cids[0], 'the two calls must have different CIDs').not.toBe(report.cids[1]);
    }), TRAP_TIMEOUT_MS);
});
