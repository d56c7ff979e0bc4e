/**
 * Whether the code this process loaded from a file is the file's code now.
 *
 * The stale-code guard (stale-code.ts) takes a file's hash at its first
 * analysis as what the process loaded. That is wrong for a file edited after
 * the process imported it but before its first `delayed()`: the process runs
 * the old code, the analysis reads the new. Such a file was modified after the
 * process started, which is rare and cheap to notice (its mtime); only then is
 * the code V8 holds for it compared with the file.
 *
 * V8 holds what a loader made of the file (tsx compiles TypeScript with
 * whitespace minified and keepNames), not its text, so both sides are put
 * through the same esbuild passes (the file compiled with keepNames, once or
 * twice, then both minified) and compared as text. Equal text is the same code; a difference
 * that comes from a loader's other options reads as a change, which asks the
 * user to restart rather than risk old code under a new identity.
 */
import { transformSync } from 'esbuild';
import { pathToFileURL } from 'node:url';
import { javascriptOf } from './file-summary.js';
import { inspectorAvailable, loadedSources } from './inspector-scopes.js';

/** Slack for clocks: a file written just before the process started may still be read by it. */
const STARTED = performance.timeOrigin + 50;

export interface FileOnDisk {
  readonly absolute: string;
  readonly mtimeMs: number;
  readonly text: () => string;
}

/**
 * Of `files`, the first that this process loaded and whose loaded code is not
 * what the file holds now; undefined when there is none (or no inspector to ask).
 */
export function changedSinceLoaded(files: readonly FileOnDisk[]): string | undefined {
  const recent = files.filter((file) => file.mtimeMs > STARTED);
  if (recent.length === 0 || !inspectorAvailable()) return undefined;
  const urls = new Map(recent.map((file) => [pathToFileURL(file.absolute).href, file]));
  const sources = loadedSources(new Set(urls.keys()));
  for (const [url, loaded] of sources) {
    const file = urls.get(url)!;
    // vitest evaluates its own transform of a module: nothing here can compare with it.
    if (loaded.includes('__vite_ssr_')) continue;
    if (!sameCode(loaded, file)) return file.absolute;
  }
  return undefined;
}

function sameCode(loaded: string, file: FileOnDisk): boolean {
  try {
    const ext = file.absolute.slice(file.absolute.lastIndexOf('.'));
    const plain = ext === '.js' || ext === '.mjs' || ext === '.cjs' || ext === '.json';
    const held = minified(withoutSourceMap(loaded));
    if (plain) return held === minified(file.text());
    const once = transformSync(javascriptOf(file.text(), ext), { loader: 'js', keepNames: true }).code;
    if (held === minified(once)) return true;
    // tsx's loader in a worker thread compiles a .mts module twice: the second pass names
    // the first's helpers again, with a helper of its own (`__name2`).
    return held === minified(transformSync(once, { loader: 'js', keepNames: true }).code);
  } catch {
    return false;
  }
}

function withoutSourceMap(code: string): string {
  return code.replace(/\n\/\/# sourceMappingURL=[^\n]*\s*$/, '\n');
}

function minified(code: string): string {
  return transformSync(code, { loader: 'js', minifyWhitespace: true, format: 'esm' }).code;
}
