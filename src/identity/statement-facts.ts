/**
 * What a top-level statement does that the slicer must know, read from its syntax
 * (file-summary.ts): the environment variables it reads, the modules it imports at run
 * time, code that reaches bindings by name (which makes the whole file the slice), and
 * whether a use of a top-level binding may change what the binding holds.
 */
import type * as ESTree from 'estree';
import { walk, type Positioned } from './ast-walk.js';

/** A reason to take the whole file: code that can reach any top-level binding by name at run time. */
export function scanFile(program: ESTree.Program): string | undefined {
  let why: string | undefined;
  walk(program, (node) => {
    if (why) return false;
    if (node.type === 'WithStatement') why = '`with` statement';
    else if (node.type === 'CallExpression' && node.callee.type === 'Identifier' && node.callee.name === 'eval') why = 'direct `eval`';
    return true;
  });
  return why;
}

export interface StatementFacts {
  env: string[];
  dynamicEnv: boolean;
  dynamicImports: string[];
  why?: string;
}

/** What one statement reads of `process.env` (by name, or `dynamicEnv` when the names cannot be known), the modules it imports at run time, and a reason to take the whole file if it has one. */
export function scanStatement(statement: ESTree.Node): StatementFacts {
  const facts: StatementFacts = { env: [], dynamicEnv: false, dynamicImports: [] };
  const envNodes = new Set<ESTree.Node>();
  walk(statement, (node, parent) => {
    if (isProcessEnv(node)) {
      const name = parent ? envName(node, parent) : undefined;
      if (name === undefined) facts.dynamicEnv = true;
      else for (const n of name) if (!facts.env.includes(n)) facts.env.push(n);
      envNodes.add(node);
      return false;
    }
    if (node.type === 'ImportExpression' || (node.type === 'CallExpression' && node.callee.type === 'Identifier' && node.callee.name === 'require')) {
      const source = node.type === 'ImportExpression' ? node.source : node.arguments[0];
      const literal = source && literalString(source as ESTree.Node);
      if (literal === undefined) facts.why ??= node.type === 'ImportExpression' ? 'computed `import()`' : 'computed `require()`';
      else if (!facts.dynamicImports.includes(literal)) facts.dynamicImports.push(literal);
    }
    if ((node.type === 'NewExpression' || node.type === 'CallExpression') && node.callee.type === 'Identifier' && node.callee.name === 'Function') {
      facts.why ??= '`new Function`';
    }
    return true;
  });
  facts.env.sort();
  facts.dynamicImports.sort();
  return facts;
}

function isProcessEnv(node: ESTree.Node): boolean {
  return (
    node.type === 'MemberExpression' && !node.computed && node.object.type === 'Identifier' && node.object.name === 'process' &&
    node.property.type === 'Identifier' && node.property.name === 'env'
  );
}

/** The variable names a use of `process.env` reads, or undefined when they cannot be known. */
function envName(node: ESTree.Node, parent: ESTree.Node): string[] | undefined {
  if (parent.type === 'MemberExpression' && parent.object === node) {
    if (!parent.computed && parent.property.type === 'Identifier') return [parent.property.name];
    const literal = parent.computed ? literalString(parent.property as ESTree.Node) : undefined;
    return literal === undefined ? undefined : [literal];
  }
  // const { A, B } = process.env
  if (parent.type === 'VariableDeclarator' && parent.init === node && parent.id.type === 'ObjectPattern') {
    const names: string[] = [];
    for (const p of parent.id.properties) {
      if (p.type === 'RestElement') return undefined;
      const key = p.computed ? literalString(p.key) : p.key.type === 'Identifier' ? p.key.name : literalString(p.key);
      if (key === undefined) return undefined;
      names.push(key);
    }
    return names;
  }
  return undefined;
}

function literalString(node: ESTree.Node): string | undefined {
  if (node.type === 'Literal' && typeof node.value === 'string') return node.value;
  if (node.type === 'TemplateLiteral' && node.expressions.length === 0) return node.quasis[0]!.value.cooked ?? undefined;
  return undefined;
}

/**
 * Whether this use of a top-level binding may change what it holds: the
 * binding or something inside it is assigned, updated or deleted, a method is
 * called on it, or it (or a part of it) is handed to a call or stored
 * elsewhere, where it may be changed. Plain reads are not.
 */
export function mayChange(identifier: Positioned, parents: WeakMap<ESTree.Node, ESTree.Node>, callable: boolean, isClass: boolean): boolean {
  let node: ESTree.Node = identifier;
  let parent = parents.get(node);
  let member = false;
  while (parent && ((parent.type === 'MemberExpression' && parent.object === node) || parent.type === 'ChainExpression' || parent.type === 'TSNonNullExpression' as string)) {
    if (parent.type === 'MemberExpression') member = true;
    node = parent;
    parent = parents.get(node);
  }
  if (!parent) return false;
  // A function or class handed around is called, not changed: only writes to
  // its properties count (and, for a class, static methods, which may keep state).
  if (callable) {
    if (!member) return false;
    if (parent.type === 'CallExpression' || parent.type === 'NewExpression') return isClass && parent.callee === node;
    if (parent.type !== 'AssignmentExpression' && parent.type !== 'UpdateExpression' && parent.type !== 'UnaryExpression') return false;
  }
  switch (parent.type) {
    case 'AssignmentExpression':
      return parent.left === node || (!callable && parent.right === node);
    case 'UpdateExpression':
      return true;
    case 'UnaryExpression':
      return parent.operator === 'delete';
    case 'CallExpression':
    case 'NewExpression':
      return parent.callee === node ? member : true;
    case 'VariableDeclarator':
      return parent.init === node;
    case 'ArrayExpression':
    case 'SpreadElement':
    case 'YieldExpression':
      return true;
    case 'Property':
      return parent.value === node && parents.get(parent)?.type === 'ObjectExpression';
    case 'ForOfStatement':
    case 'ForInStatement':
      return parent.left === node;
    default:
      return false;
  }
}
