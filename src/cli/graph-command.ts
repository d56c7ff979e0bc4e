/**
 * `memograph graph <script>`: a picture of the graph a script builds. The
 * script's targets are its default export (a Delayed, or an array of them) or,
 * for a script that computes at top level, those of its first `compute` or
 * `startRun`, which is stopped before it runs anything (target-capture.ts).
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Delayed } from '../graph/delayed.js';
import { allCalls } from '../graph/walk.js';
import type { RunSnapshot } from '../scheduler/snapshots.js';
import { isRedisLocation, withCache } from './open-cache.js';
import { visualize, type VisualizeFormat } from '../visualize/visualize.js';
import { UsageProblem } from './cache-commands.js';
import { checkScript } from './script-check.js';
import { capturingTargets } from '../target-capture.js';

let typeScriptLoaded = false;

/** The targets a script exports by default. */
export async function loadTargets(script: string): Promise<Delayed<unknown>[]> {
  const path = checkScript(script);
  if (!typeScriptLoaded) {
    typeScriptLoaded = true;
    const { register } = await import('tsx/esm/api');
    register();
  }
  // What the script prints while it loads goes to stderr: stdout is the command's answer.
  const write = process.stdout.write;
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  let found: Awaited<ReturnType<typeof capturingTargets<{ default?: unknown }>>>;
  try {
    found = await capturingTargets(() => import(pathToFileURL(path).href) as Promise<{ default?: unknown }>);
  } finally {
    process.stdout.write = write;
  }
  if ('targets' in found) return [...found.targets];
  const exported = found.loaded.default;
  const targets = Array.isArray(exported) ? exported : [exported];
  if (targets.length === 0 || !targets.every((target) => target instanceof Delayed)) {
    throw new UsageProblem(
      `${script} has no targets: export them as default (a Delayed value or an array of them), or compute them (its first compute or startRun is read, and stopped before anything runs)`,
    );
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
  if (options.cacheDir && (isRedisLocation(options.cacheDir) || existsSync(options.cacheDir))) {
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
