/** `memograph cache stats|ls|clear`: look into a cache directory, or empty it. */
import { existsSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import pc from 'picocolors';
import { LevelStore } from '../store/level-store.js';
import type { ResultRecord } from '../store/store.js';

export interface CacheOptions {
  readonly cacheDir: string;
  readonly json: boolean;
}

async function withStore<T>(directory: string, use: (store: LevelStore) => Promise<T>): Promise<T> {
  if (!existsSync(directory)) throw new UsageProblem(`No cache at ${directory}`);
  const store = await LevelStore.open(directory);
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

/** A problem with what the user asked for (exit code 2), not with the cache. */
export class UsageProblem extends Error {}

export async function cacheStats(options: CacheOptions): Promise<string> {
  return withStore(options.cacheDir, async (store) => {
    const byFunction: Record<string, { entries: number; computeMs: number }> = {};
    let entries = 0;
    for await (const [, record] of store.records()) {
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
      `${entries} entries, ${stored.count} stored values, ${formatBytes(stored.bytes)}`,
      ...Object.entries(byFunction)
        .sort((a, b) => b[1].entries - a[1].entries)
        .map(([fn, s]) => `  ${fn}: ${s.entries} entries, ${(s.computeMs / 1000).toFixed(2)} s of compute`),
    ];
    return lines.join('\n');
  });
}

export async function cacheList(options: CacheOptions): Promise<string> {
  return withStore(options.cacheDir, async (store) => {
    const rows: (ResultRecord & { cid: string })[] = [];
    for await (const [cid, record] of store.records()) rows.push({ cid, ...record });
    rows.sort((a, b) => b.createdAt - a.createdAt);
    if (options.json) return JSON.stringify(rows, null, 2);
    const now = Date.now();
    return rows
      .map((r) => `${r.cid}  ${r.fn.padEnd(20)} ${formatBytes(r.size).padStart(9)}  ${formatAge(now - r.createdAt).padStart(5)} old  ${r.durationMs.toFixed(1)} ms`)
      .join('\n');
  });
}

export async function cacheClear(options: CacheOptions & { yes: boolean }): Promise<string> {
  const entries = await withStore(options.cacheDir, async (store) => {
    let count = 0;
    for await (const _ of store.records()) count++;
    return count;
  });
  if (!options.yes) {
    if (!process.stdin.isTTY) throw new UsageProblem(`Refusing to delete ${options.cacheDir} without --yes (no terminal to ask on)`);
    const prompt = createInterface({ input: process.stdin, output: process.stderr });
    const answer = await prompt.question(`Delete ${entries} entries in ${options.cacheDir}? [y/N] `);
    prompt.close();
    if (!/^y(es)?$/i.test(answer.trim())) return options.json ? JSON.stringify({ cleared: false }) : 'Nothing deleted.';
  }
  rmSync(options.cacheDir, { recursive: true, force: true });
  return options.json ? JSON.stringify({ cleared: true, entries }) : `Deleted ${entries} entries and ${options.cacheDir}.`;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

function formatAge(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${Math.floor(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}
