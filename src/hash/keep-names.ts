/**
 * esbuild's keepNames helper in a function's source, found so that the
 * normalised source can leave it out (docs/hash-format.md, "Function
 * identity"). With keepNames (tsx) esbuild writes, inside a function body:
 *
 *   const g = () => 1               const g = /* @__PURE__ *\/ __name(() => 1, "g")
 *   xs.map(function f(x) {…})       xs.map(__name(function f(x) {…}, "f"))
 *   (function h() {})()             (__name((function h() {}), "h"))()
 *   function inner() {}             function inner() {} __name(inner, "inner");
 *   class K { m() {} }              class K { static { __name(this, "K"); } m() {} }
 *
 * `__name` only sets `.name`, which the identity already ignores (it renames
 * locals), so a call `__name(E, "n")` counts as `E` and the statements and
 * static blocks that only name something count as nothing. Only where
 * dropping tokens leaves code that reads as it did (same parse, same
 * meaning but for the name); anything else is left as written.
 */
import type { Node, Token } from 'acorn';
import type { ScopeManager } from 'eslint-scope';
import type * as ESTree from 'estree';

/**
 * The helper's name: `__name`, or `__name2`, `__name3`, … where esbuild renamed it
 * because the code it compiled already had a `__name` (tsx's loader in a worker thread
 * compiles a `.mts` module so).
 */
export function isKeepNamesHelper(name: string): boolean {
  return /^__name\d*$/.test(name);
}

/** Token starts to leave out of the normalised source. */
export interface HelperTokens {
  /** Tokens of an unwrapped `__name(E, "n")` other than E's; an ASI semicolon after one still counts. */
  readonly unwrapped: ReadonlySet<number>;
  /** Tokens of removed statements and static blocks, with any ASI semicolon after them. */
  readonly removed: ReadonlySet<number>;
}

type Positioned = ESTree.Node & Node;

/**
 * Where a call may stand for an AssignmentExpression: putting any other
 * AssignmentExpression there parses the same (the rest is guarded below:
 * statement and arrow-body starts, `in` in a for head).
 */
const SLOTS: Readonly<Record<string, readonly string[]>> = {
  CallExpression: ['arguments'],
  NewExpression: ['arguments'],
  ImportExpression: ['source'],
  ArrayExpression: ['elements'],
  Property: ['value'],
  PropertyDefinition: ['value'],
  VariableDeclarator: ['init'],
  AssignmentExpression: ['right'],
  AssignmentPattern: ['right'],
  ConditionalExpression: ['consequent', 'alternate'],
  SequenceExpression: ['expressions'],
  SpreadElement: ['argument'],
  TemplateLiteral: ['expressions'],
  ArrowFunctionExpression: ['body'],
  ReturnStatement: ['argument'],
  ThrowStatement: ['argument'],
  YieldExpression: ['argument'],
};

/**
 * The helper's tokens inside `root`, or undefined if the function declares
 * a helper's name of its own (then its calls are the function's business).
 * `tokens` are the parse's tokens, positions as in the AST.
 */
export function keepNamesHelpers(root: ESTree.Node, scopes: ScopeManager, tokens: readonly Token[]): HelperTokens | undefined {
  const { start: rootStart, end: rootEnd } = root as Positioned;
  const inside = (node: ESTree.Node) => (node as Positioned).start >= rootStart && (node as Positioned).end <= rootEnd;

  // References to function declarations of the function: hoisted, so
  // reading one never throws (`__name(inner, "inner");` is a no-op).
  const hoisted = new Set<ESTree.Node>();
  for (const scope of scopes.scopes) {
    if (!inside(scope.block as ESTree.Node)) continue;
    for (const variable of scope.variables) {
      if (isKeepNamesHelper(variable.name) && variable.defs.length > 0) return undefined;
    }
    for (const reference of scope.references) {
      const defs = reference.resolved?.defs ?? [];
      const declared = defs.length > 0 && defs.every((def) => def.node.type === 'FunctionDeclaration' && inside(def.node as ESTree.Node));
      if (declared) hoisted.add(reference.identifier as ESTree.Node);
    }
  }

  const index = new Map<number, number>(); // token start → index
  tokens.forEach((token, i) => index.set(token.start, i));
  const label = (i: number): string | undefined => tokens[i]?.type.label;

  const unwrapped = new Set<number>();
  const removed = new Set<number>();
  const statementStarts = new Set<number>();
  const arrowBodyStarts = new Set<number>();
  const forHeads: [number, number][] = []; // where a bare `in` would be read as for-in
  const inForHead = (node: Positioned) => forHeads.some(([start, end]) => node.start >= start && node.end <= end);
  const remove = (node: ESTree.Node) => {
    const { start, end } = node as Positioned;
    for (let i = index.get(start)!; i < tokens.length && tokens[i]!.end <= end; i++) removed.add(tokens[i]!.start);
  };

  // `__name(inner, "inner");` or, in a static block, `__name(this, "K");`.
  const isNamingStatement = (statement: ESTree.Node, list: readonly ESTree.Node[], inStaticBlock: boolean): boolean => {
    if (statement.type !== 'ExpressionStatement') return false;
    const call = helperCall(statement.expression);
    if (call === undefined) return false;
    const [value] = call.arguments;
    if (!(value.type === 'ThisExpression' ? inStaticBlock : value.type === 'Identifier' && hoisted.has(value))) return false;
    // Dropping it must not turn the next statement into a directive ("use strict").
    const at = list.indexOf(statement);
    return !(list.slice(0, at).every(isStringStatement) && list[at + 1] !== undefined && isStringStatement(list[at + 1]!));
  };

  const unwrap = (call: HelperCall, parent: ESTree.Node, key: string): void => {
    const { start, end } = call as Positioned;
    const [value, name] = call.arguments;
    const open = index.get(start)! + 1; // `__name` then `(`
    const comma = index.get(name.start)! - 1;
    const close = label(comma + 2) === ',' ? comma + 3 : comma + 2; // a trailing comma, then `)`
    if (label(open) !== '(' || label(comma) !== ',' || label(close) !== ')' || tokens[close]!.end !== end) return;
    if (statementStarts.has(start)) return; // E would start the statement: `function`, `class`, `{` read otherwise
    const primary = value.type === 'FunctionExpression' || value.type === 'ClassExpression';
    if (!primary) {
      // A lower-precedence E is only safe where any AssignmentExpression fits.
      if (!SLOTS[parent.type]?.includes(key)) return;
      if (inForHead(call) && tokens.slice(open + 1, comma).some((token) => token.type.label === 'in')) return;
      if (arrowBodyStarts.has(start) && label(open + 1) === '{') return; // `() => {` opens a block
    }
    const drop = [open - 1, open, comma, comma + 1, comma + 2, close];
    // `(__name((E), "h"))`, esbuild's IIFE: E's own parentheses go too, leaving `(E)`.
    const parenthesised = label(open + 1) === '(' && tokens[open + 2]?.start === value.start && label(comma - 1) === ')';
    const enclosed = label(open - 2) === '(' && label(close + 1) === ')';
    if (parenthesised && enclosed && tokens[comma - 2]!.end === value.end && value.type !== 'SequenceExpression') {
      drop.push(open + 1, comma - 1);
    }
    for (const i of drop) unwrapped.add(tokens[i]!.start);
    if (arrowBodyStarts.has(start)) arrowBodyStarts.add(value.start); // E now starts the body
  };

  const visit = (node: ESTree.Node, parent: ESTree.Node | undefined, key: string): void => {
    switch (node.type) {
      case 'ExpressionStatement':
        statementStarts.add((node as Positioned).start);
        break;
      case 'ArrowFunctionExpression':
        if (node.expression) arrowBodyStarts.add((node.body as Positioned).start);
        break;
      case 'ForStatement':
        if (node.init) forHeads.push([(node.init as Positioned).start, (node.init as Positioned).end]);
        break;
      case 'ForInStatement':
      case 'ForOfStatement':
        forHeads.push([(node.left as Positioned).start, (node.left as Positioned).end]);
        break;
      case 'BlockStatement':
      case 'StaticBlock':
        for (const statement of node.body) {
          if (isNamingStatement(statement, node.body, node.type === 'StaticBlock')) remove(statement);
        }
        // A static block that only names its class is left out whole.
        if (node.type === 'StaticBlock' && node.body.length > 0 && node.body.every((s) => removed.has((s as Positioned).start))) {
          remove(node);
        }
        break;
      case 'SwitchCase':
        for (const statement of node.consequent) {
          if (isNamingStatement(statement, node.consequent, false)) remove(statement);
        }
        break;
      case 'CallExpression': {
        const call = helperCall(node);
        if (call !== undefined && parent !== undefined && !removed.has((node as Positioned).start)) unwrap(call, parent, key);
        break;
      }
    }
    for (const childKey in node) {
      if (childKey === 'type' || childKey === 'range' || childKey === 'loc') continue;
      const value = (node as unknown as Record<string, unknown>)[childKey];
      for (const child of Array.isArray(value) ? value : [value]) {
        if (isNode(child)) visit(child, node, childKey);
      }
    }
  };
  visit(root, undefined, '');
  return { unwrapped, removed };
}

type HelperCall = ESTree.SimpleCallExpression & Node & { arguments: [ESTree.Expression & Node, ESTree.Literal & Node] };

/** `__name(E, "n")`: a plain call of `__name`, two arguments, no spread, a string literal second. */
function helperCall(node: ESTree.Node): HelperCall | undefined {
  if (node.type !== 'CallExpression' || node.optional) return undefined;
  const { callee, arguments: args } = node;
  if (callee.type !== 'Identifier' || !isKeepNamesHelper(callee.name)) return undefined;
  if ((callee as Positioned).start !== (node as Positioned).start) return undefined; // `(__name)(…)`
  if (args.length !== 2 || args[0]!.type === 'SpreadElement') return undefined;
  const name = args[1]!;
  if (name.type !== 'Literal' || typeof name.value !== 'string') return undefined;
  return node as HelperCall;
}

function isStringStatement(statement: ESTree.Node): boolean {
  return (
    statement.type === 'ExpressionStatement' &&
    statement.expression.type === 'Literal' &&
    typeof statement.expression.value === 'string'
  );
}

function isNode(value: unknown): value is ESTree.Node {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}
