/**
 * The result table's rows: which samples of which side each column shows, in
 * which unit, and what the ratio is taken against. Each row turns raw samples
 * (ms, bytes) into per-node figures, so the two sides compare even where they
 * ran different sizes (big).
 */
import type { ScenarioName, ScenarioParams } from './scenarios.js';
import { treeNodes } from './shapes.js';
import { isFailure, type SideOutcome, type SideResult } from './side-result.js';
import { pairwise, ratio, scaled, summarize, type Figure } from './stats.js';
import { OWN_COUNTS, SAME_COUNTS } from './shared-variants.js';
import { WATCHERS, WATCHER_LABELS } from './watchers.js';

/** What a cell holds: a figure, a side that was not measured, or a column that does not apply. */
export type Cell = Figure | 'missing' | 'n/a';

export interface Row {
  readonly id: string;
  readonly scenario: ScenarioName;
  /** Names the variant and the unit, e.g. `wide · workers, µs/task`. */
  readonly label: string;
  readonly unit: string;
  readonly lowerIsBetter: boolean;
  readonly memograph: Cell;
  readonly daskSync: Cell;
  readonly daskThreads: Cell;
  /** Which Dask column the ratio is taken against (none for reference rows), and its short name in the ratio cell. */
  readonly baseline: 'daskSync' | 'daskThreads' | undefined;
  readonly baselineName: string;
  /** Times better than the baseline (above 1: memograph wins); undefined when either side is missing. */
  readonly ratio: number | undefined;
}

type Pick = (result: SideResult) => number[] | undefined;

interface RowSpec {
  readonly id: string;
  readonly label: string;
  readonly unit: string;
  readonly lowerIsBetter: boolean;
  readonly memograph: Pick;
  readonly daskSync?: Pick;
  readonly daskThreads?: Pick;
  readonly baseline?: 'daskSync' | 'daskThreads';
  readonly baselineName?: string;
}

/** ms for the whole graph → µs per node. */
const perNode = (key: string, nodes: number): Pick => (r) => at(r, key) && scaled(at(r, key)!, 1000 / nodes);
const at = (r: SideResult, key: string): number[] | undefined => r.samples[key];

/** Build + run of each run, in ms: for dedup, where Dask merges equal calls while building and memograph while running. */
const withBuild = (run: string, build: string): ((r: SideResult) => number[] | undefined) => (r) => {
  const a = at(r, run);
  const b = at(r, build);
  return a && b ? pairwise(a, b, (x, y) => x + y) : undefined;
};

function timeRows(
  id: string,
  nodes: number,
  unit: string,
  variants: readonly ('workers' | 'main')[],
  includeBuild = false,
): RowSpec[] {
  const per = (pick: (r: SideResult) => number[] | undefined): Pick => (r) => pick(r) && scaled(pick(r)!, 1000 / nodes);
  const pick = (run: string, build: string) => (includeBuild ? withBuild(run, build) : (r: SideResult) => at(r, run));
  return variants.map((variant) => ({
    id: `${id}/${variant}`,
    label: `${id} · ${variant === 'workers' ? 'workers' : 'main thread'}${includeBuild ? ', build + run' : ''}, ${unit}`,
    unit,
    lowerIsBetter: true,
    memograph: per(pick(variant, 'build')),
    daskSync: per(pick('sync', 'build')),
    daskThreads: per(pick('threads', 'buildThreads')),
    // Worker threads against Dask's threaded scheduler, the main thread against its synchronous one.
    baseline: variant === 'workers' ? 'daskThreads' : 'daskSync',
    baselineName: variant === 'workers' ? 'threads' : 'sync',
  }));
}

/** One figure over another of the same repeats, run by run. */
const paired = (a: string, b: string, combine: (x: number, y: number) => number): Pick => (r) => {
  const x = at(r, a);
  const y = at(r, b);
  return x && y ? pairwise(x, y, combine) : undefined;
};

/** The bare piscina pool's cost per task (floors.ts), and the engine's workers as a multiple of it. */
function piscinaFloorRows(id: string, tasks: number): RowSpec[] {
  return [
    { id: `${id}/floor`, label: `${id} · floor: bare piscina, 100 tasks a message, µs/task`, unit: 'µs/task', lowerIsBetter: true, memograph: perNode('floor', tasks) },
    { id: `${id}/workers-x-floor`, label: `${id} · workers × floor`, unit: '×', lowerIsBetter: true, memograph: paired('workers', 'floor', (workers, floor) => workers / floor) },
  ];
}

export function rowSpecs<S extends ScenarioName>(scenario: S, params: ScenarioParams[S]): RowSpec[] {
  const p = params as Record<string, number>;
  switch (scenario) {
    case 'wide':
      return [...timeRows('wide', p.n! + 1, 'µs/task', ['workers', 'main']), ...piscinaFloorRows('wide', p.n! + 1)];
    case 'tree':
      return [...timeRows('tree', treeNodes(p.leaves!), 'µs/task', ['workers', 'main']), ...piscinaFloorRows('tree', treeNodes(p.leaves!))];
    case 'chain':
      return timeRows('chain', p.n!, 'µs/step', ['workers']);
    case 'dedup':
      return timeRows('dedup', p.calls!, 'µs/call', ['workers'], true);
    case 'rerun':
      return [
        {
          id: 'rerun',
          label: 'rerun · fresh process, µs/node',
          unit: 'µs/node',
          lowerIsBetter: true,
          memograph: perNode('rerun', treeNodes(p.leaves!)),
          daskSync: perNode('joblib', p.joblibCalls!),
          baseline: 'daskSync',
          baselineName: 'joblib',
        },
        {
          id: 'rerun/hash-floor',
          label: 'rerun · floor: sha256 of a 100-byte record in that process, µs/node',
          unit: 'µs/node',
          lowerIsBetter: true,
          memograph: perNode('recordHashFloor', treeNodes(p.leaves!)),
        },
        { id: 'rerun/x-floor', label: 'rerun · memograph × floor', unit: '×', lowerIsBetter: true, memograph: paired('rerun', 'recordHashFloor', (rerun, floor) => rerun / floor) },
        { id: 'rerun/get-many', label: 'rerun · LevelDB getMany of 10,000 keys in that process, µs/key', unit: 'µs/key', lowerIsBetter: true, memograph: perNode('getManyFloor', 10_000) },
        {
          id: 'rerun/value-keys',
          label: 'rerun · what value keys add, extra µs/node',
          unit: 'µs/node',
          lowerIsBetter: true,
          memograph: extraPerNode('rerunKeyed', 'rerunUnkeyed', treeNodes(p.leaves!)),
        },
      ];
    case 'cpu':
      return [
        {
          id: 'cpu',
          label: 'cpu · speedup, all cores vs one',
          unit: '×',
          lowerIsBetter: false,
          memograph: (r) => speedup(r, 'one', 'all'),
          daskThreads: (r) => speedup(r, 'sync', 'threads'),
          baseline: 'daskThreads',
          baselineName: 'threads',
        },
        {
          // What the machine had to give: the same tasks on plain worker_threads, in the same process.
          id: 'cpu/bare',
          label: 'cpu · plain worker_threads (reference)',
          unit: '×',
          lowerIsBetter: false,
          memograph: (r) => speedup(r, 'one', 'bareAll'),
        },
      ];
    case 'hash': {
      const mib = p.mib!;
      const throughput: (key: string) => Pick = (key) => (r) => at(r, key)?.map((ms) => mib / (ms / 1000));
      return [
        {
          id: 'hash',
          label: 'hash · Float64Array, MiB/s',
          unit: 'MiB/s',
          lowerIsBetter: false,
          memograph: throughput('hash'),
          daskSync: throughput('tokenize'),
          baseline: 'daskSync',
          baselineName: 'tokenize',
        },
        { id: 'hash/floor', label: 'hash · floor: sha256 on one core, MiB/s', unit: 'MiB/s', lowerIsBetter: false, memograph: throughput('floor') },
        { id: 'hash/of-floor', label: 'hash · memograph ÷ floor', unit: '×', lowerIsBetter: false, memograph: paired('hash', 'floor', (hash, floor) => floor / hash) },
      ];
    }
    case 'build':
      return [
        {
          id: 'build',
          label: 'build · tree with CIDs, µs/node',
          unit: 'µs/node',
          lowerIsBetter: true,
          memograph: perNode('build', treeNodes(p.leaves!)),
          daskSync: perNode('build', treeNodes(p.leaves!)),
          baseline: 'daskSync',
          baselineName: 'pure=True',
        },
        { id: 'build/floor', label: 'build · floor: sha256 of a 100-byte record, µs/node', unit: 'µs/node', lowerIsBetter: true, memograph: perNode('floor', treeNodes(p.leaves!)) },
        { id: 'build/x-floor', label: 'build · memograph × floor', unit: '×', lowerIsBetter: true, memograph: paired('build', 'floor', (build, floor) => build / floor) },
      ];
    case 'big': {
      const bytesPerNode = (nodes: number): Pick => (r) => at(r, 'rssBytes')?.map((bytes) => bytes / nodes);
      // Each side is divided by its own tree's size: Dask runs a smaller tree.
      const mgNodes = treeNodes(p.leaves!);
      const daskNodes = treeNodes(p.daskLeaves!);
      return [
        {
          id: 'big/rss',
          label: 'big · peak RSS above baseline, B/node',
          unit: 'B/node',
          lowerIsBetter: true,
          memograph: bytesPerNode(mgNodes),
          daskThreads: bytesPerNode(daskNodes),
          baseline: 'daskThreads',
          baselineName: 'threads',
        },
        {
          id: 'big/time',
          label: 'big · build + run, µs/node',
          unit: 'µs/node',
          lowerIsBetter: true,
          memograph: perNode('total', mgNodes),
          daskThreads: perNode('total', daskNodes),
          baseline: 'daskThreads',
          baselineName: 'threads',
        },
        // The run as users run it: the cache on, a fresh directory (Dask has no cache to compare).
        {
          id: 'big/cached-rss',
          label: 'big · cache on, peak RSS above baseline, B/node',
          unit: 'B/node',
          lowerIsBetter: true,
          memograph: (r) => at(r, 'cachedRssBytes')?.map((bytes) => bytes / mgNodes),
        },
        { id: 'big/cached-time', label: 'big · cache on, build + run, µs/node', unit: 'µs/node', lowerIsBetter: true, memograph: perNode('cachedTotal', mgNodes) },
        {
          id: 'big/cached-ratio',
          label: 'big · cache on, time × cache: false',
          unit: '×',
          lowerIsBetter: true,
          memograph: (r) => {
            const on = at(r, 'cachedTotal');
            const off = at(r, 'total');
            return on && off ? pairwise(on, off, (a, b) => a / b) : undefined;
          },
        },
      ];
    }
    case 'watch':
      return watchRows(p.n! + 1);
    case 'identity':
      return [
        { id: 'identity/cold', label: 'identity · first use, fresh process, empty cache, ms', unit: 'ms', lowerIsBetter: true, memograph: (r) => at(r, 'cold') },
        { id: 'identity/fresh', label: 'identity · first use, fresh process, ms', unit: 'ms', lowerIsBetter: true, memograph: (r) => at(r, 'fresh') },
        { id: 'identity/warm', label: 'identity · again in the same process, µs', unit: 'µs', lowerIsBetter: true, memograph: (r) => at(r, 'warmUs') },
        { id: 'identity/edited', label: 'identity · fresh process after one edit, ms', unit: 'ms', lowerIsBetter: true, memograph: (r) => at(r, 'edited') },
        { id: 'identity/files', label: 'identity · files in the slice', unit: 'files', lowerIsBetter: false, memograph: (r) => at(r, 'files') },
      ];
    case 'shared':
      return sharedRows(treeNodes(p.leaves!));
    case 'dynamic':
      return dynamicRows(p.n!);
    case 'cluster':
      return clusterRows(params as ScenarioParams['cluster']);
  }
  throw new RangeError(`unknown scenario ${String(scenario)}`);
}

/**
 * watch: the unwatched run per task, then each watcher against it, as times the
 * unwatched run and as extra µs per task. Both are paired run by run (the
 * variants took turns within each repeat), so drift of a shared machine cancels.
 * memograph against itself: no Dask column and no ratio.
 */
function watchRows(tasks: number): RowSpec[] {
  const against = (watcher: string, combine: (watched: number, plain: number) => number): Pick => (r) => {
    const watched = at(r, watcher);
    const plain = at(r, 'plain');
    return watched && plain ? pairwise(watched, plain, combine) : undefined;
  };
  return [
    {
      id: 'watch/plain',
      label: 'watch · plain (unwatched), µs/task',
      unit: 'µs/task',
      lowerIsBetter: true,
      memograph: perNode('plain', tasks),
    },
    ...WATCHERS.flatMap((watcher): RowSpec[] => [
      {
        id: `watch/${watcher}`,
        label: `watch · ${WATCHER_LABELS[watcher]}, × plain`,
        unit: '×',
        lowerIsBetter: true,
        memograph: against(watcher, (watched, plain) => watched / plain),
      },
      {
        id: `watch/${watcher}/extra`,
        label: `watch · ${WATCHER_LABELS[watcher]}, extra µs/task`,
        unit: 'µs/task',
        lowerIsBetter: true,
        memograph: against(watcher, (watched, plain) => ((watched - plain) * 1000) / tasks),
      },
    ]),
  ];
}

/**
 * shared: per task, the time from the first process's start to the last one's
 * finish over every task the processes executed (each its own tree: processes
 * × nodes), and that against one process, paired run by run (the variants took
 * turns within each repeat). The same tree: its time, against one process on
 * it, and how many tasks were executed more than once. memograph against itself.
 */
function sharedRows(nodes: number): RowSpec[] {
  const perTask = (processes: number): Pick => perNode(`own${processes}`, processes * nodes);
  const againstOne = (key: string, combine: (ms: number, one: number) => number): Pick => (r) => {
    const ms = at(r, key);
    const one = at(r, 'own1');
    return ms && one ? pairwise(ms, one, combine) : undefined;
  };
  return [
    ...OWN_COUNTS.map((processes): RowSpec => ({
      id: `shared/own-${processes}`,
      label: `shared · ${processes === 1 ? '1 process' : `${processes} processes, each its own tree`}, µs/task`,
      unit: 'µs/task',
      lowerIsBetter: true,
      memograph: perTask(processes),
    })),
    ...OWN_COUNTS.filter((processes) => processes > 1).map((processes): RowSpec => ({
      id: `shared/ratio-${processes}`,
      label: `shared · ${processes} processes, each its own tree, per task × 1 process`,
      unit: '×',
      lowerIsBetter: true,
      memograph: againstOne(`own${processes}`, (ms, one) => ms / processes / one),
    })),
    ...SAME_COUNTS.flatMap((processes): RowSpec[] => [
      {
        id: `shared/same-${processes}`,
        label: `shared · ${processes} processes, one tree, ms`,
        unit: 'ms',
        lowerIsBetter: true,
        memograph: (r) => at(r, `same${processes}`),
      },
      {
        id: `shared/same-${processes}-ratio`,
        label: `shared · ${processes} processes, one tree, × 1 process`,
        unit: '×',
        lowerIsBetter: true,
        memograph: againstOne(`same${processes}`, (ms, one) => ms / one),
      },
      {
        id: `shared/same-${processes}-duplicates`,
        label: `shared · ${processes} processes, one tree, tasks executed twice`,
        unit: 'tasks',
        lowerIsBetter: true,
        memograph: (r) => at(r, `same${processes}Duplicates`),
      },
    ]),
  ];
}

/**
 * dynamic: each kind of node per node, and against the plain graph of its size, paired
 * run by run; the value-keyed re-run as extra µs per node over the by-call one.
 */
function dynamicRows(n: number): RowSpec[] {
  const nodes: Record<string, number> = { pairs: 2 * n + 1, get: 2 * n + 1, unpack: 2 * n + 1, wide: n + 1, returned: n + 2 };
  const labels: Record<string, string> = {
    pairs: 'pair → first on workers',
    get: 'pair → .get(0)',
    unpack: 'pair with nout → [first]',
    wide: 'wide, built here',
    returned: 'wide, returned by a worker task',
  };
  /** Per node against per node; `samples` picks another sample of each run than its wall time (`Cpu`: the main thread's CPU time). */
  const against = (key: string, plain: string, samples = ''): Pick => (r) => {
    const a = at(r, key + samples);
    const b = at(r, plain + samples);
    return a && b ? pairwise(a, b, (x, y) => x / nodes[key]! / (y / nodes[plain]!)) : undefined;
  };
  const treeSize = treeNodes(n);
  return [
    ...Object.keys(nodes).map((key): RowSpec => ({
      id: `dynamic/${key}`,
      label: `dynamic · ${labels[key]}, µs/node`,
      unit: 'µs/node',
      lowerIsBetter: true,
      memograph: perNode(key, nodes[key]!),
    })),
    { id: 'dynamic/get-ratio', label: 'dynamic · .get node × plain node', unit: '×', lowerIsBetter: true, memograph: against('get', 'pairs') },
    { id: 'dynamic/unpack-ratio', label: 'dynamic · unpacked node × plain node', unit: '×', lowerIsBetter: true, memograph: against('unpack', 'pairs') },
    { id: 'dynamic/returned-ratio', label: 'dynamic · returned node × built node', unit: '×', lowerIsBetter: true, memograph: against('returned', 'wide') },
    { id: 'dynamic/get-cpu-ratio', label: 'dynamic · .get node × plain node, main-thread CPU', unit: '×', lowerIsBetter: true, memograph: against('get', 'pairs', 'Cpu') },
    { id: 'dynamic/unpack-cpu-ratio', label: 'dynamic · unpacked node × plain node, main-thread CPU', unit: '×', lowerIsBetter: true, memograph: against('unpack', 'pairs', 'Cpu') },
    { id: 'dynamic/returned-cpu-ratio', label: 'dynamic · returned node × built node, main-thread CPU', unit: '×', lowerIsBetter: true, memograph: against('returned', 'wide', 'Cpu') },
    { id: 'dynamic/by-call', label: 'dynamic · tree re-run from the cache, by call, µs/node', unit: 'µs/node', lowerIsBetter: true, memograph: perNode('byCall', treeSize) },
    { id: 'dynamic/by-value', label: 'dynamic · tree over a cache: false input, re-run by value, µs/node', unit: 'µs/node', lowerIsBetter: true, memograph: perNode('byValue', treeSize) },
    {
      id: 'dynamic/by-value-extra',
      label: 'dynamic · value-keyed re-run, extra µs/node',
      unit: 'µs/node',
      lowerIsBetter: true,
      memograph: extraPerNode('byValue', 'byCall', treeSize),
    },
  ];
}

/** What variant `more` costs beyond `less` in the same repeat, in µs per node of `nodes`. */
function extraPerNode(more: string, less: string, nodes: number): (r: SideResult) => number[] | undefined {
  return (r) => {
    const a = at(r, more);
    const b = at(r, less);
    return a && b ? pairwise(a, b, (x, y) => ((x - y) * 1000) / nodes) : undefined;
  };
}

/**
 * cluster: two worker processes each side, memograph's over Redis, Dask's a
 * LocalCluster; Dask distributed's figures sit in the threads column (the ratio
 * names it). Recovery and duplicates have no Dask counterpart in the targets.
 */
function clusterRows(p: ScenarioParams['cluster']): RowSpec[] {
  const vsDistributed = { baseline: 'daskThreads', baselineName: 'distributed' } as const;
  const both = (pick: Pick) => ({ memograph: pick, daskThreads: pick });
  const seconds: Pick = (r) => at(r, 'recovery') && scaled(at(r, 'recovery')!, 1 / 1000);
  return [
    { id: 'cluster/wide', label: 'cluster · wide, 2 worker processes, µs/task', unit: 'µs/task', lowerIsBetter: true, memograph: perNode('wide', p.wide + 1), daskThreads: perNode('wide', p.daskWide + 1), ...vsDistributed },
    { id: 'cluster/tree', label: 'cluster · tree, 2 worker processes, µs/task', unit: 'µs/task', lowerIsBetter: true, memograph: perNode('tree', treeNodes(p.leaves)), daskThreads: perNode('tree', treeNodes(p.daskLeaves)), ...vsDistributed },
    {
      id: 'cluster/chain',
      label: 'cluster · chain, ms/step',
      unit: 'ms/step',
      lowerIsBetter: true,
      ...both((r) => at(r, 'chain') && scaled(at(r, 'chain')!, 1 / p.chain)),
      ...vsDistributed,
    },
    {
      id: 'cluster/chain-unfused',
      label: 'cluster · chain, one batch a step (unfused), ms/step',
      unit: 'ms/step',
      lowerIsBetter: true,
      memograph: (r) => at(r, 'chainUnfused') && scaled(at(r, 'chainUnfused')!, 1 / p.chain),
    },
    {
      id: 'cluster/cpu',
      label: 'cluster · cpu speedup, 2 worker processes vs one thread',
      unit: '×',
      lowerIsBetter: false,
      memograph: (r) => speedup(r, 'cpuOne', 'cpuAll'),
      daskThreads: (r) => speedup(r, 'cpuSync', 'cpuAll'),
      ...vsDistributed,
    },
    { id: 'cluster/recovery', label: 'cluster · killed worker: its task starts again elsewhere after, s', unit: 's', lowerIsBetter: true, ...both(seconds), ...vsDistributed },
    { id: 'cluster/duplicates', label: 'cluster · tasks executed twice, without faults', unit: 'tasks', lowerIsBetter: true, memograph: (r) => at(r, 'duplicates') },
  ];
}

function speedup(r: SideResult, oneCore: string, allCores: string): number[] | undefined {
  const one = at(r, oneCore);
  const all = at(r, allCores);
  return one && all ? pairwise(one, all, (a, b) => a / b) : undefined;
}

function cell(outcome: SideOutcome | undefined, pick: Pick | undefined): Cell {
  if (!pick) return 'n/a';
  if (outcome === undefined || isFailure(outcome)) return 'missing';
  const values = pick(outcome);
  return values && values.length > 0 ? summarize(values) : 'missing';
}

export function buildRows<S extends ScenarioName>(
  scenario: S,
  params: ScenarioParams[S],
  outcomes: { readonly memograph?: SideOutcome; readonly dask?: SideOutcome },
): Row[] {
  return rowSpecs(scenario, params).map((spec) => {
    const memograph = cell(outcomes.memograph, spec.memograph);
    const daskSync = cell(outcomes.dask, spec.daskSync);
    const daskThreads = cell(outcomes.dask, spec.daskThreads);
    const baseline = spec.baseline === undefined ? 'n/a' : spec.baseline === 'daskSync' ? daskSync : daskThreads;
    return {
      id: spec.id,
      scenario,
      label: spec.label,
      unit: spec.unit,
      lowerIsBetter: spec.lowerIsBetter,
      memograph,
      daskSync,
      daskThreads,
      baseline: spec.baseline,
      baselineName: spec.baselineName ?? '',
      ratio: isFigure(memograph) && isFigure(baseline) ? ratio(memograph, baseline, spec.lowerIsBetter) : undefined,
    };
  });
}

export function isFigure(cell: Cell): cell is Figure {
  return typeof cell === 'object';
}
