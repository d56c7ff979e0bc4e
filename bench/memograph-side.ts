/**
 * memograph's side of one scenario, in a process of its own:
 *
 *   node --import tsx bench/memograph-side.ts '{"scenario":"wide","params":{…},"repeat":{…}}'
 *
 * tasks.ts starts it, so that JIT state, heap and worker threads never carry
 * over from one scenario to the next. It prints one line, RESULT_PREFIX and a
 * SideResult as JSON; everything else it may print goes to stderr.
 *
 * rerun and big measure one run per process (a re-run must meet a cold
 * process; peak RSS only grows), chosen by `phase`; identity and shared start
 * processes of their own from here.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compute, delayed, shutdown, startRun, type ComputeOptions } from '../src/index.js';
import { BareThreads } from './bare-threads.js';
import { calibrate, spin } from './cpu-work.js';
import { chain, dedup, onMain, onWorkers, tree, wide, type Built, type Ops } from './graphs.js';
import { turnOrder, type Turns } from './turns.js';
import { dynamicVariants, rerunVariants } from './dynamic-graphs.js';
import { GetManyFloor, PiscinaFloor, recordHashFloor, sha256Floor } from './floors.js';
import { RESULT_PREFIX } from './child.js';
import { measureCluster } from './cluster-side.js';
import type { Repeat, ScenarioName, ScenarioParams } from './scenarios.js';
import { cpuSeeds, hashElements, treeNodes } from './shapes.js';
import { runTogether } from './shared-processes.js';
import { SHARED_VARIANTS, firstLeaf, type SharedVariantSpec } from './shared-variants.js';
import type { SideResult } from './side-result.js';
import { WATCH_VARIANTS, watcherOptions, type WatchVariant } from './watchers.js';

export interface MemographJob {
  readonly scenario: ScenarioName;
  readonly params: ScenarioParams[ScenarioName];
  readonly repeat: Repeat;
  /** rerun: `populate` fills `cacheDir`, `measure` times one re-run from it. */
  readonly phase?: 'populate' | 'measure';
  readonly cacheDir?: string;
  /** rerun: which copy of the filled cache `cacheDir` is (value-key-copies.ts); its samples are named after it. */
  readonly variant?: 'keyed' | 'unkeyed';
  /** big: run the graph as users run it, with the cache on (a fresh cache directory), rather than `cache: false`. */
  readonly cached?: boolean;
}

/** One timed run of one variant. */
interface Trial {
  readonly ms: number;
  /** The run's answer, kept under the variant's name; none for runs that only time something. */
  readonly value?: number;
  /** Extra samples of this run (build time, executed count…), by key. */
  readonly extra?: Record<string, number>;
  /** Extra answers of this run, by key, for agreement.ts to check. */
  readonly answers?: Record<string, number>;
}

class Collector {
  readonly samples: Record<string, number[]> = {};
  readonly answers: Record<string, number> = {};
  #seq = 0;

  /**
   * Warm-up runs first, then timed runs; variants take turns within a run, so
   * that drift of a shared machine touches every variant alike (and in `turns`
   * order: see turns.ts).
   */
  async repeat(repeat: Repeat, variants: Record<string, () => Promise<Trial>>, turns: Turns = 'same'): Promise<void> {
    for (let r = 0; r < repeat.warmup + repeat.runs; r++) {
      for (const [name, trial] of turnOrder(Object.entries(variants), r, turns)) {
        const { ms, value, extra = {}, answers = {} } = await trial();
        if (r < repeat.warmup) continue;
        this.add(name, ms);
        if (value !== undefined) this.answer(name, value);
        for (const [key, v] of Object.entries(answers)) this.answer(key, v);
        for (const [key, v] of Object.entries(extra)) {
          if (key === 'executed') this.answer(key, v);
          else this.add(key, v);
        }
      }
    }
  }

  add(key: string, value: number): void {
    (this.samples[key] ??= []).push(value);
  }

  /** The first answer under its key; a later one that differs under `key#n` (agreement.ts reports it). */
  answer(key: string, value: number): void {
    const seq = this.#seq++;
    if (!(key in this.answers)) this.answers[key] = value;
    else if (!Object.is(this.answers[key], value)) this.answers[`${key}#${seq}`] = value;
  }
}

/** Build a graph (timed), then compute it (timed separately) without the cache. */
async function buildAndRun(build: () => Built, options: ComputeOptions = {}): Promise<Trial> {
  const started = performance.now();
  const { target } = build();
  const built = performance.now();
  // Timed from startRun on: a watcher's set-up (the dashboard's view of the graph) is part of what it costs.
  const run = startRun([target], { ...options, cache: false });
  const [value] = await run.result;
  return { ms: performance.now() - built, value, extra: { build: built - started, executed: run.counts.executed } };
}

async function measure(job: MemographJob, info: SideResult['info']): Promise<Collector> {
  const c = new Collector();
  const p = job.params as Record<string, number>;
  switch (job.scenario) {
    case 'wide':
    case 'tree': {
      const shape = job.scenario === 'wide' ? (ops: Ops) => wide(ops, p.n!) : (ops: Ops) => tree(ops, p.leaves!);
      const floor = new PiscinaFloor();
      try {
        await c.repeat(job.repeat, {
          workers: async () => withoutExtra(await buildAndRun(() => shape(onWorkers)), 'executed'),
          main: async () => withoutExtra(await buildAndRun(() => shape(onMain)), 'build', 'executed'),
          // As many tiny tasks as the graph has, on a bare pool: the floor under `workers`.
          floor: () => floor.run(job.scenario === 'wide' ? p.n! + 1 : treeNodes(p.leaves!)),
        });
      } finally {
        await floor.close();
      }
      return c;
    }
    case 'chain':
      await c.repeat(job.repeat, { workers: async () => withoutExtra(await buildAndRun(() => chain(onWorkers, p.n!)), 'executed') });
      return c;
    case 'dedup':
      await c.repeat(job.repeat, { workers: () => buildAndRun(() => dedup(onWorkers, p.calls!, p.distinct!)) });
      return c;
    case 'rerun':
      return rerun(job, c, info);
    case 'cpu': {
      const iters = calibrate(p.ms!);
      info.iters = iters;
      info.cores = availableParallelism();
      const task = delayed(spin, { name: 'spin' });
      const run = async (workers: number): Promise<Trial> => {
        const targets = cpuSeeds(p.tasks!).map((seed) => task(seed, iters));
        const started = performance.now();
        const values = await startRun(targets, { cache: false, workers }).result;
        return { ms: performance.now() - started, value: values.reduce((a, b) => a + b, 0) };
      };
      const bare = new BareThreads(availableParallelism());
      try {
        await c.repeat(job.repeat, {
          one: () => run(1),
          all: () => run(availableParallelism()),
          bareAll: async () => {
            const started = performance.now();
            await bare.run(cpuSeeds(p.tasks!), iters);
            return { ms: performance.now() - started };
          },
        });
      } finally {
        await bare.close();
      }
      return c;
    }
    case 'hash': {
      const data = new Float64Array(hashElements(p.mib!));
      let checksum = 0;
      for (let i = 0; i < data.length; i++) checksum += data[i] = (i % 1000) / 4;
      c.answer('checksum', checksum);
      const address = delayed((values: Float64Array) => values.length, { name: 'length' });
      await c.repeat(job.repeat, {
        hash: async () => {
          // A new view of the same bytes: the engine remembers the digest of each view it has hashed.
          const view = new Float64Array(data.buffer);
          const started = performance.now();
          address(view);
          return { ms: performance.now() - started };
        },
        floor: async () => ({ ms: sha256Floor(new Uint8Array(data.buffer)) }),
      });
      return c;
    }
    case 'build': {
      let last: Built | undefined;
      await c.repeat(job.repeat, {
        build: async () => {
          const started = performance.now();
          last = tree(onWorkers, p.leaves!);
          return { ms: performance.now() - started };
        },
        floor: async () => ({ ms: recordHashFloor(treeNodes(p.leaves!)) }),
      });
      // Untimed: run the last graph built, to check it computes the same as Dask's.
      c.answer('nodes', last!.calls);
      c.answer('value', await last!.target.compute({ cache: false }));
      return c;
    }
    case 'big':
      return big(p.leaves!, c, info, job.cached ?? false);
    case 'watch':
      return watch(p.n!, job.repeat, c);
    case 'identity':
      return identity(job.repeat, c);
    case 'shared':
      return shared(p.leaves!, job.repeat, c);
    case 'cluster': {
      const figures = await measureCluster(job.params as ScenarioParams['cluster'], (variants) => c.repeat(job.repeat, variants), job.repeat);
      for (const ms of figures.recoveryMs) c.add('recovery', ms);
      c.add('duplicates', figures.duplicates);
      info.iters = figures.iters;
      return c;
    }
    case 'dynamic': {
      await c.repeat(job.repeat, dynamicVariants(p.n!), 'alternate');
      const rerun = await rerunVariants(p.n!);
      try {
        await c.repeat(job.repeat, rerun.variants, 'alternate');
      } finally {
        rerun.close();
      }
      return c;
    }
  }
}

/**
 * shared: each variant's processes (shared-processes.ts) on a fresh cache
 * directory of their own, so that no variant finds what another computed.
 */
async function shared(leaves: number, repeat: Repeat, c: Collector): Promise<Collector> {
  const nodes = treeNodes(leaves);
  const variant = (spec: SharedVariantSpec) => async (): Promise<Trial> => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'memograph-bench-shared-'));
    try {
      const jobs = Array.from({ length: spec.processes }, (_, i) => ({ cacheDir, leaves, from: firstLeaf(spec, i, leaves) }));
      const { spanMs, children } = await runTogether(jobs);
      const executed = children.reduce((sum, child) => sum + child.executed, 0);
      // Every process answers the tree's value; one that differs is the trial's answer, for agreement.ts to report.
      const value = children.find((child) => child.value !== children[0]!.value)?.value ?? children[0]!.value;
      const leader = children.find((child) => child.leads);
      const followers = children.filter((child) => !child.leads).map((child) => child.endedAt - child.startedAt);
      const roles: Record<string, number> = {};
      if (leader && followers.length > 0) {
        roles[`${spec.name}Leader`] = leader.endedAt - leader.startedAt;
        roles[`${spec.name}Follower`] = Math.max(...followers);
      }
      return spec.same
        ? { ms: spanMs, value, extra: { [`${spec.name}Duplicates`]: executed - nodes, ...roles } }
        : // Own trees share nothing: every process executes its whole tree, which agreement.ts checks.
          { ms: spanMs, value, extra: roles, answers: { [`${spec.name}Executed`]: executed } };
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  };
  await c.repeat(repeat, Object.fromEntries(SHARED_VARIANTS.map((spec) => [spec.name, variant(spec)])));
  return c;
}

/**
 * identity: a copy of src/ (never the repo's own files, which get edited), each
 * variant a fresh process (identity-child.ts) timing the manifest inside it.
 */
async function identity(repeat: Repeat, c: Collector): Promise<Collector> {
  const root = mkdtempSync(join(tmpdir(), 'memograph-bench-identity-'));
  const repo = fileURLToPath(new URL('..', import.meta.url));
  cpSync(join(repo, 'src'), join(root, 'src'), { recursive: true });
  cpSync(join(repo, 'package.json'), join(root, 'package.json'));
  cpSync(join(repo, 'package-lock.json'), join(root, 'package-lock.json'));
  symlinkSync(realpathSync(join(repo, 'node_modules')), join(root, 'node_modules'));
  const entry = join(root, 'src', 'index.ts');
  const edited = join(root, 'src', 'hash', 'cid.ts');
  const child = (cacheDir: string) => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./identity-child.ts', import.meta.url)), entry, 'compute'], {
      env: { ...process.env, MEMOGRAPH_CACHE_DIR: cacheDir },
      encoding: 'utf8',
    });
    return JSON.parse(out.trim().split('\n').pop()!) as { first: number; warmUs: number; entries: number; files: number };
  };
  let runs = 0;
  try {
    await c.repeat(repeat, {
      cold: async () => {
        const cacheDir = join(root, `cache-${runs++}`);
        const r = child(cacheDir);
        return { ms: r.first, extra: { files: r.files } };
      },
      fresh: async () => {
        const r = child(join(root, `cache-${runs - 1}`));
        return { ms: r.first, extra: { warmUs: r.warmUs } };
      },
      edited: async () => {
        // One closure file changes (not its imports): one summary to redo, no new resolution.
        appendFileSync(edited, `\nexport function benchEdit${runs}() { return ${runs}; }\n`);
        const r = child(join(root, `cache-${runs - 1}`));
        return { ms: r.first };
      },
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return c;
}

async function watch(n: number, repeat: Repeat, c: Collector): Promise<Collector> {
  let runs = 0;
  const variant = (name: WatchVariant) => async (): Promise<Trial> => {
    // Every run its own calls: nothing one variant computed is there for the next.
    const from = runs++ * n;
    const trial = await buildAndRun(() => wide(onWorkers, n, from), watcherOptions(name));
    // The offset adds n·from to the sum; taken back out, every run answers sumOfIncs(n), which agreement.ts checks.
    return withoutExtra({ ...trial, value: trial.value! - n * from }, 'build');
  };
  await c.repeat(repeat, Object.fromEntries(WATCH_VARIANTS.map((name) => [name, variant(name)])));
  return c;
}

async function rerun(job: MemographJob, c: Collector, info: SideResult['info']): Promise<Collector> {
  const leaves = (job.params as { leaves: number }).leaves;
  if (!job.cacheDir) throw new Error('rerun needs a cacheDir');
  if (job.phase === 'populate') {
    const { target } = tree(onWorkers, leaves);
    await compute(target, { cacheDir: job.cacheDir });
    return c;
  }
  // performance.now() counts from process start: what came before the graph was start-up and imports.
  info.startupMs = performance.now();
  const started = performance.now();
  const { target } = tree(onWorkers, leaves);
  const built = performance.now();
  const run = startRun([target], { cacheDir: job.cacheDir });
  const [value] = await run.result;
  const ended = performance.now();
  if (job.variant) {
    c.add(job.variant === 'keyed' ? 'rerunKeyed' : 'rerunUnkeyed', ended - started);
  } else {
    c.add('rerun', ended - started);
    c.add('rerunBuild', built - started);
    c.add('rerunCompute', ended - built);
  }
  c.answer('rerun', value);
  c.answer('executed', run.counts.executed);
  if (!job.variant) {
    // In this same fresh process, after the re-run: what reading the cache costs per key with no engine around it.
    const floor = await GetManyFloor.open(10_000);
    try {
      c.add('getManyFloor', (await floor.run()).ms);
      c.add('recordHashFloor', recordHashFloor(treeNodes(leaves)));
    } finally {
      await floor.close();
    }
  }
  return c;
}

/**
 * big: one run of the tree per process (peak RSS only grows), `cache: false`, or with
 * the cache on in a fresh directory, as a user's first run is: its samples are then
 * named `cached…`.
 */
async function big(leaves: number, c: Collector, info: SideResult['info'], cached: boolean): Promise<Collector> {
  const cacheDir = cached ? mkdtempSync(join(tmpdir(), 'memograph-bench-big-')) : undefined;
  const options = cacheDir ? { cacheDir } : { cache: false };
  const key = (name: string) => (cached ? `cached${name[0]!.toUpperCase()}${name.slice(1)}` : name);
  try {
    // The baseline is the engine loaded, its JIT warm and its worker threads started (and the cache open).
    await compute(tree(onWorkers, 1_000, leaves).target, options);
    const baseline = process.resourceUsage().maxRSS * 1024;
    const started = performance.now();
    const { target } = tree(onWorkers, leaves);
    const built = performance.now();
    const value = await target.compute(options);
    const ended = performance.now();
    const peak = process.resourceUsage().maxRSS * 1024;
    c.add(key('total'), ended - started);
    c.add(key('build'), built - started);
    c.add(key('compute'), ended - built);
    c.add(key('rssBytes'), peak - baseline);
    c.answer(key('value'), value);
    info[key('baselineBytes')] = baseline;
    info[key('peakBytes')] = peak;
    return c;
  } finally {
    if (cacheDir) {
      await shutdown();
      rmSync(cacheDir, { recursive: true, force: true });
    }
  }
}

function withoutExtra(trial: Trial, ...keys: string[]): Trial {
  const extra = { ...trial.extra };
  for (const key of keys) delete extra[key];
  return { ...trial, extra };
}

const job = JSON.parse(process.argv[2] ?? '') as MemographJob;
const info: SideResult['info'] = {};
try {
  const c = await measure(job, info);
  const result: SideResult = {
    side: 'memograph',
    scenario: job.scenario,
    samples: c.samples,
    answers: c.answers,
    info,
    measuredAt: new Date().toISOString(),
  };
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
} finally {
  await shutdown();
}
