/**
 * Changes that cannot change what compute returns must not cost a re-run: the
 * second process executes nothing and serves the same values under the same CIDs.
 */
import { describe } from 'vitest';
import { hitTrap } from './harness.js';

const values = [29]; // (1 + 4 + 9) * settings.scale + OFFSET

describe('a change compute cannot see is a cache hit', () => {
  hitTrap('an edit to a function of the same module that compute cannot reach', {
    fixture: 'hits',
    values,
    mutate: (p) => p.edit('task.ts', 'return `unrelated ${label}`;', 'return `something else entirely: ${label.toUpperCase()}`;'),
  });

  hitTrap('formatting and comments', {
    fixture: 'hits',
    values,
    mutate: (p) => {
      p.edit(
        'task.ts',
        'for (const value of values) total.add(weight(value) * settings.scale);',
        '// Weighted, then scaled.\n  for (const value\n    of values)   total.add( weight(value)*settings.scale ) ;',
      );
      p.edit('task.ts', 'const OFFSET = 1;', '/** Added once. */\nconst   OFFSET=1 ;');
      p.edit('weights.ts', 'return value * value;', '// Squared.\n  return value*value;');
      p.edit('accumulator.ts', 'this.sum += x;', 'this.sum += x; // running total');
    },
  });

  hitTrap('a renamed local variable', {
    fixture: 'hits',
    values,
    mutate: (p) => p.edit('task.ts', 'total', 'acc'),
  });

  hitTrap('touching every file', {
    fixture: 'hits',
    values,
    mutate: (p) => p.touchAll(new Date()),
  });

  hitTrap('moving the whole project directory', {
    fixture: 'hits',
    values,
    mutate: (p) => p.move(),
  });
});
