/**
 * The files a module can load, each import resolved to what it names: another
 * local file, a package, a builtin, or a data file (JSON…). One esbuild build
 * with a metafile resolves the whole closure as the bundler would (TypeScript
 * extensions, tsconfig paths, package `imports`); packages stay external, as
 * they are identified by name and version, not by their files.
 *
 * A build costs tens of milliseconds, so the graph is kept, in memory and in
 * the persistent cache, and reused while every file in it still imports the
 * same specifiers (an edit that leaves the imports alone needs no new build).
 */
import { buildSync, type Loader, type Metafile } from 'esbuild';
import { existsSync } from 'node:fs';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { UnhashableError } from '../errors.js';
import { markDirty, persistent } from './persistent-cache.js';
import { isOwnCode, OWN_NAME, ownPackageDir } from './own-code.js';
import { builtinName, findPackageDir, packageName } from './packages.js';
import { specifiersOf, summaryOf, type SummarizedFile } from './summaries.js';

export type Target =
  | { readonly kind: 'local'; readonly path: string }
  | { readonly kind: 'data'; readonly path: string }
  | { readonly kind: 'package'; readonly name: string; readonly dir: string | null }
  | { readonly kind: 'builtin'; readonly name: string };

export interface GraphFile extends SummarizedFile {
  /** Project-relative, `/`-separated. */
  readonly path: string;
  readonly absolute: string;
  /** Specifier → what it resolves to. */
  readonly targets: Readonly<Record<string, Target>>;
}

export interface ModuleGraph {
  /** The nearest directory with a package.json above the entry module. */
  readonly root: string;
  readonly entry: string;
  readonly files: ReadonlyMap<string, GraphFile>;
}

interface StoredGraph {
  readonly root: string;
  readonly entry: string;
  readonly files: Record<string, { hash: string; specs: string[]; targets: Record<string, Target> }>;
}

const JS = new Set(['.js', '.mjs', '.cjs', '.jsx', '.ts', '.mts', '.cts', '.tsx']);
const DATA_LOADERS: Record<string, Loader> = Object.fromEntries(
  ['.txt', '.md', '.csv', '.tsv', '.html', '.sql', '.svg', '.wasm', '.node', '.png', '.jpg', '.yaml', '.yml', '.toml'].map((ext) => [ext, 'empty' as Loader]),
);

export function projectRoot(entry: string): string {
  for (let dir = dirname(entry); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return dirname(entry);
  }
}

export function toProjectPath(root: string, absolute: string): string {
  return relative(root, absolute).split(sep).join('/');
}

/** The resolved closure of `entry` (an absolute path) with each file's current summary. */
export function moduleGraph(entry: string): ModuleGraph {
  const stored = persistent().graphs[entry] as StoredGraph | undefined;
  if (stored !== undefined) {
    const graph = revalidate(stored);
    if (graph) return graph;
  }
  const built = build(entry);
  persistent().graphs[entry] = built;
  markDirty();
  return revalidate(built) ?? fail(entry, 'its files changed while they were being read');
}

/** The graph as stored, if every file still imports what it did (hashes updated in place). */
function revalidate(stored: StoredGraph): ModuleGraph | undefined {
  const files = new Map<string, GraphFile>();
  for (const [path, record] of Object.entries(stored.files)) {
    const absolute = resolve(stored.root, path);
    let file: SummarizedFile;
    try {
      file = summaryOf(absolute);
    } catch {
      return undefined; // gone
    }
    if (file.state.hash !== record.hash) {
      if (file.summary.whole !== undefined || specifiersOf(file.summary).join('\n') !== record.specs.join('\n')) return undefined;
      record.hash = file.state.hash;
      markDirty();
    }
    files.set(path, { ...file, path, absolute, targets: record.targets });
  }
  return { root: stored.root, entry: stored.entry, files };
}

function build(entry: string): StoredGraph {
  const root = projectRoot(entry);
  let metafile: Metafile;
  try {
    metafile = buildSync({
      entryPoints: [entry],
      absWorkingDir: root,
      bundle: true,
      write: false,
      metafile: true,
      packages: 'external',
      platform: 'node',
      format: 'esm',
      target: 'esnext',
      outdir: join(root, '.memograph-unwritten'),
      loader: DATA_LOADERS,
      logLevel: 'silent',
    }).metafile!;
  } catch (error) {
    const errors = (error as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors;
    const first = errors?.[0];
    const where = first?.location ? ` (${first.location.file}:${first.location.line})` : '';
    return fail(entry, first ? `${first.text}${where}` : String(error));
  }
  const files: StoredGraph['files'] = {};
  for (const [input, info] of Object.entries(metafile.inputs)) {
    if (input.includes(':') && !existsSync(resolve(root, input))) continue; // another namespace
    const absolute = resolve(root, input);
    if (!JS.has(extname(absolute)) || isOwnCode(absolute)) continue;
    const path = toProjectPath(root, absolute);
    const targets: Record<string, Target> = {};
    for (const imported of info.imports) {
      // An external import is reported by its specifier as written, without `original`.
      const spec = imported.original ?? (imported.external ? imported.path : undefined);
      if (spec === undefined) continue;
      targets[spec] = targetOf(spec, imported.path, imported.external === true, root, dirname(absolute));
    }
    const { state, summary } = summaryOf(absolute);
    // Specifiers esbuild did not report (a literal import() it could not follow) resolve to nothing: the slicer then takes the module whole.
    files[path] = { hash: state.hash, specs: specifiersOf(summary), targets };
  }
  return { root, entry: toProjectPath(root, entry), files };
}

function targetOf(spec: string, path: string, external: boolean, root: string, fromDir: string): Target {
  if (external) {
    const builtin = builtinName(spec);
    if (builtin !== undefined) return { kind: 'builtin', name: builtin };
    const name = packageName(spec);
    const dir = findPackageDir(name, fromDir);
    return { kind: 'package', name, dir: dir === undefined ? null : toProjectPath(root, dir) };
  }
  const absolute = resolve(root, path);
  // memograph's own modules, imported by path: the package, not its files (see own-code.ts).
  if (isOwnCode(absolute)) return { kind: 'package', name: OWN_NAME, dir: toProjectPath(root, ownPackageDir()) };
  return JS.has(extname(absolute)) ? { kind: 'local', path: toProjectPath(root, absolute) } : { kind: 'data', path: toProjectPath(root, absolute) };
}

function fail(entry: string, why: string): never {
  throw new UnhashableError(
    `module ${entry}`,
    `its imports cannot be resolved: ${why}`,
    'Fix the import, or pass { version: "…" } to identify the function yourself',
  );
}
