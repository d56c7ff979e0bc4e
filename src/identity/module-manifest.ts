/**
 * The code manifest of a function exported by a module (`delayed(fn, { module:
 * import.meta.url })`): the slice of the module's closure the export can reach
 * (slice.ts), the environment variables that code reads, and the variables
 * the function declares it reads (`env`).
 *
 * Computed once per function and export in a process: the code a process runs
 * cannot change under it (stale-code.ts checks that it did not before each
 * run), so later `delayed()` calls of the same function only re-read the
 * environment variables.
 */
import { transformSync } from 'esbuild';
import { statSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CodeChangedError, UnhashableError } from '../errors.js';
import { analyzeFunction } from '../hash/function-source.js';
import type { ManifestRequest } from './code-manifest.js';
import { javascriptOf, parse } from './file-summary.js';
import { changedSinceLoaded } from './loaded-code.js';
import { environmentHash } from './environment.js';
import { sha256 } from './file-state.js';
import { ManifestBuilder, type CodeManifest } from './manifest.js';
import { moduleGraph } from './module-graph.js';
import { sliceExport } from './slice.js';
import { closureFiles, noteLoaded, registerClosure } from './stale-code.js';
import { storedManifest, storeManifest, type StoredAnalysis } from './manifest-cache.js';
import { fileState, recordingReads } from './file-state.js';
import type * as ESTree from 'estree';

interface Known {
  readonly manifest: CodeManifest;
  /** Each environment variable of the manifest and its value when it was made (compared as is: no hashing per call). */
  readonly env: readonly (readonly [string, string | undefined])[];
}

const known = new WeakMap<Function, Map<string, Known>>();

export function moduleManifest(request: ManifestRequest & { placement: { kind: 'module' } }): CodeManifest | undefined {
  const { url, exportName } = request.placement;
  if (!url.startsWith('file:')) {
    // Code not read from a file cannot be sliced: an identity without it would miss every change to it.
    throw new UnhashableError(
      `module ${url}`,
      `function \`${request.name}\` comes from a module that is not a file, whose code cannot be read to identify it`,
      'Pass { version: "…" } to identify it yourself',
    );
  }
  const key = `${url}#${exportName}\u0000${(request.env ?? []).join(',')}`;
  let perFunction = known.get(request.fn);
  const previous = perFunction?.get(key);
  if (previous !== undefined && previous.env.every(([name, value]) => process.env[name] === value)) return previous.manifest;

  const entry = fileURLToPath(url);
  const manifest = analyse(entry, exportName, request.env ?? [], request.name, true);
  if (previous === undefined) checkLoadedSource(request.fn, request.name, entry, exportName);
  const env = manifest.entries.filter((e) => e[0] === 'env').map((e) => [e[2], process.env[e[2]]] as const);
  if (perFunction === undefined) known.set(request.fn, (perFunction = new Map()));
  perFunction.set(key, { manifest, env });
  return manifest;
}

/**
 * The manifest of `exportName` of the module at `entry` (an absolute path) as
 * the files are on disk now, without comparing them with what this process
 * loaded (for `explain`, and tests).
 */
export function manifestOfExport(entry: string, exportName: string, env: readonly string[] = []): CodeManifest {
  return analyse(entry, exportName, env, exportName, false);
}

function analyse(entry: string, exportName: string, declaredEnv: readonly string[], name: string, first: boolean): CodeManifest {
  const key = `${entry}\u0000${exportName}\u0000${declaredEnv.join(',')}`;
  const stored = first ? storedManifest(key, environmentHash) : undefined;
  if (stored !== undefined) {
    const { manifest, analysis } = stored;
    return adopt(manifest, analysis, name, () => analyse(entry, exportName, declaredEnv, name, false));
  }
  const { result, reads } = recordingReads(() => {
    const graph = moduleGraph(entry);
    const builder = new ManifestBuilder();
    const slice = sliceExport(graph, exportName, builder, declaredEnv.length > 0);
    for (const variable of new Set([...slice.env, ...declaredEnv])) builder.add('env', '', variable, environmentHash(variable));
    return { graph, slice, manifest: builder.build() };
  });
  const { graph, slice, manifest } = result;
  const analysis: StoredAnalysis = {
    reads,
    closure: new Map([...graph.files.values()].map((file) => [file.absolute, file.path])),
    slice: [...graph.files.values()].filter((file) => slice.files.has(file.path)).map((file) => file.absolute),
  };
  if (first) {
    // A file edited after this process imported it, but before its first analysis.
    const inSlice = [...graph.files.values()].filter((file) => slice.files.has(file.path) && !file.absolute.endsWith('.json'));
    const changed = changedSinceLoaded(inSlice.map((file) => ({ absolute: file.absolute, mtimeMs: file.state.mtimeMs, text: () => readFileSync(file.absolute, 'utf8') })));
    if (changed !== undefined) throw new CodeChangedError({ taskName: name, file: analysis.closure.get(changed) ?? changed });
  }
  const adopted = adopt(manifest, analysis, first ? name : undefined, () => analyse(entry, exportName, declaredEnv, name, false));
  if (first) storeManifest(key, manifest, analysis);
  return adopted;
}

/**
 * Take `manifest` as the function's, from files in the states `analysis` read:
 * the first time this process meets a file its hash is what the process loaded
 * (stale-code.ts), and a slice file it met before with other bytes has changed
 * under it. `name` is undefined when the manifest is made again for that check.
 */
function adopt(manifest: CodeManifest, analysis: StoredAnalysis, name: string | undefined, recompute: () => CodeManifest): CodeManifest {
  // Every closure file was read by the analysis; a graph reused from memory may not have asked again.
  const hashOf = (absolute: string) => analysis.reads.get(absolute)?.hash ?? fileState(absolute).hash;
  const slice = new Set(analysis.slice);
  const files: [string, string][] = [];
  const names = new Map<string, string>();
  for (const [absolute, path] of analysis.closure) {
    if (analysis.sliceOnly && !slice.has(absolute)) continue;
    const hash = hashOf(absolute);
    const loadedHash = name !== undefined ? noteLoaded(absolute, hash) : hash;
    if (!slice.has(absolute)) continue;
    if (loadedHash !== hash) throw new CodeChangedError({ taskName: name!, file: path });
    files.push([absolute, hash]);
    names.set(absolute, path);
  }
  registerClosure(manifest, { current: closureFiles(files), names, recompute });
  return manifest;
}

// ---------------------------------------------------------------------------
// The function this process loaded against its declaration on disk: the file
// may have changed between the import and `delayed()`.

function checkLoadedSource(fn: Function, name: string, entry: string, exportName: string): void {
  // A file last written before this process started is what it imported.
  if (statSync(entry).mtimeMs < performance.timeOrigin - 1000) return;
  const onDisk = declarationOnDisk(entry, exportName);
  if (onDisk === undefined) return;
  const loaded = compiledAlike(Function.prototype.toString.call(fn));
  if (loaded === undefined || loaded === onDisk) return;
  // vitest rewrites imported names in the loaded code (__vite_ssr_import_0__.x) beyond what can be undone.
  if (loaded.includes('__vite_ssr_')) return;
  throw new CodeChangedError({
    taskName: name,
    file: entry,
    detail: `changed between this process importing it and \`delayed()\`: \`${exportName}\` there is not the function it loaded`,
  });
}

/** The normalised source of the export's declaration as the file is now, when it is a plain function. */
function declarationOnDisk(entry: string, exportName: string): string | undefined {
  let code: string;
  try {
    code = javascriptOf(readFileSync(entry, 'utf8'), extname(entry));
  } catch {
    return undefined;
  }
  const parsed = parse(code, extname(entry));
  if ('error' in parsed) return undefined;
  const node = findFunction(parsed.program, exportName);
  if (!node) return undefined;
  const range = (node as { range?: [number, number] }).range!;
  return compiledAlike(code.slice(range[0], range[1]));
}

/**
 * A function's source as its normalised tokens after esbuild's whitespace
 * minification: the loaded function comes from whatever compiled the module
 * (tsx minifies whitespace, which also drops the parentheses of `new X()`), the
 * declaration on disk from a plain transform, and both must read alike when
 * they are the same code. Undefined when the text is not a function expression.
 */
function compiledAlike(source: string): string | undefined {
  try {
    const code = transformSync(`(${source}\n);`, { loader: 'js', minifyWhitespace: true }).code.trim().replace(/;$/, '');
    // Creating the function runs none of its code.
    const made = new Function(`"use strict"; return ${code};`)() as Function;
    return withoutTestRewrites(analyzeFunction(made).normalized);
  } catch {
    return undefined;
  }
}

function findFunction(program: ESTree.Program, exportName: string): ESTree.Node | undefined {
  let local = exportName;
  for (const statement of program.body) {
    if (statement.type === 'ExportNamedDeclaration' && !statement.declaration && !statement.source) {
      for (const s of statement.specifiers) {
        const exported = s.exported.type === 'Identifier' ? s.exported.name : String(s.exported.value);
        if (exported === exportName && s.local.type === 'Identifier') local = s.local.name;
      }
    }
  }
  for (let statement of program.body as ESTree.Node[]) {
    if (statement.type === 'ExportDefaultDeclaration') {
      const declaration = statement.declaration;
      if (exportName === 'default' && (declaration.type === 'FunctionDeclaration' || declaration.type === 'ArrowFunctionExpression' || declaration.type === 'FunctionExpression')) {
        return declaration.type === "FunctionDeclaration" && !declaration.id ? undefined : (declaration as ESTree.Node);
      }
      continue;
    }
    if (statement.type === 'ExportNamedDeclaration' && statement.declaration) statement = statement.declaration;
    if (statement.type === 'FunctionDeclaration' && statement.id?.name === local) return statement;
    if (statement.type === 'VariableDeclaration') {
      for (const d of statement.declarations) {
        if (d.id.type === 'Identifier' && d.id.name === local && d.init && (d.init.type === 'ArrowFunctionExpression' || d.init.type === 'FunctionExpression')) {
          return d.init;
        }
      }
    }
  }
  return undefined;
}

/** vitest's module runner reads an import `x` as `(0, __vite_ssr_import_0__.x)` or `__vite_ssr_import_0__.x`. */
function withoutTestRewrites(normalized: string): string {
  if (!normalized.includes('__vite_ssr_')) return normalized;
  return normalized
    .replace(/\( 0 , __vite_ssr_import_\d+__ \. ([\w$]+) \)/g, '$1')
    .replace(/__vite_ssr_import_\d+__ \. ([\w$]+)/g, '$1')
    .replace(/__vite_ssr_dynamic_import__/g, 'import')
    .replace(/__vite_ssr_import_meta__/g, 'import . meta');
}


