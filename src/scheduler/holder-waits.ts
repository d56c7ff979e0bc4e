/**
 * A run that waits for another process to compute some of its calls says so: once a
 * wait has lasted {@link NOTICE_AFTER_MS}, one warning per holder names the process and
 * what this run waits for, so a quiet progress bar is never a mystery.
 */
import { describeHolder, type Holder } from '../store/claims.js';
import type { TaskNode } from './state.js';

const NOTICE_AFTER_MS = 1000;

interface HolderEntry {
  readonly holder: Holder;
  readonly nodes: Set<TaskNode>;
  noticed: boolean;
}

export class HolderWaits {
  readonly #byPid = new Map<number, HolderEntry>();
  readonly #ofNode = new Map<TaskNode, HolderEntry>();
  #timer: NodeJS.Timeout | undefined;

  waiting(node: TaskNode, holder: Holder): void {
    let entry = this.#byPid.get(holder.pid);
    if (!entry) this.#byPid.set(holder.pid, (entry = { holder, nodes: new Set(), noticed: false }));
    entry.nodes.add(node);
    this.#ofNode.set(node, entry);
    if (!entry.noticed && this.#timer === undefined) {
      this.#timer = setTimeout(() => this.#notice(), NOTICE_AFTER_MS);
      this.#timer.unref();
    }
  }

  done(node: TaskNode): void {
    const entry = this.#ofNode.get(node);
    if (!entry) return;
    this.#ofNode.delete(node);
    entry.nodes.delete(node);
  }

  /** How many nodes wait for other processes right now. */
  get count(): number {
    return this.#ofNode.size;
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #notice(): void {
    this.#timer = undefined;
    for (const entry of this.#byPid.values()) {
      if (entry.noticed || entry.nodes.size === 0) continue;
      entry.noticed = true;
      process.emitWarning(
        `memograph: ${describeHolder(entry.holder)} is computing ${entry.nodes.size} of this run's tasks ` +
          `(${summarise(entry.nodes)}) in the same cache; this run waits for its results instead of computing them again`,
      );
    }
  }
}

function summarise(nodes: Set<TaskNode>): string {
  const counts = new Map<string, number>();
  for (const node of nodes) counts.set(node.delayed.task.name, (counts.get(node.delayed.task.name) ?? 0) + 1);
  const shown = [...counts].slice(0, 4).map(([name, count]) => (count > 1 ? `${name} ×${count}` : name));
  return shown.join(', ') + (counts.size > 4 ? ', …' : '');
}
