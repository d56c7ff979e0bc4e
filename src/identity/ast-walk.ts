/** Walking an acorn syntax tree without a visitor library: the file summary's helpers. */
import type { Node } from 'acorn';
import type * as ESTree from 'estree';

/** A node with acorn's source offsets. */
export type Positioned = ESTree.Node & Node;

/** Visit every node below `root`, parents first; `visit` returns false to skip a node's children. */
export function walk(root: ESTree.Node, visit: (node: ESTree.Node, parent: ESTree.Node | undefined) => boolean): void {
  const stack: [ESTree.Node, ESTree.Node | undefined][] = [[root, undefined]];
  while (stack.length > 0) {
    const [node, parent] = stack.pop()!;
    if (!visit(node, parent)) continue;
    for (const key in node) {
      if (key === 'loc' || key === 'range') continue;
      const value = (node as unknown as Record<string, unknown>)[key];
      if (Array.isArray(value)) {
        for (let i = value.length - 1; i >= 0; i--) if (isNode(value[i])) stack.push([value[i], node]);
      } else if (isNode(value)) stack.push([value, node]);
    }
  }
}

/** Each node's parent, for walking up from a use. */
export function parentsOf(program: ESTree.Program): WeakMap<ESTree.Node, ESTree.Node> {
  const parents = new WeakMap<ESTree.Node, ESTree.Node>();
  walk(program, (node, parent) => {
    if (parent) parents.set(node, parent);
    return true;
  });
  return parents;
}

function isNode(value: unknown): value is ESTree.Node {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}
