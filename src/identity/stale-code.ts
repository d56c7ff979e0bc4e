/**
 * Stale code: an ES module cannot be loaded twice, so once this process has
 * imported a file, an edit to it on disk means the process (and every worker
 * that already imported it) keeps running the old code. Hashing the new file
 * would then store results of the old code under the new code's identity.
 *
 * So the first time this process analyses a file, its hash is taken as what
 * the process loaded; each module function keeps the files of its slice with
 * those hashes (its closure), and before a run uses the function they are
 * checked again (a stat, a hash only when the stat changed). A file that
 * changed fails the run unless the function's manifest, computed again from
 * the files as they are now, is still the same (the edit was elsewhere in the
 * file). Workers check the same list after importing the module.
 */
import { CodeChangedError } from '../errors.js';
import { fileState, sha256 } from './file-state.js';
import { manifestAddress, type CodeManifest } from './manifest.js';

/** Absolute path → hash of the file when this process first analysed it. */
const loaded = new Map<string, string>();

/** Take `hash` as what the process loaded from `path`, unless an earlier one was; returns the loaded hash. */
export function noteLoaded(path: string, hash: string): string {
  const earlier = loaded.get(path);
  if (earlier !== undefined) return earlier;
  loaded.set(path, hash);
  return hash;
}

export interface ClosureFiles {
  /** sha256 (hex) over the files and their hashes: a worker's key for "already verified". */
  readonly digest: string;
  /** Absolute path and sha256 (hex) of each file of the slice, as this process loaded it. */
  readonly files: readonly (readonly [string, string])[];
}

interface Closure {
  current: ClosureFiles;
  /** Display names (project-relative) by absolute path. */
  readonly names: ReadonlyMap<string, string>;
  /** The manifest computed again from the files as they are now. */
  readonly recompute: () => CodeManifest;
}

const closures = new WeakMap<CodeManifest, Closure>();

export function closureFiles(files: readonly (readonly [string, string])[]): ClosureFiles {
  const sorted = [...files].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { digest: sha256(sorted.map(([path, hash]) => `${path}\u0000${hash}`).join('\n')), files: sorted };
}

export function registerClosure(manifest: CodeManifest, closure: Closure): void {
  closures.set(manifest, closure);
}

/** The files a worker must find unchanged before running a module function with this manifest. */
export function closureOf(manifest: CodeManifest | undefined): ClosureFiles | undefined {
  return manifest && closures.get(manifest)?.current;
}

/**
 * Checks a module function's files against what this process loaded: the
 * changed file and what happened, or undefined when the code is unchanged
 * (or changed only where the function cannot reach).
 */
export function checkClosure(manifest: CodeManifest | undefined): { file: string; detail?: string } | undefined {
  const closure = manifest && closures.get(manifest);
  if (!closure) return undefined;
  let changed: string | undefined;
  let missing = false;
  for (const [path, hash] of closure.current.files) {
    try {
      if (fileState(path).hash === hash) continue;
    } catch {
      missing = true;
    }
    changed = path;
    break;
  }
  if (changed === undefined) return undefined;
  const file = closure.names.get(changed) ?? changed;
  if (missing) return { file, detail: 'was removed or cannot be read after this process loaded it' };
  let again: CodeManifest;
  try {
    again = closure.recompute();
  } catch {
    return { file };
  }
  if (manifestAddress(again).cid !== manifestAddress(manifest).cid) return { file };
  // Only code the function cannot reach changed: the new bytes are as good as the old.
  const next = closures.get(again);
  if (next) closure.current = next.current;
  return undefined;
}

/** Throws a CodeChangedError for `functionName` when its files changed since this process loaded them. */
export function assertClosureUnchanged(manifest: CodeManifest | undefined, functionName: string): void {
  const changed = checkClosure(manifest);
  if (changed) throw new CodeChangedError({ taskName: functionName, ...changed });
}
