/**
 * What a function's own source reads from outside besides its free names:
 * environment variables (`process.env.NAME`), modules it imports with a
 * literal `import('…')`, and properties it reads from `globalThis`. These are
 * found statically, from the parse that function-source.ts already made, so
 * that the identity can record their values (src/identity/source-manifest.ts).
 *
 * Only references that reach the global `process`, `globalThis` or `global`
 * count: a local binding named `process` is the function's own business.
 */
import type { Scope } from 'eslint-scope';
import type * as ESTree from 'estree';

export interface SourceReads {
  /** Environment variables read by a name written in the source, sorted. */
  readonly envNames: readonly string[];
  /** How the function reads the environment in a way no name can be read from (`process.env[k]`), if it does. */
  readonly envDynamic: string | undefined;
  /** Specifiers of `import('…')` with a literal string, sorted. */
  readonly imports: readonly string[];
  /** The function has an `import(x)` whose specifier is computed. */
  readonly computedImport: boolean;
  /** Properties read as `globalThis.NAME` or `global.NAME`, sorted. */
  readonly globalProperties: readonly string[];
  /**
   * Free names used only as `name.key` (or `name["key"]`), with those keys,
   * sorted: a closure over a module's exports reads those exports, not all of
   * them (tsx's `import_x.f`, vitest's `__vi_import_0__.f`).
   */
  readonly memberReads: ReadonlyMap<string, readonly string[]>;
}

type Parent = ESTree.Node | undefined;

export function sourceReads(root: ESTree.Node, globalScope: Scope): SourceReads {
  // The identifier nodes that refer to a global process/globalThis/global.
  const globalRefs = new Set<ESTree.Node>();
  const freeRefs = new Set<ESTree.Node>();
  for (const reference of globalScope.through) {
    const id = reference.identifier;
    freeRefs.add(id as ESTree.Node);
    if (id.type === 'Identifier' && (id.name === 'process' || id.name === 'globalThis' || id.name === 'global')) {
      globalRefs.add(id);
    }
  }
  const envNames = new Set<string>();
  const imports = new Set<string>();
  const globalProperties = new Set<string>();
  let envDynamic: string | undefined;
  let computedImport = false;

  const members = new Map<string, Set<string> | null>(); // null: used otherwise than as name.key
  const visit = (node: ESTree.Node, parent: Parent): void => {
    if (node.type === 'Identifier' && freeRefs.has(node)) {
      const key = parent?.type === 'MemberExpression' && parent.object === node ? staticKey(parent) : undefined;
      const keys = members.get(node.name);
      if (key === undefined) members.set(node.name, null);
      else if (keys !== null) members.set(node.name, (keys ?? new Set()).add(key));
    }
    if (node.type === 'Identifier' && globalRefs.has(node)) {
      if (node.name === 'process') {
        // Every use is looked at: with a declared `env`, the named reads still count.
        const dynamic = processUse(node, parent, envNames, parents);
        envDynamic ??= dynamic;
      }
      else if (parent?.type === 'MemberExpression' && parent.object === node) {
        const key = staticKey(parent);
        if (key !== undefined) globalProperties.add(key);
      }
    }
    if (node.type === 'ImportExpression') {
      const specifier = literalString(node.source);
      if (specifier === undefined) computedImport = true;
      else imports.add(specifier);
    }
    for (const key in node) {
      if (key === 'type' || key === 'range' || key === 'loc') continue;
      const value = (node as unknown as Record<string, unknown>)[key];
      for (const child of Array.isArray(value) ? value : [value]) {
        if (isNode(child)) {
          parents.set(child, node);
          visit(child, node);
        }
      }
    }
  };
  const parents = new Map<ESTree.Node, ESTree.Node>();
  visit(root, undefined);
  return Object.freeze({
    envNames: Object.freeze([...envNames].sort()),
    envDynamic,
    imports: Object.freeze([...imports].sort()),
    computedImport,
    globalProperties: Object.freeze([...globalProperties].sort()),
    memberReads: new Map(
      [...members].flatMap(([name, keys]) => (keys === null ? [] : [[name, Object.freeze([...keys].sort())] as const])),
    ),
  });
}

/**
 * Records the variables a use of the global `process` reads; returns a
 * description when it is a read of the environment that names no variable.
 */
function processUse(
  node: ESTree.Identifier,
  parent: Parent,
  envNames: Set<string>,
  parents: ReadonlyMap<ESTree.Node, ESTree.Node>,
): string | undefined {
  if (parent?.type !== 'MemberExpression' || parent.object !== node) {
    // `process` handed on whole (`const p = process`, `f(process)`) may have its env read anywhere.
    return 'uses `process` as a value';
  }
  const key = staticKey(parent);
  if (key === undefined) return 'reads `process[…]` with a computed key';
  if (key !== 'env') return undefined;
  let env: ESTree.Node = parent;
  let above = parents.get(env);
  while (above?.type === 'ChainExpression' || (above?.type === 'TSNonNullExpression' as string)) {
    env = above;
    above = parents.get(env);
  }
  if (above?.type === 'MemberExpression' && above.object === env) {
    const name = staticKey(above);
    return name === undefined ? 'reads `process.env[…]` with a computed key' : void envNames.add(name);
  }
  if (above?.type === 'BinaryExpression' && above.operator === 'in' && above.right === env) {
    const name = literalString(above.left);
    return name === undefined ? 'tests `… in process.env` with a computed key' : void envNames.add(name);
  }
  const pattern =
    above?.type === 'VariableDeclarator' && above.init === env
      ? above.id
      : above?.type === 'AssignmentExpression' && above.right === env
        ? above.left
        : undefined;
  if (pattern?.type === 'ObjectPattern') {
    for (const property of pattern.properties) {
      const name = property.type === 'Property' ? (property.computed ? literalString(property.key) : keyName(property.key)) : undefined;
      if (name === undefined) return 'destructures `process.env` with a rest element or a computed key';
      envNames.add(name);
    }
    return undefined;
  }
  return 'uses `process.env` as a whole';
}

/** The property name of `o.name`, `o["name"]` or o[`name`]; undefined when computed. */
function staticKey(member: ESTree.MemberExpression): string | undefined {
  if (!member.computed) return member.property.type === 'Identifier' ? member.property.name : undefined;
  return literalString(member.property);
}

function keyName(key: ESTree.Node): string | undefined {
  if (key.type === 'Identifier') return key.name;
  return literalString(key);
}

function literalString(node: ESTree.Node | ESTree.PrivateIdentifier): string | undefined {
  if (node.type === 'Literal' && typeof node.value === 'string') return node.value;
  if (node.type === 'TemplateLiteral' && node.expressions.length === 0) return node.quasis[0]!.value.cooked ?? undefined;
  return undefined;
}

function isNode(value: unknown): value is ESTree.Node {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}
