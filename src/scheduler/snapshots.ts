import { produce, type Draft } from 'immer';
import type { NodeState, RunCounts, RunState } from './state.js';

/** What a snapshot says of one node. */
export interface NodeView {
  readonly name: string;
  readonly state: NodeState;
}

export type RunStatus = 'running' | 'succeeded' | 'failed';

/**
 * An immutable picture of a run at one moment. Successive snapshots share every
 * part that did not change (immer), so keeping many of them is cheap and
 * `previous.nodes[cid] === next.nodes[cid]` tells whether a node changed.
 */
export interface RunSnapshot {
  readonly status: RunStatus;
  readonly counts: Readonly<Omit<RunCounts, 'states'>> & { readonly states: Readonly<Record<NodeState, number>> };
  /** Every node the run looked at, by CID. */
  readonly nodes: Readonly<Record<string, NodeView>>;
  /** The failure that ended the run, if any. */
  readonly error?: { readonly code: string; readonly message: string };
  readonly startedAt: number;
  readonly finishedAt?: number;
}

/** Turns the run's mutable state into snapshots, applying only what changed since the last one. */
export class SnapshotBook {
  #current: RunSnapshot;

  constructor(startedAt: number) {
    this.#current = produce(
      { status: 'running', counts: {}, nodes: {}, startedAt } as unknown as RunSnapshot,
      () => undefined,
    );
  }

  take(state: RunState, status: RunStatus): RunSnapshot {
    if (state.changed.length === 0 && status === this.#current.status) return this.#current;
    this.#current = produce(this.#current, (draft: Draft<RunSnapshot>) => {
      for (const node of state.changed) {
        draft.nodes[node.delayed.cid] = { name: node.delayed.task.name, state: node.state };
        node.changed = false;
      }
      const { states, ...totals } = state.counts;
      draft.counts = { ...totals, states: { ...states } };
      draft.status = status;
      if (state.error) draft.error = { code: state.error.code, message: state.error.message };
      if (status !== 'running') draft.finishedAt = Date.now();
    });
    state.changed = [];
    return this.#current;
  }
}
