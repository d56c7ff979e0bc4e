/**
 * A fake npm package, trap-pkg, written into a fixture's node_modules by the
 * test (so each trap says which version and code it starts from and moves to),
 * and its entry in package-lock.json as npm records it.
 */
import { createHash } from 'node:crypto';
import type { Project } from './harness.js';

/** Write node_modules/trap-pkg at `version`, whose factor() returns `factor`; returns its code. */
export function writePackage(project: Project, version: string, factor: number): string {
  const code = `export function factor() {\n  return ${factor};\n}\n`;
  project.write(
    'node_modules/trap-pkg/package.json',
    JSON.stringify({ name: 'trap-pkg', version, type: 'module', exports: './index.js' }, null, 2) + '\n',
  );
  project.write('node_modules/trap-pkg/index.js', code);
  return code;
}

/** Record trap-pkg in the project's package-lock.json, with an integrity hash of `code`. */
export function writeLock(project: Project, version: string, code: string): void {
  const integrity = `sha512-${createHash('sha512').update(code).digest('base64')}`;
  const name = JSON.parse(project.read('package.json')).name as string;
  const lock = {
    name,
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name, dependencies: { 'trap-pkg': '^1.0.0' } },
      'node_modules/trap-pkg': { version, resolved: `https://registry.example/trap-pkg/-/trap-pkg-${version}.tgz`, integrity },
    },
  };
  project.write('package-lock.json', JSON.stringify(lock, null, 2) + '\n');
}
