/**
 * Arguments reach a task as a template (the literal arguments with a hole
 * wherever a graph node was) plus the values of those nodes. Only the
 * containers on a hole's path are copied, so a large literal argument is shared,
 * not cloned, and the caller's own arguments are never modified.
 */
/** Where a value sits inside a call's arguments: indexes and property names from the argument list down. */
export type Path = readonly (string | number)[];

/** Copy `args` along each path and put `null` at its end. */
export function templateOf(args: readonly unknown[], paths: readonly Path[]): unknown[] {
  const root = args.slice();
  if (paths.length === 0) return root;
  const copied = new Set<unknown>([root]);
  for (const path of paths) {
    let container: Record<string | number, unknown> = root as unknown as Record<string | number, unknown>;
    for (let i = 0; i < path.length - 1; i++) {
      const key = path[i]!;
      const child = container[key];
      if (copied.has(child)) {
        container = child as Record<string | number, unknown>;
        continue;
      }
      const copy = Array.isArray(child) ? child.slice() : { ...(child as object) };
      copied.add(copy);
      container[key] = copy;
      container = copy as Record<string | number, unknown>;
    }
    container[path[path.length - 1]!] = null;
  }
  return root;
}

/** Put `value` at `path` in a template made by `templateOf` (or a fresh copy of one). */
export function setAtPath(template: unknown[], path: Path, value: unknown): void {
  let container = template as unknown as Record<string | number, unknown>;
  for (let i = 0; i < path.length - 1; i++) container = container[path[i]!] as Record<string | number, unknown>;
  container[path[path.length - 1]!] = value;
}
