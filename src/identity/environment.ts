/**
 * Environment variables in a code manifest: `["env", "", NAME, hash]`, where the
 * hash is `absent` or `sha256:` + the value's sha256 (hex). Values may be secrets,
 * and manifests are kept in the cache beside results, so only hashes are written.
 */
import { createHash } from 'node:crypto';
import type { CodeManifest } from './manifest.js';

export function environmentHash(name: string): string {
  const value = process.env[name];
  return value === undefined ? 'absent' : `sha256:${createHash('sha256').update(value, 'utf8').digest('hex')}`;
}

/**
 * The first environment variable of `manifest` whose value is not the one its
 * identity was built with, or undefined. Worker threads share this process's
 * environment, so a variable set after `delayed()` would reach the task while
 * the call's address still described the old value.
 */
export function changedEnvironment(manifest: CodeManifest | undefined): string | undefined {
  return differingVariable(environmentEntries(manifest));
}

const seen = new WeakMap<CodeManifest, readonly (readonly [string, string])[]>();

/** The environment variables `manifest` names, with their hashes (worked out once per manifest). */
export function environmentEntries(manifest: CodeManifest | undefined): readonly (readonly [string, string])[] {
  if (!manifest) return [];
  let entries = seen.get(manifest);
  if (!entries) {
    entries = manifest.entries.filter(([kind]) => kind === 'env').map(([, , name, hash]) => [name, hash] as const);
    seen.set(manifest, entries);
  }
  return entries;
}

/** The first of `entries` whose value here differs from the hash given, or undefined. */
export function differingVariable(entries: readonly (readonly [string, string])[]): string | undefined {
  for (const [name, hash] of entries) if (environmentHash(name) !== hash) return name;
  return undefined;
}
