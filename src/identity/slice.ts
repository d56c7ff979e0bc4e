/**
 * The part of a module graph an export can reach, as manifest entries.
 *
 * From the export, follow what each declaration uses: top-level bindings of
 * its file (`code` entries), imports to the binding they name in another file
 * (through re-exports and `export *`), packages, builtins and data files. A
 * binding also brings the code that may change it, since that code may have
 * run before the task (`effects` entries: top-level statements such as
 * `config.k = 2`, and functions anywhere in the file that assign or mutate it,
 * reachable from the export or not), and that code is followed in turn. A
 * module imported for its effects (`import './setup.js'`) by a file of the
 * slice brings its top-level statements.
 *
 * Where analysis cannot be sure what is reached (direct `eval`, `with`, a
 * computed `import()`, `new Function`, a file that does not parse), the file
 * is taken whole: a `module` entry with its content hash, and everything it
 * imports.
 */
import { UnhashableError } from '../errors.js';
import type { Decl } from './file-summary.js';
import type { ManifestBuilder } from './manifest.js';
import type { GraphFile, ModuleGraph, Target } from './module-graph.js';
import { packageIdentity } from './packages.js';
import { fileState, sha256 } from './file-state.js';
import { resolve } from 'node:path';

export interface SliceResult {
  /** Local files (project-relative) the slice takes anything from. */
  readonly files: ReadonlySet<string>;
  /** Environment variables read by sliced code. */
  readonly env: ReadonlySet<string>;
}

/**
 * `declaresEnv`: the function lists the environment variables it reads (the `env`
 * option), so code that reads `process.env` by a computed name is accepted, with
 * those variables as its entries, as for a self-contained function.
 */
export function sliceExport(graph: ModuleGraph, exportName: string, out: ManifestBuilder, declaresEnv = false): SliceResult {
  const slicer = new Slicer(graph, out, declaresEnv);
  slicer.exported(graph.entry, exportName, new Set());
  return { files: slicer.files, env: slicer.env };
}

class Slicer {
  readonly files = new Set<string>();
  readonly env = new Set<string>();
  readonly #seen = new Set<string>();
  readonly #graph: ModuleGraph;
  readonly #out: ManifestBuilder;

  readonly #declaresEnv: boolean;

  constructor(graph: ModuleGraph, out: ManifestBuilder, declaresEnv: boolean) {
    this.#graph = graph;
    this.#out = out;
    this.#declaresEnv = declaresEnv;
  }

  #once(key: string): boolean {
    if (this.#seen.has(key)) return false;
    this.#seen.add(key);
    return true;
  }

  #file(path: string): GraphFile {
    const file = this.#graph.files.get(path);
    if (!file) throw new Error(`internal: ${path} is not in the module graph of ${this.#graph.entry}`);
    this.files.add(path);
    return file;
  }

  /** The binding exported as `name` by `path`. `via` guards against `export *` cycles. */
  exported(path: string, name: string, via: Set<string>): boolean {
    const file = this.#file(path);
    const { summary } = file;
    if (summary.whole !== undefined) return this.whole(file, summary.whole), true;
    const ref = summary.exports[name];
    if (ref !== undefined) {
      if ('local' in ref) this.local(file, ref.local);
      else this.target(file, ref.from, ref.name);
      return true;
    }
    if (name === 'default' || via.has(path)) return false;
    via.add(path);
    for (const from of summary.stars) {
      const target = file.targets[from];
      if (target === undefined) {
        this.whole(file, `\`export * from "${from}"\` could not be resolved`);
        return true;
      }
      if (target.kind === 'local' ? this.exported(target.path, name, via) : (this.#outside(file, target), false)) return true;
    }
    return false;
  }

  /** Every export of `path` (a namespace import or a literal `import()`). */
  everything(path: string): void {
    if (!this.#once(`*\u0000${path}`)) return;
    const file = this.#file(path);
    const { summary } = file;
    if (summary.whole !== undefined) return this.whole(file, summary.whole);
    for (const name of Object.keys(summary.exports)) this.exported(path, name, new Set());
    for (const from of summary.stars) this.target(file, from, '*');
    this.#evaluated(file);
  }

  /** What `spec`, imported by `file` as `name` (`*` for the namespace), resolves to. */
  target(file: GraphFile, spec: string, name: string): void {
    const target = file.targets[spec];
    if (target === undefined) return this.whole(file, `import of "${spec}" could not be resolved`);
    if (target.kind !== 'local') return this.#outside(file, target);
    if (name === '*') return this.everything(target.path);
    if (!this.exported(target.path, name, new Set())) {
      // No such export: a namespace re-export from a package may hold it; take the module's star targets.
      const summary = this.#file(target.path).summary;
      for (const from of summary.stars) this.target(this.#file(target.path), from, '*');
    }
  }

  #outside(file: GraphFile, target: Exclude<Target, { kind: 'local' }>): void {
    const root = this.#graph.root;
    switch (target.kind) {
      case 'builtin':
        this.#out.add('builtin', target.name, '', '');
        return;
      case 'data': {
        const { hash } = fileState(resolve(root, target.path));
        this.#out.add('file', target.path, '', hash);
        return;
      }
      case 'package': {
        if (target.dir === null) {
          this.#out.add('package', target.name, '', 'missing', { why: `not found from ${file.path}` });
          return;
        }
        const { version, integrity } = packageIdentity(target.name, resolve(root, target.dir), root);
        this.#out.add('package', target.name, version, integrity, integrity ? undefined : { why: 'no lockfile integrity' });
      }
    }
  }

  /** Top-level binding `name` of `file` (declared or imported). */
  local(file: GraphFile, name: string): void {
    if (!this.#once(`${file.path}\u0000${name}`)) return;
    const { summary } = file;
    if (summary.whole !== undefined) return this.whole(file, summary.whole);
    const imported = summary.imports[name];
    if (imported !== undefined) return this.target(file, imported.from, imported.name);
    const index = summary.bindings[name];
    if (index === undefined) return; // a global
    const decl = summary.decls[index]!;
    this.#out.add('code', file.path, name, decl.hash, { line: decl.line, declaration: decl.kind });
    this.#decl(file, decl);
    const writers = summary.decls.filter((d) => d !== decl && d.writes.includes(name));
    if (writers.length > 0) {
      this.#out.add('effects', file.path, name, sha256(writers.map((d) => d.hash).join('\n')), { line: writers[0]!.line });
      for (const writer of writers) this.#decl(file, writer);
    }
  }

  #decl(file: GraphFile, decl: Decl): void {
    if (!this.#once(`${file.path}\u0000#${decl.hash}`)) return;
    this.#evaluated(file);
    if (decl.why !== undefined) return this.whole(file, decl.why);
    if (decl.dynamicEnv && !this.#declaresEnv) {
      throw new UnhashableError(
        `${file.path}${decl.line ? `:${decl.line}` : ''}`,
        'it reads `process.env` by a computed name (or as a whole), so which variables the result depends on is unknown',
        'Read each variable by its name (process.env.NAME), declare them with { env: ["NAME", …] }, or pass { version: "…" } to identify the function yourself',
      );
    }
    for (const name of decl.env) this.env.add(name);
    for (const ref of decl.refs) this.local(file, ref);
    for (const spec of decl.dynamicImports) this.target(file, spec, '*');
  }

  /** A file in the slice runs its top-level code, imports for effects included. */
  #evaluated(file: GraphFile): void {
    if (!this.#once(`evaluated\u0000${file.path}`)) return;
    for (const spec of file.summary.sideEffects) {
      const target = file.targets[spec];
      if (target === undefined) this.whole(file, `import of "${spec}" could not be resolved`);
      else if (target.kind !== 'local') this.#outside(file, target);
      else this.#statements(this.#file(target.path));
    }
  }

  /** The top-level statements of a module imported for its effects. */
  #statements(file: GraphFile): void {
    if (!this.#once(`statements\u0000${file.path}`)) return;
    if (file.summary.whole !== undefined) return this.whole(file, file.summary.whole);
    const statements = file.summary.decls.filter((d) => d.kind === 'statement');
    if (statements.length > 0) this.#out.add('effects', file.path, '', sha256(statements.map((d) => d.hash).join('\n')), { line: statements[0]!.line });
    for (const statement of statements) this.#decl(file, statement);
    this.#evaluated(file);
  }

  /** The whole file, and everything it imports. */
  whole(file: GraphFile, why: string): void {
    if (!this.#once(`whole\u0000${file.path}`)) return;
    this.files.add(file.path);
    this.#out.add('module', file.path, '', file.state.hash, { why });
    for (const decl of file.summary.decls) {
      if (decl.dynamicEnv && !this.#declaresEnv) this.#decl(file, decl); // refuses
      for (const name of decl.env) this.env.add(name);
    }
    for (const [spec, target] of Object.entries(file.targets)) {
      if (target.kind === 'local') this.everything(target.path);
      else this.#outside(file, target);
    }
  }
}
