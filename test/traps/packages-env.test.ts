/**
 * What a module function gets from outside the project's own files: a package
 * in node_modules (known by name, version and, when the project has a
 * package-lock.json, the integrity hash npm recorded) and environment variables
 * it reads as `process.env.NAME`.
 */
import { describe } from 'vitest';
import { rerunTrap } from './harness.js';
import { writeLock, writePackage } from './trap-pkg.js';

describe('a package it imports', () => {
  rerunTrap('bumped to a new version with new code, with no lockfile', {
    fixture: 'package',
    setup: (p) => {
      writePackage(p, '1.0.0', 2);
    },
    values: [10],
    mutate: (p) => {
      writePackage(p, '1.1.0', 3);
    },
    after: [15],
  });

  rerunTrap('bumped to a new version with new code, recorded in package-lock.json', {
    fixture: 'package',
    setup: (p) => writeLock(p, '1.0.0', writePackage(p, '1.0.0', 2)),
    values: [10],
    mutate: (p) => writeLock(p, '1.1.0', writePackage(p, '1.1.0', 3)),
    after: [15],
  });

  // The same version with other code (a re-published or locally patched
  // package): only the lockfile's integrity says it changed.
  rerunTrap('with new code under the same version, with a new integrity in package-lock.json', {
    fixture: 'package',
    setup: (p) => writeLock(p, '1.0.0', writePackage(p, '1.0.0', 2)),
    values: [10],
    mutate: (p) => writeLock(p, '1.0.0', writePackage(p, '1.0.0', 3)),
    after: [15],
  });
});

describe('an environment variable it reads', () => {
  rerunTrap('process.env.SCALE changes between processes', {
    fixture: 'env-variable',
    run: { env: { SCALE: '2' } },
    values: [10],
    runAfter: { env: { SCALE: '3' } },
    after: [15],
  });
});
