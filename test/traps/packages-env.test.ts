/**
 * What a module function gets from outside the project's own files: a package
 * in node_modules (known by name, version and, when the project has a
 * package-lock.json, the integrity hash npm recorded) and environment variables
 * it reads as `process.env.NAME`.
 */
import { createHash } from 'node:crypto';
import { describe } from 'vitest';
import { rerunTrap, type Project } from './harness.js';

/** Write node_modules/trap-pkg at `version`, whose factor() returns `factor`. */
function writePackage(project: Project, version: string, factor: number): string {
  const code = `export function factor() {\n  return ${factor};\n}\n`;
  project.write(
    'node_modules/trap-pkg/package.json',
    JSON.stringify({ name: 'trap-pkg', version, type: 'module', exports: './index.js' }, null, 2) + '\n',
  );
  project.write('node_modules/trap-pkg/index.js', code);
  return code;
}

/** Record trap-pkg in package-lock.json as npm would, with an integrity hash of its code. */
function writeLock(project: Project, version: string, code: string): void {
  const integrity = `sha512-${createHash('sha512').update(code).digest('base64')}`;
  const lock = {
    name: 'trap-package',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'trap-package', dependencies: { 'trap-pkg': '^1.0.0' } },
      'node_modules/trap-pkg': { version, resolved: `https://registry.example/trap-pkg/-/trap-pkg-${version}.tgz`, integrity },
    },
  };
  project.write('package-lock.json', JSON.stringify(lock, null, 2) + '\n');
}

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
