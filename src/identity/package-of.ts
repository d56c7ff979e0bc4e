/**
 * Which installed package a file or a bare specifier belongs to, by name,
 * version and the lockfile's integrity: code from node_modules is identified
 * as a `package` entry instead of by its source, which is both cheaper and
 * what changes when it does (an upgrade, a reinstall of another tarball).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, parse } from 'node:path';
import { OWN_NAME, isOwnCode, ownCodeDigest, ownVersion } from './own-code.js';

export interface PackageFacts {
  readonly name: string;
  /** '' when the package is not installed where it is looked up. */
  readonly version: string;
  /** The lockfile's `integrity` for it; '' without a lockfile entry. */
  readonly integrity: string;
}

const byPackageJson = new Map<string, PackageFacts>();
const lockfiles = new Map<string, Record<string, { integrity?: string }> | undefined>();

/** The package a file inside node_modules belongs to (its nearest package.json with a name). */
export function packageOfFile(file: string): PackageFacts | undefined {
  const installed = installedPackageOf(file);
  // memograph itself with no lockfile entry (the project being worked on, a linked checkout): its files' digest.
  if (isOwnCode(file) && !installed?.integrity) return { name: OWN_NAME, version: ownVersion(), integrity: ownCodeDigest() };
  return installed;
}

function installedPackageOf(file: string): PackageFacts | undefined {
  const at = file.lastIndexOf('/node_modules/');
  if (at < 0) return undefined;
  const root = file.slice(0, at + '/node_modules/'.length);
  const rest = file.slice(root.length).split('/');
  const name = rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  return packageAt(root.slice(0, -1), name);
}

/** The package a bare specifier (`lodash/fp`, `@scope/x`) resolves to from `fromDir`, as Node looks it up. */
export function packageOfSpecifier(specifier: string, fromDir: string): PackageFacts {
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const modules = join(dir, 'node_modules');
    if (existsSync(join(modules, name, 'package.json'))) return packageAt(modules, name);
    if (dir === parse(dir).root) return { name, version: '', integrity: '' };
  }
}

function packageAt(modules: string, name: string): PackageFacts {
  const file = join(modules, name, 'package.json');
  let facts = byPackageJson.get(file);
  if (facts === undefined) {
    let version = '';
    try {
      version = String((JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }).version ?? '');
    } catch {
      // No readable package.json: identified by name alone, which a later install changes.
    }
    facts = { name, version, integrity: lockIntegrity(dirname(modules), name) };
    byPackageJson.set(file, facts);
  }
  return facts;
}

/** From package-lock.json beside the node_modules (lockfile v2/v3 `packages`). */
function lockIntegrity(projectDir: string, name: string): string {
  let packages = lockfiles.get(projectDir);
  if (!lockfiles.has(projectDir)) {
    try {
      const lock = JSON.parse(readFileSync(join(projectDir, 'package-lock.json'), 'utf8')) as { packages?: typeof packages };
      packages = lock.packages;
    } catch {
      packages = undefined;
    }
    lockfiles.set(projectDir, packages);
  }
  return packages?.[`node_modules/${name}`]?.integrity ?? '';
}
