/**
 * `memograph graph <script>`: a picture of the graph a script builds. The
 * script's default export is the target (a Delayed, or an array of them); the
 * script must build its graph without computing it when imported.
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Delayed } from '../graph/delayed.js';
import { allCalls } from '../graph/walk.js';
import type { RunSnapshot } from '../scheduler/snapshots.js';
import { withCache } from './open-cache.js';
import { visualize, type VisualizeFormat } from '../visualize/visualize.js';
import { UsageProblem } from './cache-commands.js';
import { checkScript } from './script-check.js';

let typeScriptLoaded = false;

/** The targets a script exports by default. */
export async function loadTargets(script: string): Promise<Delayed<unknown>[]> {
  const path = checkScript(script);
  if (!typeScriptLoaded) {
    typeScriptLoaded = true;
    const { register } = await import('tsx/esm/api');
    register();
  }
  const module = (await import(pathToFileURL(path).href)) as { default?: unknown };
  const exported = module.default;
  const targets = Array.isArray(exported) ? exported : [exported];
  if (targets.length === 0 || !targets.every((target) => target instanceof Delayed)) {
    throw new UsageProblem(`${script} must export its target as default: a Delayed value or an array of them`);
  }
  return targets as Delayed<unknown>[];
}

/**
 * With a cache directory: colour each node 'cached' if the cache holds its
 * result, without running anything (a node below a cached one is still drawn).
 */
export async function graphPicture(
  script: string,
  options: { format: VisualizeFormat; cacheDir: string | undefined },
): Promise<string> {
  const targets = await loadTargets(script);
  let snapshot: RunSnapshot | undefined;
  if (options.cacheDir && existsSync(options.cacheDir)) {
    snapshot = await withCache(options.cacheDir, async (store) => {
      const calls = [...allCalls(targets)];
      const records = await store.getRecords(calls.map(([cid]) => cid));
      const nodes: Record<string, { name: string; state: 'cached' | 'waiting' }> = {};
      calls.forEach(([cid, { node }], i) => (nodes[cid] = { name: node.name, state: records[i] ? 'cached' : 'waiting' }));
      return { nodes } as unknown as RunSnapshot;
    });
  }
  return visualize(targets, { format: options.format, snapshot });
}
