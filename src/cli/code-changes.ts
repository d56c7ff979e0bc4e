/**
 * What changed in a function's code between the identity a cached result was computed
 * under (read back from the store, where it was kept beside the result) and the identity
 * a call has now: its version, its mode, its own source, and its code manifest's
 * entries (manifest-diff.ts says those in words).
 */
import type { FunctionIdentity } from '../hash/identity.js';
import { diffManifests } from '../identity/manifest-diff.js';
import type { ManifestEntry } from '../identity/manifest.js';
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
  for (const change of diffManifests(earlier.entries ?? [], now.code)) {
    // A module function's own declaration is an entry too: "its own source changed" says it.
    const own = change.entry.kind === 'code' && change.entry.name === now.name && changes.some((c) => c.change === 'source');
    if (!own) changes.push(change);
  }
  return changes;
}
