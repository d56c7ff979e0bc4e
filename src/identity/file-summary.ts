/**
 * What one source file tells the slicer, from its text alone: its top-level
 * bindings, each declaration's normalised tokens and the top-level names it
 * uses, its imports and exports, and which top-level code may change which
 * binding. A summary is plain JSON, so it can be cached by the file's content
 * hash across processes (summary-cache.ts) and never depends on other files.
 *
 * TypeScript (and JSX) is first turned into JavaScript by esbuild: types are
 * not code, and acorn reads only JavaScript.
 *
 * Tokens are normalised as function sources are (src/hash/function-source.ts):
 * comments and formatting are not tokens, plain strings are written as JSON,
 * trailing commas and semicolons inserted by ASI are written out the same way,
 * and bindings local to a declaration are renamed to `#0`, `#1`, … in order of
 * first use, so renaming a local never changes a hash.
 */
import { Parser, type Node, type Token } from 'acorn';
import { analyze, type Scope, type Variable } from 'eslint-scope';
import { transformSync, type Loader } from 'esbuild';
import { normalizedText } from '../hash/token-text.js';
import type * as ESTree from 'estree';
import { createHash } from 'node:crypto';
import { parentsOf, walk, type Positioned } from './ast-walk.js';
import { mayChange, scanFile, scanStatement } from './statement-facts.js';

/** Bump when the shape or meaning of a summary changes: cached summaries of another version are ignored. */
export const SUMMARY_FORMAT = 1;

export type DeclKind =
  | 'function' | 'async function' | 'generator function' | 'class' | 'const' | 'let' | 'var' | 'export default' | 'statement';

/** One top-level statement that is code (not an import or a bare re-export). */
export interface Decl {
  readonly kind: DeclKind;
  /** The top-level bindings it declares (none for a plain statement). */
  readonly names: readonly string[];
  /** 1-based line in the file as written, when known (display only). */
  readonly line?: number;
  /** sha256 (hex) of its normalised tokens. */
  readonly hash: string;
  /** Top-level bindings (declared or imported) it uses anywhere inside. */
  readonly refs: readonly string[];
  /** Top-level bindings declared in this file that it may change (assign, mutate, pass to a call). */
  readonly writes: readonly string[];
  /** `process.env.NAME` it reads. */
  readonly env: readonly string[];
  /** It reads `process.env` by a computed key, or the object as a whole. */
  readonly dynamicEnv?: true;
  /** Literal `import('…')` / `require('…')` specifiers. */
  readonly dynamicImports: readonly string[];
  /** Why analysis cannot follow it (a computed `import()`, `new Function`): its module is then hashed whole. */
  readonly why?: string;
}

export type ExportRef =
  | { readonly local: string }
  /** Re-exported from `from`; `name` is `*` for `export * as ns from`. */
  | { readonly from: string; readonly name: string };

export interface FileSummary {
  readonly format: number;
  /** Set when the file cannot be parsed or must be taken whole (direct `eval`, `with`). */
  readonly whole?: string;
  readonly decls: readonly Decl[];
  /** Top-level binding → index of its declaration in `decls`. */
  readonly bindings: Readonly<Record<string, number>>;
  /** Local import binding → specifier and imported name (`default`, `*` or a name). */
  readonly imports: Readonly<Record<string, { readonly from: string; readonly name: string }>>;
  readonly exports: Readonly<Record<string, ExportRef>>;
  /** `export * from` specifiers. */
  readonly stars: readonly string[];
  /** `import '…'` specifiers: modules imported for their effects. */
  readonly sideEffects: readonly string[];
}

const LOADERS: Record<string, Loader> = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx', '.jsx': 'jsx' };

/** The JavaScript acorn reads for a file with extension `ext` (TypeScript and JSX compiled by esbuild). */
export function javascriptOf(source: string, ext: string): string {
  const loader = LOADERS[ext];
  if (loader === undefined) return source;
  return transformSync(source, { loader, format: ext === '.cts' ? 'cjs' : 'esm', target: 'esnext', logLevel: 'silent' }).code;
}

export function summarizeFile(source: string, ext: string): FileSummary {
  let code: string;
  try {
    code = javascriptOf(source, ext);
  } catch (error) {
    return wholeSummary(`cannot be compiled: ${firstLine(error)}`);
  }
  const parsed = parse(code, ext);
  if ('error' in parsed) return wholeSummary(`cannot be parsed: ${parsed.error}`);
  return summarizeParsed(parsed, code, code === source ? undefined : source);
}

function wholeSummary(why: string): FileSummary {
  return { format: SUMMARY_FORMAT, whole: why, decls: [], bindings: {}, imports: {}, exports: {}, stars: [], sideEffects: [] };
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0]!;
}

// ---------------------------------------------------------------------------

export interface Parsed {
  readonly program: ESTree.Program;
  readonly tokens: Token[];
  readonly asi: Set<number>;
  readonly sourceType: 'module' | 'script';
}

export function parse(code: string, ext: string): Parsed | { error: string } {
  const order: ('module' | 'script')[] = ext === '.cjs' || ext === '.cts' ? ['script', 'module'] : ['module', 'script'];
  let first: string | undefined;
  for (const sourceType of order) {
    const tokens: Token[] = [];
    const asi = new Set<number>();
    try {
      const program = Parser.parse(code, {
        ecmaVersion: 'latest',
        sourceType,
        ranges: true,
        locations: true,
        allowHashBang: true,
        allowReturnOutsideFunction: sourceType === 'script',
        onToken: tokens,
        onInsertedSemicolon: (end) => asi.add(end),
      }) as unknown as ESTree.Program;
      return { program, tokens, asi, sourceType };
    } catch (error) {
      first ??= firstLine(error);
    }
  }
  return { error: first! };
}


function summarizeParsed(parsed: Parsed, code: string, original: string | undefined): FileSummary {
  const { program } = parsed;
  const fileWhy = scanFile(program);
  if (fileWhy) return wholeSummary(fileWhy);
  const scopes = analyze(program, { ecmaVersion: 2022, sourceType: parsed.sourceType, fallback: 'iteration' });
  const moduleScope: Scope = scopes.globalScope!.childScopes.find((s) => s.type === 'module') ?? scopes.globalScope!;
  const body = program.body as Positioned[];
  const parents = parentsOf(program);
  const locals = localPlaceholders(scopes.scopes, moduleScope);
  const tokenStarts = parsed.tokens.map((t) => t.start);

  const imports: Record<string, { from: string; name: string }> = {};
  const exports: Record<string, ExportRef> = {};
  const stars: string[] = [];
  const sideEffects: string[] = [];
  const decls: (Decl & { refs: string[]; writes: string[] })[] = [];
  const bindings: Record<string, number> = {};
  const declOf: (number | undefined)[] = []; // statement index → decl index

  body.forEach((statement, index) => {
    let node: Positioned = statement;
    let exported: 'named' | 'default' | undefined;
    switch (statement.type) {
      case 'ImportDeclaration': {
        const from = String(statement.source.value);
        if (statement.specifiers.length === 0) sideEffects.push(from);
        for (const s of statement.specifiers) {
          const name = s.type === 'ImportNamespaceSpecifier' ? '*' : s.type === 'ImportDefaultSpecifier' ? 'default' : nameOf(s.imported);
          imports[s.local.name] = { from, name };
        }
        return;
      }
      case 'ExportAllDeclaration': {
        const from = String(statement.source.value);
        if (statement.exported) exports[nameOf(statement.exported)] = { from, name: '*' };
        else stars.push(from);
        return;
      }
      case 'ExportNamedDeclaration':
        if (!statement.declaration) {
          const from = statement.source ? String(statement.source.value) : undefined;
          for (const s of statement.specifiers) {
            const local = nameOf(s.local);
            exports[nameOf(s.exported)] = from === undefined ? { local } : { from, name: local };
          }
          return;
        }
        node = statement.declaration as Positioned;
        exported = 'named';
        break;
      case 'ExportDefaultDeclaration':
        node = statement.declaration as Positioned;
        exported = 'default';
        break;
    }
    const names = declaredNames(node);
    let kind = kindOf(node);
    if (exported === 'default') {
      if (names.length === 0) {
        names.push('default');
        kind = 'export default';
      }
      exports.default = { local: names[0]! };
    } else if (exported === 'named') {
      for (const name of names) exports[name] = { local: name };
    }
    const facts = scanStatement(statement);
    const decl = {
      kind,
      names,
      line: lineOf(statement, names, kind, original),
      hash: hashTokens(parsed, tokenStarts, code, statement, locals),
      refs: [] as string[],
      writes: [] as string[],
      env: facts.env,
      ...(facts.dynamicEnv ? { dynamicEnv: true as const } : {}),
      dynamicImports: facts.dynamicImports,
      ...(facts.why ? { why: facts.why } : {}),
    };
    declOf[index] = decls.length;
    for (const name of names) bindings[name] = decls.length;
    decls.push(decl);
  });

  // Who uses and who may change each top-level binding.
  const starts = body.map((s) => s.start);
  for (const variable of moduleScope.variables) {
    const declared = variable.defs.some((d) => d.type !== 'ImportBinding');
    for (const reference of variable.references) {
      const at = (reference.identifier as Positioned).start;
      const index = declOf[statementAt(starts, at)];
      if (index === undefined) continue;
      const decl = decls[index]!;
      if (!decl.refs.includes(variable.name)) decl.refs.push(variable.name);
      if (!declared || decl.names.includes(variable.name) || decl.writes.includes(variable.name)) continue;
      const def = variable.defs[0]!.type;
      const callable = def === 'FunctionName' || def === 'ClassName';
      if ((reference.isWrite() && !reference.init) || mayChange(reference.identifier as Positioned, parents, callable, def === 'ClassName')) {
        decl.writes.push(variable.name);
      }
    }
  }
  for (const decl of decls) {
    decl.refs.sort();
    decl.writes.sort();
  }
  return { format: SUMMARY_FORMAT, decls, bindings, imports, exports, stars, sideEffects };
}

function nameOf(node: ESTree.Identifier | ESTree.Literal): string {
  return node.type === 'Identifier' ? node.name : String(node.value);
}

function statementAt(starts: readonly number[], at: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= at) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function declaredNames(node: ESTree.Node): string[] {
  if (node.type === 'FunctionDeclaration' || node.type === 'ClassDeclaration') return node.id ? [node.id.name] : [];
  if (node.type !== 'VariableDeclaration') return [];
  const names: string[] = [];
  const collect = (pattern: ESTree.Pattern | null): void => {
    if (!pattern) return;
    switch (pattern.type) {
      case 'Identifier': names.push(pattern.name); break;
      case 'ObjectPattern': for (const p of pattern.properties) collect(p.type === 'RestElement' ? p.argument : p.value); break;
      case 'ArrayPattern': pattern.elements.forEach(collect); break;
      case 'RestElement': collect(pattern.argument); break;
      case 'AssignmentPattern': collect(pattern.left); break;
    }
  };
  for (const declarator of node.declarations) collect(declarator.id);
  return names;
}

function kindOf(node: ESTree.Node): DeclKind {
  if (node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression') {
    return node.async ? 'async function' : node.generator ? 'generator function' : 'function';
  }
  if (node.type === 'ClassDeclaration') return 'class';
  if (node.type === 'VariableDeclaration') return node.kind === 'const' || node.kind === 'let' || node.kind === 'var' ? node.kind : 'const';
  return node.type.endsWith('Expression') || node.type === 'ClassExpression' ? 'export default' : 'statement';
}

/**
 * The line of a statement in the file as written. Compiled TypeScript has other
 * lines, so there a declaration is found by its name (display only: a wrong
 * guess changes no hash).
 */
function lineOf(statement: Positioned, names: readonly string[], kind: DeclKind, original: string | undefined): number | undefined {
  const line = statement.loc?.start.line;
  if (original === undefined) return line;
  const name = names[0];
  if (name === undefined || name === 'default') return undefined;
  const keyword = kind === 'class' ? 'class' : kind.endsWith('function') ? 'function\\*?' : '(?:const|let|var|enum|namespace)';
  const match = new RegExp(`\\b${keyword}\\s+${name.replace(/\$/g, '\\$')}\\b`).exec(original);
  return match ? original.slice(0, match.index).split('\n').length : undefined;
}

// ---------------------------------------------------------------------------
// Tokens

/** Token start → binding number for every binding declared below the top level (they are renamed). */
function localPlaceholders(all: readonly Scope[], moduleScope: Scope): Map<number, Variable> {
  const byToken = new Map<number, Variable>();
  for (const scope of all) {
    if (scope === moduleScope || scope.type === 'global') continue;
    for (const variable of scope.variables) {
      if (variable.defs.length === 0 || variable.name === 'arguments') continue;
      // The inner binding of a class's own name is the top-level name itself.
      if (scope.type === 'class' && scope.upper === moduleScope) continue;
      for (const id of variable.identifiers) byToken.set((id as Positioned).start, variable);
      for (const reference of variable.references) byToken.set((reference.identifier as Positioned).start, variable);
    }
  }
  return byToken;
}

function hashTokens(parsed: Parsed, tokenStarts: readonly number[], code: string, statement: Positioned, locals: Map<number, Variable>): string {
  const { tokens, asi } = parsed;
  let first = statementAt(tokenStarts, statement.start);
  if (tokens[first]!.start < statement.start) first++;
  let end = first;
  while (end < tokens.length && tokens[end]!.end <= statement.end && tokens[end]!.type.label !== 'eof') end++;
  const text = normalizedText({
    tokens: tokens.slice(first, end),
    textOf: (token) => code.slice(token.start, token.end),
    asi,
    bindingOf: (token) => locals.get(token.start),
    shorthandKeys: shorthandKeys(statement),
  });
  return createHash('sha256').update(text).digest('hex');
}

function shorthandKeys(root: ESTree.Node): Set<number> {
  const keys = new Set<number>();
  walk(root, (node) => {
    if (node.type === 'Property' && node.shorthand) keys.add((node.key as Positioned).start);
    return true;
  });
  return keys;
}
