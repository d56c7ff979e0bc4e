/**
 * What changed in a function's code between the identity a cached result was computed
 * under and the identity a call has now, in words: "helper `scale` in src/util.ts
 * changed", "now also uses `clamp` in src/util.ts", "package lodash 4.17.20 → 4.17.21",
 * "environment variable SCALE changed", "captured value `offset` changed".
 *
 * Both sides are identity records (the earlier one read back from the store, where it
 * was kept beside the result) and their code manifests; entries are matched by kind,
 * module and name (a package by its name alone, so a new version reads as a change).
 * Display details come from the current manifest only: they are not part of the hash,
 * so the stored side does not need them.
 */
import type { FunctionIdentity } from '../hash/identity.js';
import { entryKey, type EntryDetail, type ManifestEntry } from '../identity/manifest.js';
import type { StoredIdentity } from '../identity/stored-identity.js';

export interface CodeChange {
  readonly change: 'source' | 'version' | 'mode' | 'added' | 'removed' | 'changed';
  /** The manifest entry's kind, module and name, for entry changes. */
  readonly entry?: { readonly kind: string; readonly module: string; readonly name: string };
  readonly text: string;
}

export interface EarlierCode {
  readonly identity: StoredIdentity;
  /** Undefined when the earlier identity had a manifest that the store no longer holds. */
  readonly entries: readonly ManifestEntry[] | undefined;
}

export function codeChanges(earlier: EarlierCode, now: FunctionIdentity): CodeChange[] {
  const changes: CodeChange[] = [];
  const was = earlier.identity;
  if (was.version !== now.version) {
    if (was.version !== undefined && now.version !== undefined) {
      changes.push({ change: 'version', text: `version ${JSON.stringify(was.version)} → ${JSON.stringify(now.version)}` });
    } else {
      changes.push({ change: 'version', text: now.version === undefined ? 'it is no longer identified by a version' : `it is now identified by version ${JSON.stringify(now.version)}` });
    }
    return changes;
  }
  if (now.version !== undefined) return changes;
  if ((was.sloppy ?? false) !== (now.sloppy ?? false)) {
    changes.push({ change: 'mode', text: `it now runs as ${now.sloppy ? 'sloppy' : 'strict'}-mode code` });
  }
  if (was.source !== now.source) changes.push({ change: 'source', text: 'its own source changed' });
  if (was.code !== undefined && earlier.entries === undefined) return changes; // nothing to compare with
  const before = byMatchKey(earlier.entries ?? []);
  const after = byMatchKey(now.code?.entries ?? []);
  const details = now.code?.details ?? {};
  for (const [key, entry] of after) {
    const old = before.get(key);
    if (old === undefined) changes.push(entryChange('added', entry, details));
    else if (old[2] !== entry[2] || old[3] !== entry[3]) changes.push(entryChange('changed', entry, details, old));
  }
  for (const [key, entry] of before) if (!after.has(key)) changes.push(entryChange('removed', entry, details));
  return changes;
}

function matchKey(entry: ManifestEntry): string {
  // A package's version is its entry's name: match by package so that a bump is a change.
  return entry[0] === 'package' ? `package\u0000${entry[1]}` : entryKey(entry);
}

function byMatchKey(entries: readonly ManifestEntry[]): Map<string, ManifestEntry> {
  return new Map(entries.map((entry) => [matchKey(entry), entry]));
}

function entryChange(
  change: 'added' | 'removed' | 'changed',
  entry: ManifestEntry,
  details: Readonly<Record<string, EntryDetail>>,
  old?: ManifestEntry,
): CodeChange {
  const [kind, module, name] = entry;
  const detail = details[entryKey(entry)];
  const label = labelOf(entry, detail);
  let text: string;
  if (change === 'added') text = `now also uses ${label}`;
  else if (change === 'removed') text = `no longer uses ${label}`;
  else if (kind === 'package' && old !== undefined && old[2] !== name) text = `package ${module} ${old[2]} → ${name}`;
  else if (kind === 'package') text = `package ${module} ${name} changed (its lockfile integrity differs)`;
  else if (kind === 'module') text = `${module} changed${detail?.why ? ` (hashed as a whole: ${detail.why})` : ' (hashed as a whole)'}`;
  else text = `${label} changed`;
  return { change, entry: { kind, module, name }, text };
}

function labelOf([kind, module, name]: ManifestEntry, detail: EntryDetail | undefined): string {
  const at = detail?.line === undefined ? module : `${module}:${detail.line}`;
  switch (kind) {
    case 'code':
      return `${detail?.declaration ?? 'helper'} \`${name}\` in ${at}`;
    case 'effects':
      return `top-level code of ${at}`;
    case 'module':
      return module;
    case 'package':
      return `package ${module} ${name}`;
    case 'builtin':
      return module || name;
    case 'env':
      return `environment variable ${name}`;
    case 'file':
      return `file ${module || name}`;
    case 'captured':
      return module === 'globalThis' ? `global \`${name}\`` : `captured value \`${name}\``;
  }
}
