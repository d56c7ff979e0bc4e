/**
 * What a function's source text tells us: a normalised form for its identity,
 * an expression a worker can evaluate to get the function back, and the names
 * it uses from outside (closures, imports) that a worker would not have.
 *
 * Function.prototype.toString gives one of these shapes, each handled:
 *   function f() {}, async function, function*, async function*   expression as is
 *   (a) => …, async a => …                                          expression as is
 *   class A {}                                                      expression as is (a class; calling it needs `new`)
 *   f() {}, async f() {}, *f() {}, async *f() {}, #f() {}, [k]() {} (methods) rebuilt as ({ "f"() {} })["f"]
 *   get f() {}, set f(v) {}                                         rejected
 *   function () { [native code] } (builtins, bound functions)      isNative, nothing else
 *
 * Source reaches us compiled (tsx/esbuild: minified-ish with `__name(…)`
 * helpers and locals renamed to avoid shadowing, `function add2` for
 * `const add = function add`; vitest: reformatted with tabs), which is why
 * identity is built from tokens, not text, with local bindings renamed to
 * placeholders and the `__name` helper left out (keep-names.ts;
 * docs/hash-format.md, "Function identity").
 */
import { Parser, type Node, type Token } from 'acorn';
import { analyze, type ScopeManager } from 'eslint-scope';
import type * as ESTree from 'estree';
import { InvalidArgumentError } from '../errors.js';
import { freeNames, globalNames } from './free-names.js';
import { keepNamesHelpers, type HelperTokens } from './keep-names.js';
import { normalizedText } from './token-text.js';
import { sourceReads, type SourceReads } from './source-reads.js';

export interface FunctionAnalysis {
  /**
   * JS source that, evaluated as an expression in a fresh worker
   * (`new Function('return (' + expression + '\n)')()`), yields the function.
   * Empty for native functions.
   */
  readonly expression: string;
  /**
   * The source's tokens joined by single spaces (none inside template
   * literals), with semicolons inserted by ASI written out, trailing commas
   * dropped, plain string literals in double quotes, and bindings local to
   * the function renamed to `#0`, `#1`, … (see `localBindings`), and
   * esbuild's keepNames helper left out (`__name(E, "n")` read as `E`, see
   * keep-names.ts): comments, formatting, consistent renaming of locals and
   * keepNames do not change it, any other token change does.
   */
  readonly normalized: string;
  /** Names the function uses that are neither declared inside it nor worker globals, sorted. */
  readonly freeNames: readonly string[];
  /**
   * Names of worker globals the function uses (`Math`, `process`, …), sorted:
   * where it runs on the main thread, a closure may shadow one of them.
   */
  readonly globalNames: readonly string[];
  /** Environment variables, literal imports and `globalThis` properties the source reads (source-reads.ts). */
  readonly reads: SourceReads;
  /** Builtin or bound function: no source to send or identify. */
  readonly isNative: boolean;
  /** Known to be sloppy-mode code (a plain function with own `caller`), where the same text means something else. */
  readonly sloppy: boolean;
}

const NO_READS: SourceReads = Object.freeze({
  envNames: [], envDynamic: undefined, imports: [], computedImport: false, globalProperties: [], memberReads: new Map(),
});

const NATIVE = /\{\s*\[native code\]\s*\}\s*$/;

const byFunction = new WeakMap<Function, FunctionAnalysis>();
const bySource = new Map<string, FunctionAnalysis>();

/** Analyse `fn`'s source (memoised per function and per source text). */
export function analyzeFunction(fn: Function): FunctionAnalysis {
  let analysis = byFunction.get(fn);
  if (analysis === undefined) {
    const source = Function.prototype.toString.call(fn);
    // A plain `function` with own `caller`/`arguments` is sloppy-mode code;
    // everything else is evaluated in strict mode, as ESM/TypeScript code is.
    const sloppy = Object.prototype.hasOwnProperty.call(fn, 'caller');
    const key = (sloppy ? 's' : 'x') + source;
    analysis = bySource.get(key);
    if (analysis === undefined) {
      analysis = analyzeSource(source, sloppy, fn.name);
      bySource.set(key, analysis);
    }
    byFunction.set(fn, analysis);
  }
  return analysis;
}

function analyzeSource(source: string, sloppy: boolean, name: string): FunctionAnalysis {
  if (NATIVE.test(source)) return Object.freeze({ expression: '', normalized: '', freeNames: [], globalNames: [], reads: NO_READS, isNative: true, sloppy });
  const parsed = parseFunction(source, name);
  const scopes = analyze(parsed.program, { ecmaVersion: 2022, sourceType: 'script', fallback: 'iteration' });
  const locals = localBindings(parsed, scopes, sloppy);
  // Where names are looked up at run time (eval, with), `__name` may not be the helper.
  const helpers = locals && keepNamesHelpers(parsed.fn, scopes, parsed.tokens);
  return Object.freeze({
    expression: workerExpression(parsed, source, sloppy),
    normalized: normalize(source, parsed, locals, helpers),
    freeNames: Object.freeze(freeNames(parsed.fn, scopes)),
    globalNames: Object.freeze(globalNames(scopes)),
    reads: sourceReads(parsed.fn, scopes.globalScope!),
    isNative: false,
    sloppy,
  });
}

// ---------------------------------------------------------------------------
// Parsing: the source is parsed verbatim inside a wrapper, so token positions
// map back to it by subtracting `offset`.

interface Parsed {
  readonly program: ESTree.Program;
  readonly fn: ESTree.Node; // the function, arrow, class, or (method form) the method's FunctionExpression
  readonly method?: ESTree.MethodDefinition;
  readonly offset: number;
  readonly tokens: Token[];
  readonly insertedSemicolons: number[];
}

const WRAPPERS = [
  { before: '(', after: '\n)' }, // function, arrow or class expression
  { before: '(class {', after: '\n})' }, // method shorthand: class bodies take every method form
];

function parseFunction(source: string, name: string): Parsed {
  let firstError: unknown;
  for (const [form, { before, after }] of WRAPPERS.entries()) {
    const tokens: Token[] = [];
    const insertedSemicolons: number[] = [];
    let program: ESTree.Program;
    const parse = (sourceType: 'script' | 'module') => {
      tokens.length = 0;
      insertedSemicolons.length = 0;
      return Parser.parse(before + source + after, {
        ecmaVersion: 'latest',
        sourceType,
        // `this.#x` in an arrow or method refers to a class we do not see.
        checkPrivateFields: false,
        ranges: true, // eslint-scope reads node.range
        onToken: tokens,
        onInsertedSemicolon: (end) => insertedSemicolons.push(end),
      }) as unknown as ESTree.Program;
    };
    try {
      program = parse('script');
    } catch (error) {
      // A function from a module may use module-only syntax such as import.meta.
      try {
        program = parse('module');
      } catch {
        firstError ??= error;
        continue;
      }
    }
    const offset = before.length;
    const statement = program.body[0];
    if (program.body.length !== 1 || statement?.type !== 'ExpressionStatement') continue;
    let node: ESTree.Node = statement.expression;
    let method: ESTree.MethodDefinition | undefined;
    if (form === 1) {
      const element = (node as ESTree.ClassExpression).body.body[0];
      if (element?.type !== 'MethodDefinition' || (node as ESTree.ClassExpression).body.body.length !== 1) continue;
      if (element.kind === 'get' || element.kind === 'set') {
        throw new InvalidArgumentError(
          `Function \`${name}\` is a ${element.kind}ter; getters and setters cannot be delayed functions`,
        );
      }
      method = element;
      node = element.value;
    }
    if (!isFunctionLike(node)) continue;
    const span = node as unknown as Node;
    if (method === undefined && (span.start !== offset || span.end !== offset + source.length)) continue;
    return { program, fn: node, method, offset, tokens, insertedSemicolons };
  }
  throw new InvalidArgumentError(
    `Cannot analyse the source of function \`${name || 'anonymous'}\`: ${(firstError as Error | undefined)?.message ?? 'not a function expression'}`,
  );
}

function isFunctionLike(node: ESTree.Node): boolean {
  return (
    node.type === 'FunctionExpression' || node.type === 'ArrowFunctionExpression' || node.type === 'ClassExpression'
  );
}

// ---------------------------------------------------------------------------

function workerExpression(parsed: Parsed, source: string, sloppy: boolean): string {
  let core = source;
  const method = parsed.method;
  if (method) {
    const fn = method.value as ESTree.FunctionExpression & Node;
    const key = method.key as ESTree.Node & Node;
    const keyText = method.computed
      ? `[${source.slice(key.start - parsed.offset, key.end - parsed.offset)}]`
      : key.type === 'Identifier'
        ? key.name
        : key.type === 'PrivateIdentifier'
          ? `#${key.name}`
          : String((key as ESTree.Literal).value);
    const name = JSON.stringify(keyText);
    const modifiers = (fn.async ? 'async ' : '') + (fn.generator ? '*' : '');
    // fn.start is the `(` of the parameters.
    core = `({ ${modifiers}${name}${source.slice(fn.start - parsed.offset)}\n})[${name}]`;
  }
  if (parsed.fn.type === 'ClassExpression' || sloppy) return core;
  const strict = `(() => { "use strict"; return (${core}\n); })()`;
  // Code that is only valid in sloppy mode (a `with`, octal literals) keeps it.
  return parses(strict) ? strict : core;
}

function parses(expression: string): boolean {
  try {
    Parser.parse(`(${expression}\n)`, { ecmaVersion: 'latest', sourceType: 'script', checkPrivateFields: false });
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------

function normalize(
  source: string,
  parsed: Parsed,
  locals: LocalBindings | undefined,
  helpers: HelperTokens | undefined,
): string {
  const { offset } = parsed;
  const end = offset + source.length;
  const asi = new Set(parsed.insertedSemicolons.filter((at) => at > offset && at <= end));
  const optionalParens = soleParameterParens(parsed);
  const tokens: Token[] = [];
  for (const t of parsed.tokens) {
    if (t.start < offset || t.end > end || t.type.label === 'eof' || helpers?.removed.has(t.start)) continue;
    if (optionalParens.has(t.start)) continue;
    if (helpers?.unwrapped.has(t.start)) {
      // `const g = __name(() => 1, "g")⏎`: the inserted semicolon follows E.
      if (asi.has(t.end) && tokens.length > 0) asi.add(tokens[tokens.length - 1]!.end);
      continue;
    }
    tokens.push(t);
  }
  return normalizedText({
    tokens,
    textOf: (token) => source.slice(token.start - offset, token.end - offset),
    asi,
    bindingOf: (token) => locals?.byToken.get(token.start),
    shorthandKeys: locals?.shorthandKeys ?? NO_KEYS,
  });
}

const NO_KEYS: ReadonlySet<number> = new Set();

/**
 * The starts of the parentheses around an arrow function's sole plain parameter:
 * `(x) => x` and `x => x` are one function, and compilers disagree on which to
 * print (esbuild drops them, vitest's transform and prettier keep them).
 */
function soleParameterParens(parsed: Parsed): Set<number> {
  const starts = new Set<number>();
  const byStart = new Map(parsed.tokens.map((token, i) => [token.start, i]));
  const visit = (node: unknown): void => {
    if (typeof node !== 'object' || node === null) return;
    if (Array.isArray(node)) return node.forEach(visit);
    const arrow = node as ESTree.Node & Node;
    if (arrow.type === 'ArrowFunctionExpression' && arrow.params.length === 1 && arrow.params[0]!.type === 'Identifier') {
      const param = arrow.params[0] as ESTree.Identifier & Node;
      const i = byStart.get(param.start)!;
      const open = parsed.tokens[i - 1];
      const close = parsed.tokens[i + 1];
      // An opening parenthesis before the arrow's start groups the whole arrow: `(x => x)`.
      if (open?.type.label === '(' && open.start >= arrow.start && close?.type.label === ')') {
        starts.add(open.start);
        starts.add(close.start);
      }
    }
    for (const [key, value] of Object.entries(node)) if (key !== 'type' && typeof value === 'object') visit(value);
  };
  visit(parsed.fn);
  return starts;
}

// ---------------------------------------------------------------------------
// Local bindings (alpha-normalisation)
//
// Compilers rename bindings that are local to a function (esbuild turns
// `const add = function add() {}` into `function add2() {}`, minifiers
// shorten everything), so the identity ignores their spelling: every binding
// declared by the function (its own name as a function or class expression,
// parameters, var/let/const/using, function and class declarations, class
// expression names and catch parameters, in all scopes nested inside it) is
// written as a placeholder, the same for its declarations and every reference
// to it. `#` followed by digits is no JS token (`#x` is a private name and
// needs a letter), so a placeholder never reads like anything else.
//
// Left as written: free names (globals, closures, imports), property names
// and object keys, labels, private names, `arguments` (any binding with that
// name: `var arguments` does not reset the arguments object), `this`.
// No renaming at all where the scope analysis may be wrong about what a name
// refers to: a direct `eval(…)` or a `with` anywhere inside (names are looked
// up at run time), and a function declaration inside a block in code that is
// not known to be strict (sloppy-mode web-compatibility hoisting).

interface LocalBindings {
  /** Identifier token start → binding number (same number for one binding's declarations and references). */
  readonly byToken: ReadonlyMap<number, number>;
  /** Starts of shorthand property keys (`{ a }`, `({ a = 1 }) =>`), whose token is also a binding's. */
  readonly shorthandKeys: ReadonlySet<number>;
}

type Positioned = ESTree.Node & Node;

function localBindings(parsed: Parsed, scopes: ScopeManager, sloppy: boolean): LocalBindings | undefined {
  const root = parsed.fn as Positioned;
  const shorthandKeys = new Set<number>();
  // A plain function without own `caller` is strict; arrows, methods, async
  // functions and generators never have one, so for them only a directive or
  // an enclosing class tells.
  const knownStrict =
    root.type === 'ClassExpression' ||
    (root.type === 'FunctionExpression' && !root.async && !root.generator && !parsed.method && !sloppy);
  if (!scanForRenaming(root, knownStrict, shorthandKeys)) return undefined;

  // Group the identifier tokens of each binding. A class declaration's name
  // token declares two bindings (outside and inside the class body); they
  // merge, which is what renaming that one token does anyway.
  const parent = new Map<number, number>(); // token start → union-find parent
  const find = (at: number): number => {
    let top = at;
    for (let up = parent.get(top)!; up !== top; up = parent.get(top)!) top = up;
    return top;
  };
  for (const scope of scopes.scopes) {
    const block = scope.block as Positioned;
    if (block.start < root.start || block.end > root.end) continue;
    for (const variable of scope.variables) {
      if (variable.defs.length === 0 || variable.name === 'arguments') continue;
      const starts = [
        ...variable.identifiers.map((id) => (id as Positioned).start),
        ...variable.references.map((reference) => (reference.identifier as Positioned).start),
      ];
      let group: number | undefined;
      for (const at of starts) {
        if (!parent.has(at)) parent.set(at, at);
        const top = find(at);
        if (group === undefined) group = top;
        else if (top !== group) parent.set(top, group);
      }
    }
  }
  const byToken = new Map<number, number>();
  for (const at of parent.keys()) byToken.set(at, find(at));
  return { byToken, shorthandKeys };
}

/**
 * Walk the function: false if renaming would be unsound (direct eval, with,
 * a block-level function declaration in code not known to be strict);
 * collects shorthand property keys.
 */
function scanForRenaming(root: ESTree.Node, knownStrict: boolean, shorthandKeys: Set<number>): boolean {
  // `where`: 'body' for a function's body block, 'top' for a statement
  // directly in one (or in a class static block), where a function
  // declaration is an ordinary var-scoped one.
  const visit = (node: ESTree.Node, where: 'body' | 'top' | 'other', strict: boolean): boolean => {
    switch (node.type) {
      case 'WithStatement':
        return false;
      case 'CallExpression':
        // `eval(…)` through any binding named eval may be a direct eval.
        if (node.callee.type === 'Identifier' && node.callee.name === 'eval') return false;
        break;
      case 'ClassExpression':
      case 'ClassDeclaration':
        strict = true;
        break;
      case 'FunctionDeclaration':
        // In a block, switch case, label or if, sloppy code also hoists it to
        // the function (Annex B.3.3), which the scope analysis does not model.
        if (!strict && where !== 'top') return false;
        break;
      case 'Property':
        if (node.shorthand) shorthandKeys.add((node.key as Positioned).start);
        break;
    }
    const isFunction =
      node.type === 'FunctionExpression' || node.type === 'FunctionDeclaration' || node.type === 'ArrowFunctionExpression';
    if (isFunction && node.body.type === 'BlockStatement' && node.body.body.some(isUseStrict)) strict = true;
    for (const key in node) {
      const value = (node as unknown as Record<string, unknown>)[key];
      const childWhere =
        isFunction && key === 'body'
          ? 'body'
          : node.type === 'StaticBlock' || (node.type === 'BlockStatement' && where === 'body')
            ? 'top'
            : 'other';
      for (const child of Array.isArray(value) ? value : [value]) {
        if (isNode(child) && !visit(child, childWhere, strict)) return false;
      }
    }
    return true;
  };
  return visit(root, 'other', knownStrict);
}

function isNode(value: unknown): value is ESTree.Node {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

function isUseStrict(statement: ESTree.Node): boolean {
  return statement.type === 'ExpressionStatement' && 'directive' in statement && statement.directive === 'use strict';
}
