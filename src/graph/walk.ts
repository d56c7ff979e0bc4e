import type { Delayed } from './delayed.js';

/**
 * Every distinct call below `targets` (targets included), by CID, in the order a
 * depth-first walk meets them, with each call's distinct inputs. With `returnedOf` (a
 * run's), a call whose task returned a graph also takes that graph's final node as an
 * input, and the walk goes on into it.
 */
export function allCalls(
  targets: readonly Delayed<unknown>[],
  returnedOf?: (cid: string) => Delayed<unknown> | undefined,
): Map<string, { node: Delayed<unknown>; inputs: string[] }> {
  const calls = new Map<string, { node: Delayed<unknown>; inputs: string[] }>();
  const stack = [...targets];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (calls.has(node.cid)) continue;
    // A Set, not `includes`: one node may take 100,000 inputs.
    const inputs = new Set<string>();
    for (const link of node.links) {
      const dep = link.node as Delayed<unknown>;
      inputs.add(dep.cid);
      if (!calls.has(dep.cid)) stack.push(dep);
    }
    const returned = returnedOf?.(node.cid);
    if (returned !== undefined) {
      inputs.add(returned.cid);
      if (!calls.has(returned.cid)) stack.push(returned);
    }
    calls.set(node.cid, { node, inputs: [...inputs] });
  }
  return calls;
}
