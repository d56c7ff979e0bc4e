/**
 * A module function's identity must cover the code it reaches, wherever that code
 * lives: each trap edits something compute reaches without touching compute's
 * own text, and the next process must run compute again and get the new value.
 */
import { describe, expect, it } from 'vitest';
import { TRAP_TIMEOUT_MS, expectExecutedAll, rerunTrap, withProject } from './harness.js';

describe('a change compute reaches re-runs it', () => {
  rerunTrap('a helper function in the same module', {
    fixture: 'helper-function',
    values: [20],
    mutate: (p) => p.edit('task.ts', 'return x + 1;', 'return x + 2;'),
    after: [30],
  });

  rerunTrap('a module-level constant', {
    fixture: 'module-constant',
    values: [10],
    mutate: (p) => p.edit('task.ts', 'const FACTOR = 2;', 'const FACTOR = 3;'),
    after: [15],
  });

  rerunTrap('a constant two imports away', {
    fixture: 'two-imports-away',
    values: [101],
    mutate: (p) => p.edit('leaf.ts', 'OFFSET = 100', 'OFFSET = 200'),
    after: [201],
  });

  rerunTrap('a function behind a chain of `export { x } from`', {
    fixture: 're-exports',
    values: [110],
    mutate: (p) => p.edit('named.ts', 'x * 10', 'x * 20'),
    after: [120],
  });

  rerunTrap('a function behind a chain of `export * from`', {
    fixture: 're-exports',
    values: [110],
    mutate: (p) => p.edit('starred-impl.ts', 'x * 100', 'x * 200'),
    after: [210],
  });

  rerunTrap('a method of a class compute instantiates', {
    fixture: 'class-method',
    values: [7],
    mutate: (p) => p.edit('task.ts', 'return x * this.by;', 'return x * this.by * 10;'),
    after: [61],
  });

  rerunTrap('a base class in another file', {
    fixture: 'base-class',
    values: [3],
    mutate: (p) => p.edit('base.ts', 'return 1;', 'return 5;'),
    after: [11],
  });

  rerunTrap('a top-level statement that changes a config object', {
    fixture: 'top-level-config',
    values: [20],
    mutate: (p) => p.edit('task.ts', 'config.k = 2;', 'config.k = 3;'),
    after: [30],
  });

  rerunTrap('a function compute cannot reach that assigns a `let` compute reads', {
    fixture: 'sliced-let',
    values: [30],
    mutate: (p) => p.edit('task.ts', 'factor = 3;', 'factor = 4;'),
    after: [40],
  });

  rerunTrap('a JSON module it imports', {
    fixture: 'json-import',
    values: [10],
    mutate: (p) => p.write('data.json', '{ "factor": 7 }\n'),
    after: [35],
  });
});

describe('in one run', () => {
  it('two functions of the same name and text in different modules read their own constants', () =>
    withProject('same-named-functions', async (project) => {
      const report = await project.run();
      expectExecutedAll(report);
      expect(report.values, 'scale(1) with K = 2, and with K = 3').toEqual([2, 3]);
      expect(report.cids[0], 'the two calls must have different CIDs').not.toBe(report.cids[1]);
    }), TRAP_TIMEOUT_MS);
});
