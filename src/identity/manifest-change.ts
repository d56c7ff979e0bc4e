/**
 * What differs between two code manifests of one function, in words: the
 * message of a main-thread task whose captured values, globals or environment
 * changed after its identity was built.
 */
import { entryKey, type CodeManifest, type ManifestEntry } from './manifest.js';

export function describeManifestChange(before: CodeManifest | undefined, after: CodeManifest | undefined): string | undefined {
  const hashes = (manifest: CodeManifest | undefined) => {
    const byKey = new Map<string, { entry: ManifestEntry; hashes: string[] }>();
    for (const entry of manifest?.entries ?? []) {
      const key = entryKey(entry);
      const known = byKey.get(key);
      if (known) known.hashes.push(entry[3]);
      else byKey.set(key, { entry, hashes: [entry[3]] });
    }
    return byKey;
  };
  const was = hashes(before);
  const now = hashes(after);
  const changed: string[] = [];
  for (const key of new Set([...was.keys(), ...now.keys()])) {
    const a = was.get(key);
    const b = now.get(key);
    if (a && b && a.hashes.join('\u0000') === b.hashes.join('\u0000')) continue;
    changed.push(describeEntry((a ?? b)!.entry));
  }
  return changed.length === 0 ? undefined : changed.sort().join(', ');
}

function describeEntry([kind, module, name]: ManifestEntry): string {
  switch (kind) {
    case 'captured':
      return module === 'globalThis' ? `global \`${name}\`` : `captured variable \`${name}\``;
    case 'env':
      return `environment variable \`${name}\``;
    case 'package':
      return `package \`${module}\``;
    case 'builtin':
      return `module \`${module}\``;
    default:
      return `${kind} \`${module}${name ? `#${name}` : ''}\``;
  }
}
