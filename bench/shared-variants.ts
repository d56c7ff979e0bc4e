/**
 * The shared scenario's variants: the tree computed by 1, 2 and 4 processes at
 * once on one fresh cache, each process its own tree (`own`: distinct leaves,
 * so no call is shared), then all of them the same tree (`same`). One process
 * on its own tree is the single process every other variant is compared with.
 *
 * Sample keys (memograph-side.ts writes them, rows.ts reads them), per variant:
 *   own1 …      ms from the first process's start to the last one's finish
 *   same2 …     the same, all on one tree
 *   same2Duplicates …  tasks executed beyond the tree's nodes, across the processes
 *   own2Leader, own2Follower …  the leader's own ms and the slowest follower's
 */

/** Processes on their own trees; the first, 1, is the single process. */
export const OWN_COUNTS = [1, 2, 4] as const;
/** Processes on one tree (one process on one tree is `own1`). */
export const SAME_COUNTS = [2, 4] as const;

export type SharedVariant = `own${(typeof OWN_COUNTS)[number]}` | `same${(typeof SAME_COUNTS)[number]}`;

export interface SharedVariantSpec {
  readonly name: SharedVariant;
  readonly processes: number;
  readonly same: boolean;
}

/** In the order they take turns within a repeat. */
export const SHARED_VARIANTS: readonly SharedVariantSpec[] = [
  ...OWN_COUNTS.map((processes) => ({ name: `own${processes}` as const, processes, same: false })),
  ...SAME_COUNTS.map((processes) => ({ name: `same${processes}` as const, processes, same: true })),
];

/** The first leaf of process `index`'s tree: own trees are `leaves` apart, so they share no call. */
export function firstLeaf(variant: SharedVariantSpec, index: number, leaves: number): number {
  return variant.same ? 0 : index * leaves;
}
