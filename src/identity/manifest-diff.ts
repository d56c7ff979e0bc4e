/**
 * What differs between two code manifests of one function, entry by entry and
 * in words: "helper `scale` in src/util.ts changed", "now also uses helper
 * `clamp` in src/util.ts", "package lodash 4.17.20 → 4.17.21", "environment
 * variable SCALE changed", "captured value `offset` changed". `memograph
 * explain` says it of a cached result's code; a main-thread task whose
 * captures changed after `delayed()` says it in its error.
 *
 * Entries are matched by kind, module and name (a package by its name alone,
 * so a new version reads as a change). Display details come from the newer
 * manifest only: they are not hashed, so a stored manifest need not keep them.
 */
import { entryKey, type CodeManifest, type EntryDetail, type ManifestEntry } from './manifest.js';

export interface ManifestChange {
  readonly change: 'added' | 'removed' | 'changed';
  readonly entry: { readonly kind: string; readonly module: string; readonly name: string };
  readonly text: string;
}

export function diffManifests(before: readonly ManifestEntry[], after: CodeManifest | undefined): ManifestChange[] {
  const was = byMatchKey(before);
  const now = byMatchKey(after?.entries ?? []);
  const details = after?.details ?? {};
  const changes: ManifestChange[] = [];
  for (const [key, entry] of now) {
    const old = was.get(key);
    if (old === undefined) changes.push(entryChange('added', entry, details));
    else if (old[2] !== entry[2] || old[3] !== entry[3]) changes.push(entryChange('changed', entry, details, old));
  }
  for (const [key, entry] of was) if (!now.has(key)) changes.push(entryChange('removed', entry, details));
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
  change: ManifestChange['change'],
  entry: ManifestEntry,
  details: Readonly<Record<string, EntryDetail>>,
  old?: ManifestEntry,
): ManifestChange {
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
      return `${detail?.declaration === 'function' || detail?.declaration === undefined ? 'helper' : detail.declaration} \`${name}\` in ${at}`;
    case 'effects':
      return name ? `code that changes \`${name}\` in ${at}` : `top-level code of ${at}`;
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
