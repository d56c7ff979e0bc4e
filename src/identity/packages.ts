/**
 * Packages and builtins a module imports. A package is identified by its name,
 * the version in its package.json, and the integrity the lockfile
 * (package-lock.json, the nearest one above the project) records for it, which
 * changes with the package's contents; without a lockfile, by version alone.
 */
import { builtinModules } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileState } from './file-state.js';
import { OWN_NAME, ownCodeDigest, ownPackageDir } from './own-code.js';
import { markDirty, persistent } from './persistent-cache.js';
import type { CodeManifest } from './manifest.js';

const BUILTINS = new Set(builtinModules);

/** `node:fs` for `fs`, `node:fs/promises`, …; undefined when `spec` names no builtin. */
export function builtinName(spec: string): string | undefined {
  if (spec.startsWith('node:')) return spec;
  return BUILTINS.has(spec) || BUILTINS.has(spec.split('/')[0]!) ? `node:${spec}` : undefined;
}

/** The package a bare specifier names: `@scope/name` or `name`, without a subpath. */
export function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** The directory of package `name` as Node finds it from `fromDir`, or undefined. */
export function findPackageDir(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

export interface PackageIdentity {
  readonly version: string;
  readonly integrity: string;
}

const manifests = new Map<string, string>();

export function packageIdentity(name: string, dir: string, projectRoot: string): PackageIdentity {
  const manifestPath = join(dir, 'package.json');
  const { hash } = fileState(manifestPath);
  let version = manifests.get(hash);
  if (version === undefined) {
    const parsed = JSON.parse(readFileSync(manifestPath, 'utf8')) as { version?: unknown };
    version = typeof parsed.version === 'string' ? parsed.version : '';
    manifests.set(hash, version);
  }
  const lock = lockfileOf(projectRoot);
  const key = lock && relative(lock.dir, dir).split(sep).join('/');
  const integrity = (lock && (lock.integrities[key!] ?? lock.integrities[`node_modules/${name}`])) || '';
  // memograph itself with no lockfile entry (the project being worked on, a linked checkout): its files' digest.
  if (integrity === '' && name === OWN_NAME && resolve(dir) === ownPackageDir()) return { version, integrity: ownCodeDigest() };
  return { version, integrity };
}

interface Lockfile {
  readonly dir: string;
  readonly integrities: Readonly<Record<string, string>>;
}

const lockfiles = new Map<string, Lockfile | undefined>();

function lockfileOf(projectRoot: string): Lockfile | undefined {
  for (let dir = projectRoot; ; dir = dirname(dir)) {
    const path = join(dir, 'package-lock.json');
    if (existsSync(path)) return readLockfile(path, dir);
    if (dirname(dir) === dir) return undefined;
  }
}

function readLockfile(path: string, dir: string): Lockfile | undefined {
  const { hash } = fileState(path);
  const key = `${path}\u0000${hash}`;
  if (lockfiles.has(key)) return lockfiles.get(key);
  let integrities = persistent().locks[key];
  if (integrities === undefined) {
    integrities = {};
    try {
      const parsed = JSON.parse(readFileSync(path, 'utf8')) as { packages?: Record<string, { integrity?: unknown }> };
      for (const [at, entry] of Object.entries(parsed.packages ?? {})) {
        if (typeof entry?.integrity === 'string') integrities[at] = entry.integrity;
      }
    } catch {
      // A damaged lockfile vouches for nothing: packages are identified by version.
    }
    for (const old of Object.keys(persistent().locks)) if (old.startsWith(`${path}\u0000`)) delete persistent().locks[old];
    persistent().locks[key] = integrities;
    markDirty();
  }
  const lock = { dir, integrities };
  lockfiles.set(key, lock);
  return lock;
}

const packagesSeen = new WeakMap<CodeManifest, readonly (readonly [string, string])[]>();

/**
 * The packages `manifest` names with a version, memograph itself left out (its code is the
 * worker's own, not the module's import).
 */
export function packageEntries(manifest: CodeManifest | undefined): readonly (readonly [string, string])[] {
  if (!manifest) return [];
  let entries = packagesSeen.get(manifest);
  if (!entries) {
    entries = manifest.entries.filter(([kind, name, version]) => kind === 'package' && version !== '' && name !== OWN_NAME).map(([, name, version]) => [name, version] as const);
    packagesSeen.set(manifest, entries);
  }
  return entries;
}
