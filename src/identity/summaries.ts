/**
 * A file's summary, parsed once per content hash: in memory for this process,
 * and in the persistent cache for the next one.
 */
import { extname } from 'node:path';
import { readFileSync } from 'node:fs';
import { summarizeFile, SUMMARY_FORMAT, type FileSummary } from './file-summary.js';
import { fileState, type FileState } from './file-state.js';
import { markDirty, persistent } from './persistent-cache.js';

const byHash = new Map<string, FileSummary>();

export interface SummarizedFile {
  readonly state: FileState;
  readonly summary: FileSummary;
}

export function summaryOf(path: string): SummarizedFile {
  let content: Buffer | undefined;
  const state = fileState(path, (bytes) => (content = bytes));
  let summary = byHash.get(state.hash);
  if (summary === undefined) {
    const stored = persistent().summaries[state.hash];
    if (stored !== undefined && stored.format === SUMMARY_FORMAT) summary = stored;
    else {
      summary = summarizeFile((content ?? readFileSync(path)).toString('utf8'), extname(path));
      persistent().summaries[state.hash] = summary;
      markDirty();
    }
    byHash.set(state.hash, summary);
  }
  return { state, summary };
}

/** Every specifier a file imports, re-exports or loads by a literal `import()`. */
export function specifiersOf(summary: FileSummary): string[] {
  const specs = new Set<string>([...summary.stars, ...summary.sideEffects]);
  for (const { from } of Object.values(summary.imports)) specs.add(from);
  for (const ref of Object.values(summary.exports)) if ('from' in ref) specs.add(ref.from);
  for (const decl of summary.decls) for (const spec of decl.dynamicImports) specs.add(spec);
  return [...specs].sort();
}
