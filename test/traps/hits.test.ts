/**
 * Changes that cannot change what compute returns must not cost a re-run: the
 * second process executes nothing and serves the same values under the same CIDs.
 */
import { describe } from 'vitest';
import { hitTrap, type Project } from './harness.js';
import { writeLock, writePackage } from './trap-pkg.js';

const values = [57]; // (1 + 4 + 9) * settings.scale * factor() + OFFSET

/** The hits project also depends on a package, locked, so that moving and touching cover node_modules too. */
const setup = (p: Project): void => writeLock(p, '1.0.0', writePackage(p, '1.0.0', 2));

describe('a change compute cannot see is a cache hit', () => {
  hitTrap('an edit to a function of the same module that compute cannot reach', {
    fixture: 'hits',
    setup,
    values,
    mutate: (p) => p.edit('task.ts', 'return `unrelated ${label}`;', 'return `something else entirely: ${label.toUpperCase()}`;'),
  });

  hitTrap('formatting and comments', {
    fixture: 'hits',
    setup,
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
    setup,
    values,
    mutate: (p) => p.edit('task.ts', 'total', 'acc'),
  });

  hitTrap('touching every file', {
    fixture: 'hits',
    setup,
    values,
    mutate: (p) => p.touchAll(new Date()),
  });

  hitTrap('moving the whole project directory', {
    fixture: 'hits',
    setup,
    values,
    mutate: (p) => p.move(),
  });
});
