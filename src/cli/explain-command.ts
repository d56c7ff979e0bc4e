/**
 * `memograph explain <script>`: for each node of the graph a script exports,
 * would the next run serve it from the cache or run it, and why. It walks the
 * graph as a run does — from the targets down, not below what is cached — and
 * changes nothing.
 */
import { existsSync } from 'node:fs';
import { out as pc } from './colors.js';
import type { Delayed } from '../graph/delayed.js';
import { allCalls } from '../graph/walk.js';
import { LevelStore } from '../store/level-store.js';
import { loadTargets } from './graph-command.js';

export type Verdict =
  | { readonly kind: 'cached' }
  /** No stored result for this very call: it never ran, or its function or a literal argument is new. */
  | { readonly kind: 'runs'; readonly reason: 'no-record' }
  /** It has no stored result because an input will run first, so this call is new too. */
  | { readonly kind: 'runs'; readonly reason: 'input-runs'; readonly inputs: readonly string[] }
  /** Only needed by nodes that are cached: the run never looks at it. */
  | { readonly kind: 'not-needed' };

export interface Explained {
  readonly cid: string;
  readonly name: string;
  readonly verdict: Verdict;
}

export async function explain(script: string, cacheDir: string): Promise<Explained[]> {
  const targets = await loadTargets(script);
  const store = existsSync(cacheDir) ? await LevelStore.open(cacheDir) : undefined;
  try {
    const all = new Map([...allCalls(targets)].map(([cid, { node }]) => [cid, node]));
    // Walk from the targets as a run would: cached nodes stop the walk.
    const verdicts = new Map<string, Verdict>();
    const order: string[] = [];
    const visit = (node: Delayed<unknown>): boolean => {
      const known = verdicts.get(node.cid);
      if (known) return known.kind === 'runs';
      if (store?.getRecordSync(node.cid)) {
        verdicts.set(node.cid, { kind: 'cached' });
        order.push(node.cid);
        return false;
      }
      verdicts.set(node.cid, { kind: 'runs', reason: 'no-record' }); // refined below, once inputs are known
      const running: string[] = [];
      for (const link of node.links) {
        const input = link.node as Delayed<unknown>;
        if (visit(input) && !running.includes(input.cid)) running.push(input.cid);
      }
      if (running.length > 0) verdicts.set(node.cid, { kind: 'runs', reason: 'input-runs', inputs: running });
      order.push(node.cid);
      return true;
    };
    for (const target of targets) visit(target);
    for (const cid of all.keys()) if (!verdicts.has(cid)) verdicts.set(cid, { kind: 'not-needed' });
    const ordered = [...order, ...[...all.keys()].filter((cid) => !order.includes(cid))];
    return ordered.map((cid) => ({ cid, name: all.get(cid)!.name, verdict: verdicts.get(cid)! }));
  } finally {
    await store?.close();
  }
}

export function renderExplained(rows: readonly Explained[], names: ReadonlyMap<string, string>): string {
  const label = (cid: string) => `${names.get(cid) ?? '?'} ${cid.slice(-8)}`;
  return rows
    .map(({ cid, verdict }) => {
      const what = label(cid).padEnd(28);
      switch (verdict.kind) {
        case 'cached':
          return `${what} ${pc.blue('cached')}`;
        case 'not-needed':
          return `${what} ${pc.dim('not looked at: only cached nodes need it')}`;
        case 'runs':
          return verdict.reason === 'no-record'
            ? `${what} ${pc.yellow('runs')}: no stored result for this call (it never ran, or its function or a literal argument changed)`
            : `${what} ${pc.yellow('runs')}: its input ${verdict.inputs.map(label).join(', ')} runs first, so this call is new too`;
      }
    })
    .join('\n');
}
