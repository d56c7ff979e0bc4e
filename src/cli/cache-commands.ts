/** `memograph cache stats|ls|clear`: look into a cache directory, or empty it. */
import { existsSync } from 'node:fs';
import { inspect } from 'node:util';
import { previewFingerprint } from './argument-preview.js';
import { out as pc } from './colors.js';
import { confirm } from './confirm.js';
import { counted, entryCount, formatBytes, formatDuration } from './human-units.js';
import { UsageProblem } from './usage-problem.js';
import { isRedisLocation, withCache, storedNames, type CacheHandle } from './open-cache.js';
import { describeHolder } from '../store/claims.js';
import { removeStoreFiles } from '../store/store-files.js';
import { MARKER_FILE, hasStoreMarker } from '../store/store-marker.js';
import { GRAPH_ENCODING } from '../store/store.js';
import { withoutLineage } from '../store/record-codec.js';
import { isUnknownBelow, type WorkBelow } from '../store/work-below.js';
import type { ResultRecord } from '../store/store.js';
import { unpackValue } from '../store/value-codec.js';

export interface CacheOptions {
  readonly cacheDir: string;
  readonly json: boolean;
}

function withStore<T>(directory: string, use: (store: CacheHandle) => Promise<T>): Promise<T> {
  return withCache(directory, use);
}

export { UsageProblem };

/**
 * Commands that delete (clear, gc) act only on a directory memograph marked as its store
 * (store-marker.ts): a mistyped --cache-dir must never empty a project directory.
 */
export function requireMarkedStore(directory: string, command: string): void {
  // A Redis store checks its own mark when it opens (store/redis/redis-keys.ts).
  if (isRedisLocation(directory)) return;
  if (!existsSync(directory)) throw new UsageProblem(`No cache at ${directory}`);
  if (hasStoreMarker(directory)) return;
  throw new UsageProblem(
    `Refusing to ${command} ${directory}: it is not marked as a memograph cache (it has no ${MARKER_FILE} file). ` +
      `Nothing was changed. Check --cache-dir and MEMOGRAPH_CACHE_DIR. If it is a cache made by an older memograph, ` +
      `\`memograph cache stats --cache-dir ${directory}\` marks it (only a memograph LevelDB store is marked), then run this again.`,
  );
}

export async function cacheStats(options: CacheOptions): Promise<string> {
  return withStore(options.cacheDir, async (store) => {
    const byFunction: Record<string, { entries: number; computeMs: number }> = {};
    let entries = 0;
    for await (const [, record] of store.records()) {
      if (record.byValue) continue;
      entries++;
      const stats = (byFunction[record.fn] ??= { entries: 0, computeMs: 0 });
      stats.entries++;
      stats.computeMs += record.durationMs;
    }
    const stored = await store.storedBytes();
    const result = { directory: options.cacheDir, entries, storedValues: stored.count, storedBytes: stored.bytes, byFunction };
    if (options.json) return JSON.stringify(result, null, 2);
    const lines = [
      `${pc.bold(options.cacheDir)}`,
      `${entryCount(entries)}, ${counted(stored.count, 'stored value')}, ${formatBytes(stored.bytes)}`,
      ...Object.entries(byFunction)
        .sort((a, b) => b[1].entries - a[1].entries)
        .map(([fn, s]) => `  ${fn}: ${entryCount(s.entries)}, ${(s.computeMs / 1000).toFixed(2)} s of compute`),
    ];
    return lines.join('\n');
  });
}

export async function cacheList(options: CacheOptions): Promise<string> {
  return withStore(options.cacheDir, async (store) => {
    const rows: (ResultRecord & { cid: string })[] = [];
    for await (const [cid, record] of store.records()) if (!record.byValue) rows.push({ cid, ...withoutLineage(record) });
    rows.sort((a, b) => b.createdAt - a.createdAt);
    if (options.json) return JSON.stringify(rows, null, 2);
    const now = Date.now();
    return rows
      .map((r) => `${r.cid}  ${r.fn.padEnd(20)} ${formatBytes(r.size).padStart(9)}  ${formatAge(now - r.createdAt).padStart(5)} old  ${r.durationMs.toFixed(1)} ms`)
      .join('\n');
  });
}

export async function cacheClear(options: CacheOptions & { yes: boolean }): Promise<string> {
  requireMarkedStore(options.cacheDir, 'clear');
  const entries = await withStore(options.cacheDir, async (store) => {
    let count = 0;
    for await (const [, record] of store.records()) if (!record.byValue) count++;
    return count;
  });
  if (!options.yes) {
    const yes = await confirm(
      `Delete ${entryCount(entries)} in ${options.cacheDir}?`,
      `Refusing to delete ${options.cacheDir} without --yes (no terminal to ask on)`,
    );
    if (!yes) return options.json ? JSON.stringify({ cleared: false }) : 'Nothing deleted.';
  }
  // Other processes use the cache: its files stay under them, emptied; otherwise they go.
  if (isRedisLocation(options.cacheDir)) {
    // Only memograph's keys go: the Redis, and anything else in it, stays.
    await withStore(options.cacheDir, (store) => store.clearEntries());
    return options.json ? JSON.stringify({ cleared: true, entries }) : `Deleted ${entryCount(entries)} in ${options.cacheDir}.`;
  }
  const inUseBy = await withStore(options.cacheDir, async (store) => {
    if (store.leads && store.followers === 0) return undefined;
    await store.clearEntries();
    return store.leads ? `${store.followers} other processes` : describeHolder(store.leader!);
  });
  if (inUseBy !== undefined) {
    if (options.json) return JSON.stringify({ cleared: true, entries, removedFiles: 0, inUseBy });
    return `Deleted ${entryCount(entries)} in ${options.cacheDir}. Its files stay, emptied: ${inUseBy} uses the cache right now.`;
  }
  const { removed, kept, removedDirectory } = removeStoreFiles(options.cacheDir);
  if (options.json) return JSON.stringify({ cleared: true, entries, removedFiles: removed.length, kept, removedDirectory });
  const left = kept.length === 0 ? '' : ` Kept ${counted(kept.length, 'file')} that ${kept.length === 1 ? 'is' : 'are'} not memograph's: ${kept.slice(0, 5).join(', ')}${kept.length > 5 ? ', …' : ''}.`;
  return `Deleted ${entryCount(entries)} and memograph's ${counted(removed.length, 'file')} in ${options.cacheDir}${removedDirectory ? ' (and the directory)' : ''}.${left}`;
}

/** `cache clear --function NAME`: forget one function's results (their bytes go unless another entry shares them). */
export async function cacheClearFunction(options: CacheOptions & { yes: boolean; fn: string }): Promise<string> {
  requireMarkedStore(options.cacheDir, 'clear');
  return withStore(options.cacheDir, async (store) => {
    const doomed: string[] = [];
    let entries = 0;
    for await (const [cid, record] of store.records()) {
      entries++;
      if (record.fn === options.fn) doomed.push(cid);
    }
    if (doomed.length === 0) {
      return options.json ? JSON.stringify({ cleared: 0, function: options.fn }) : `No entries of ${options.fn} in ${options.cacheDir} (${entryCount(entries)} of other functions).`;
    }
    if (!options.yes) {
      const yes = await confirm(
        `Delete the ${entryCount(doomed.length)} of ${options.fn} in ${options.cacheDir}?`,
        `Refusing to delete the ${entryCount(doomed.length)} of ${options.fn} without --yes (no terminal to ask on)`,
      );
      if (!yes) return options.json ? JSON.stringify({ cleared: 0, function: options.fn }) : 'Nothing deleted.';
    }
    for (const cid of doomed) await store.deleteRecord(cid);
    const freed = await store.dropUnreferencedBytes();
    if (options.json) return JSON.stringify({ cleared: doomed.length, function: options.fn, freedBytes: freed });
    return `Deleted the ${entryCount(doomed.length)} of ${options.fn} (${formatBytes(freed)} freed); ${counted(entries - doomed.length, 'other entry', 'other entries')} kept.`;
  });
}

function formatAge(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${Math.floor(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/**
 * The entry `given` names: a whole call CID, or the one entry whose CID starts or ends
 * with it (every command shows a call by its last 8 characters).
 */
async function entryNamed(store: CacheHandle, given: string, cacheDir: string): Promise<{ cid: string; record: ResultRecord }> {
  const [exact] = await store.getRecords([given]);
  if (exact && !exact.byValue) return { cid: given, record: exact };
  const matches: [string, ResultRecord][] = [];
  for await (const [cid, record] of store.records()) {
    if (!record.byValue && given !== '' && (cid.endsWith(given) || cid.startsWith(given))) matches.push([cid, record]);
  }
  if (matches.length === 1) return { cid: matches[0]![0], record: matches[0]![1] };
  if (matches.length === 0) {
    throw new UsageProblem(`No entry ${given} in ${cacheDir}: give a call CID, or its start or end (\`memograph cache ls\` lists them)`);
  }
  const shown = matches.slice(0, 5).map(([cid, record]) => `${cid} (${record.fn})`);
  const more = matches.length > shown.length ? `, and ${matches.length - shown.length} more` : '';
  throw new UsageProblem(`${given} is ambiguous in ${cacheDir}: ${matches.length} entries start or end with it: ${shown.join(', ')}${more}. Give more of the CID`);
}

export async function cacheShow(options: CacheOptions & { cid: string }): Promise<string> {
  return withStore(options.cacheDir, async (store) => {
    const { cid, record } = await entryNamed(store, options.cid, options.cacheDir);
    const bytes = await store.getBytes(record.resultCid);
    const value = bytes === undefined ? undefined : unpackValue(bytes);
    const nameOf = await storedNames(store);
    const lineage = record.lineage && {
      identity: record.lineage.identity,
      args: record.lineage.args.map((fingerprint) => previewFingerprint(fingerprint, nameOf) ?? null),
    };
    if (options.json) {
      return JSON.stringify(
        { cid, ...record, lineage, preview: bytes === undefined ? null : preview(value) },
        null,
        2,
      );
    }
    return [
      `${pc.bold(cid)}`,
      `function    ${record.fn}`,
      `result      ${record.resultCid} (${formatBytes(record.size)}, ${record.encoding})`,
      `computed in ${record.durationMs.toFixed(1)} ms, stored ${new Date(record.createdAt).toISOString()}`,
      ...(record.below ? [`below it    ${describeBelow(record.below)}`] : []),
      ...(record.outputs ? Object.entries(record.outputs).map(([path, cid]) => `output      ${path} = ${cid}`) : []),
      ...(lineage
        ? [
            `identity    ${lineage.identity}`,
            ...lineage.args.map((arg, i) => `argument ${i}  ${arg ?? pc.dim('(too long to keep; its digest is stored)')}`),
          ]
        : []),
      bytes === undefined ? pc.red('value       missing or corrupt: the next run computes it again') : `value       ${describeValue(record.encoding, value)}`,
    ].join('\n');
  });
}

/** The compute below a result: what a run that serves it spares beyond the call itself. */
function describeBelow(below: WorkBelow): string {
  if (isUnknownBelow(below)) return pc.dim('not recorded (stored by an earlier memograph)');
  return `${below.exact ? '' : 'at least '}${formatDuration(below.ms)} of compute in the distinct calls it was computed from`;
}

/** A task that returned a graph has that graph stored as its result, not a value: say what it holds. */
function describeValue(encoding: string, value: unknown): string {
  if (encoding !== GRAPH_ENCODING) return preview(value);
  const column = (value as { calls?: unknown } | undefined)?.calls;
  const calls = column instanceof Int32Array ? column.length : 0;
  return `a returned graph of ${counted(calls, 'call')}: the call's value is that graph's, computed by a run`;
}

function preview(value: unknown): string {
  const text = inspect(value, { depth: 2, maxArrayLength: 10, maxStringLength: 200, breakLength: Infinity });
  return text.length > 400 ? `${text.slice(0, 400)}…` : text;
}
