/**
 * `memograph explain <script>`: for each node of the graph a script exports,
 * would the next run serve it from the cache or run it, and why. It walks the
 * graph as a run does — from the targets down, not below what is cached — and
 * changes nothing. A node that runs though none of its inputs does is compared
 * with the cached results of its function (explain-miss.ts) to say what changed.
 */
import { existsSync } from 'node:fs';
import { out as pc } from './colors.js';
import type { Delayed } from '../graph/delayed.js';
import { allCalls } from '../graph/walk.js';
import { isRedisLocation, openCache } from './open-cache.js';
import { storedNames, type CacheHandle } from './open-cache.js';
import { comparisonLimit, explainMiss, FunctionResults, type ChangedArgument, type MissReason, type StoredCall } from './explain-miss.js';
import { loadTargets } from './graph-command.js';
import { codeChanges, type CodeChange, type EarlierCode } from './code-changes.js';
import { decodeIdentityRecord, decodeManifestRecord } from '../identity/stored-identity.js';
import { functionNameOf } from '../graph/task-function.js';

export type Verdict =
  | { readonly kind: 'cached' }
  /** It has no stored result because an input will run first, so this call is new too. */
  | { readonly kind: 'runs'; readonly reason: 'input-runs'; readonly inputs: readonly string[] }
  /** Its function is declared `cache: false`: it runs every time. */
  | { readonly kind: 'runs'; readonly reason: 'not-cached' }
  /**
   * A `cache: false` call is below it: it is looked up by its inputs' values once they
   * have run, so whether it runs depends on what they return.
   */
  | { readonly kind: 'by-value' }
  /** No stored result for this call, though no input of it runs: MissReason says what changed. */
  | ({ readonly kind: 'runs' } & MissReason)
  /** Only needed by nodes that are cached: the run never looks at it. */
  | { readonly kind: 'not-needed' };

export interface Explained {
  readonly cid: string;
  readonly name: string;
  readonly verdict: Verdict;
}

export async function explain(script: string, cacheDir: string): Promise<Explained[]> {
  const targets = await loadTargets(script);
  const lease = isRedisLocation(cacheDir) || existsSync(cacheDir) ? await openCache(cacheDir) : undefined;
  const store = lease?.store;
  try {
    const all = new Map([...allCalls(targets)].map(([cid, { node }]) => [cid, node]));
    // One lookup for every call: a follower's lookups are requests to the process that leads.
    const cids = [...all.keys()];
    const found = store ? await store.getRecords(cids) : [];
    const storedCalls = new Set(cids.filter((_, i) => found[i] !== undefined));
    // Walk from the targets as a run would: cached nodes stop the walk. Depth-first
    // with a stack of its own, not recursion: a chain of 100,000 calls is a graph too.
    const verdicts = new Map<string, Verdict>();
    const order: string[] = [];
    const misses: Delayed<unknown>[] = [];
    // Calls the cache has never seen. A `cache: false` call runs every time, but its
    // CID is new only when one of its inputs is: its dependents may well be cached.
    const newCalls = new Set<string>();
    const stack: { node: Delayed<unknown>; expanded: boolean }[] = targets.map((node) => ({ node, expanded: false })).reverse();
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const { node } = top;
      if (!top.expanded) {
        if (verdicts.has(node.cid)) {
          stack.pop();
          continue;
        }
        // A volatile call's record under its call CID (from before value keys) is never used.
        if (!node.volatile && storedCalls.has(node.cid)) {
          verdicts.set(node.cid, { kind: 'cached' });
          order.push(node.cid);
          stack.pop();
          continue;
        }
        // refined once its inputs are known
        verdicts.set(node.cid, node.task.cache ? { kind: 'runs', reason: 'no-record' } : { kind: 'runs', reason: 'not-cached' });
        top.expanded = true;
        const links = node.links;
        for (let i = links.length - 1; i >= 0; i--) {
          const input = links[i]!.node as Delayed<unknown>;
          if (!verdicts.has(input.cid)) stack.push({ node: input, expanded: false });
        }
        continue;
      }
      stack.pop();
      const newInputs = new Set<string>();
      for (const link of node.links) {
        const input = (link.node as Delayed<unknown>).cid;
        if (newCalls.has(input)) newInputs.add(input);
      }
      order.push(node.cid);
      if (!node.task.cache) {
        if (newInputs.size > 0) newCalls.add(node.cid);
        continue;
      }
      newCalls.add(node.cid);
      if (newInputs.size > 0) verdicts.set(node.cid, { kind: 'runs', reason: 'input-runs', inputs: [...newInputs] });
      else if (node.volatile) verdicts.set(node.cid, { kind: 'by-value' });
      else misses.push(node);
    }
    if (store && misses.length > 0) {
      // A sweep's points are calls of one function: a new point is compared with the others.
      const names = new Set(misses.map((node) => functionNameOf(node.task)));
      const stored = await storedCallsByName(store, names);
      const results = new Map([...names].map((name) => [name, new FunctionResults(stored.get(name) ?? [])]));
      const storedName = await storedNames(store);
      const nameOf = (cid: string) => all.get(cid)?.name ?? storedName(cid);
      const limit = comparisonLimit(misses.length);
      const earlier = new Map<string, Promise<EarlierCode | undefined>>();
      for (const node of misses) {
        let miss = explainMiss(node, results.get(functionNameOf(node.task))!, nameOf, limit);
        if (miss.reason === 'function-changed' || miss.reason === 'function-and-input-changed') {
          let code = earlier.get(miss.previousIdentity);
          if (code === undefined) earlier.set(miss.previousIdentity, (code = earlierCode(store, miss.previousIdentity)));
          const was = await code;
          if (was !== undefined) miss = { ...miss, code: codeChanges(was, node.task.identity) };
        }
        verdicts.set(node.cid, { kind: 'runs', ...miss });
      }
    }
    for (const cid of all.keys()) if (!verdicts.has(cid)) verdicts.set(cid, { kind: 'not-needed' });
    const visited = new Set(order);
    const ordered = [...order, ...[...all.keys()].filter((cid) => !visited.has(cid))];
    return ordered.map((cid) => ({ cid, name: all.get(cid)!.name, verdict: verdicts.get(cid)! }));
  } finally {
    await lease?.release();
  }
}

/** The identity a cached result was computed under, with its manifest, as the store kept them. */
async function earlierCode(store: CacheHandle, identityCid: string): Promise<EarlierCode | undefined> {
  const bytes = await store.getBytes(identityCid);
  const identity = bytes && decodeIdentityRecord(bytes);
  if (!identity) return undefined;
  if (identity.code === undefined) return { identity, entries: [] };
  const manifest = await store.getBytes(identity.code);
  return { identity, entries: manifest && decodeManifestRecord(manifest) };
}

/** The stored calls of each of `names`, in one pass over the cache's records. */
async function storedCallsByName(store: CacheHandle, names: ReadonlySet<string>): Promise<Map<string, StoredCall[]>> {
  const byName = new Map<string, StoredCall[]>();
  for await (const [cid, record] of store.records()) {
    if (!names.has(record.fn) || record.byValue) continue;
    let calls = byName.get(record.fn);
    if (calls === undefined) byName.set(record.fn, (calls = []));
    calls.push({ cid, record });
  }
  return byName;
}

export function renderExplained(rows: readonly Explained[], names: ReadonlyMap<string, string>): string {
  const label = (cid: string) => `${names.get(cid) ?? '?'} ${cid.slice(-8)}`;
  return rows
    .map(({ cid, verdict }) => {
      const what = label(cid).padEnd(28);
      switch (verdict.kind) {
        case 'cached':
          return `${what} ${pc.blue('cached')}`;
        case 'by-value':
          return `${what} ${pc.cyan('looked up by value')}: a cache: false call is below it, so it is cached if its inputs return what they returned before`;
        case 'not-needed':
          return `${what} ${pc.dim('not looked at: only cached nodes need it')}`;
        case 'runs':
          return `${what} ${pc.yellow('runs')}: ${
            verdict.reason === 'input-runs'
              ? `${describeInputs(verdict.inputs, label)} first, so this call is new too`
              : verdict.reason === 'not-cached'
                ? 'its function is not cached (cache: false), so it runs every time'
                : describeMiss(verdict)
          }`;
      }
    })
    .join('\n');
}

/** At most this many running inputs are named; the rest are counted (a sum may take 100,000). */
const LISTED_INPUTS = 3;

function describeInputs(inputs: readonly string[], label: (cid: string) => string): string {
  if (inputs.length === 1) return `its input ${label(inputs[0]!)} runs`;
  const named = inputs.slice(0, LISTED_INPUTS).map(label);
  const rest = inputs.length - named.length;
  return rest > 0 ? `its inputs ${named.join(', ')} and ${rest} more run` : `its inputs ${named.slice(0, -1).join(', ')} and ${named.at(-1)} run`;
}

function describeMiss(miss: MissReason): string {
  switch (miss.reason) {
    case 'no-record':
      return miss.withoutLineage
        ? `no stored result for this call; the ${plural(miss.withoutLineage, 'cached result')} of this function ` +
            `${miss.withoutLineage === 1 ? 'was' : 'were'} stored without lineage, so what changed is unknown`
        : 'it never ran with this cache (no stored result of this function)';
    case 'function-changed':
      return miss.code?.length
        ? `its function changed: ${describeCode(miss.code)} (since the cached result of ${formatWhen(miss.previous.createdAt)}; the arguments are the same)`
        : `its function changed (${miss.identifiedBy} differs from the cached result of ${formatWhen(miss.previous.createdAt)}; the arguments are the same)`;
    case 'input-changed':
      return `${describeChanges(miss.changed, miss.argumentCount)} since the cached result of ${formatWhen(miss.previous.createdAt)}`;
    case 'function-and-input-changed':
      return (
        `its function changed (${miss.code?.length ? describeCode(miss.code) : `${miss.identifiedBy} differs`}) and ${describeChanges(miss.changed, miss.argumentCount)} ` +
        `since the closest cached result, of ${formatWhen(miss.previous.createdAt)}`
      );
  }
}

/** At most this many code changes are told; the rest are counted. */
const LISTED_CODE_CHANGES = 4;

function describeCode(changes: readonly CodeChange[]): string {
  const told = changes.slice(0, LISTED_CODE_CHANGES).map((change) => change.text);
  const rest = changes.length - told.length;
  return rest > 0 ? `${told.join('; ')}; and ${plural(rest, 'more change')}` : told.join('; ');
}

/** At most this many arguments are described one by one; the rest are counted. */
const LISTED_CHANGES = 3;

function describeChanges(changed: readonly ChangedArgument[], count?: { before: number; after: number }): string {
  const phrases = changed.slice(0, LISTED_CHANGES).map(({ index, before, after }) => {
    if (count && index >= count.before) return `argument ${index} was added${after === undefined ? '' : ` (${after})`}`;
    if (count && index >= count.after) return `argument ${index} was dropped${before === undefined ? '' : ` (was ${before})`}`;
    const values =
      before !== undefined && after !== undefined
        ? ` (${before} → ${after})`
        : after !== undefined
          ? ` (now ${after})`
          : before !== undefined
            ? ` (was ${before})`
            : '';
    return `argument ${index} changed${values}`;
  });
  if (changed.length > LISTED_CHANGES) phrases.push(`${plural(changed.length - LISTED_CHANGES, 'more argument')} changed`);
  return phrases.length === 1 ? phrases[0]! : `${phrases.slice(0, -1).join(', ')} and ${phrases.at(-1)}`;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** Local time to the minute, as people read it: 2026-11-20 14:03. */
function formatWhen(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}
