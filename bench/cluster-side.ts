/**
 * memograph's side of the cluster scenario: two `memograph worker` processes of one
 * slot each over a loopback Redis (cluster-processes.ts), the coordinator here, and
 * the shapes of the local scenarios run on them with `cache: false`:
 *
 *   wide, tree, chain   the graphs of graphs.ts, ms from startRun to the value (once
 *                       inc is known to be short, the scheduler fuses a chain's steps
 *                       into batches: batching.ts)
 *   chainUnfused        the chain of incs with a time limit, each of which travels in a
 *                       batch of its own: one round trip through Redis a step
 *   cpuOne              the cpu tasks one after another on one local thread
 *   cpuAll              the same tasks on the cluster
 *   recovery            ms from `kill -9` of the worker running a task to the task's
 *                       start on the other worker (the survivor is idle)
 *   duplicates          tasks the workers ran beyond those the coordinator counted,
 *                       over every run without a fault (their heartbeats count them)
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { delayed, startRun, type Delayed } from '../src/index.js';
import { HEARTBEAT_MS } from '../src/cluster/cluster-names.js';
import { liveWorkers } from '../src/cluster/worker-registry.js';
import { startRedis, startWorker, type BenchWorker } from './cluster-processes.js';
import { heldTask } from './cluster-tasks.js';
import { calibrate, spin } from './cpu-work.js';
import { chain, onWorkers, tree, wide } from './graphs.js';
import type { Repeat, ScenarioParams } from './scenarios.js';
import { cpuSeeds } from './shapes.js';

export interface ClusterTrial {
  readonly ms: number;
  readonly value?: number;
}

export interface ClusterFigures {
  readonly recoveryMs: number[];
  readonly duplicates: number;
  readonly iters: number;
}

const WORKERS = 2;
/** How long the recovery task holds its thread: long enough to be killed in, short beside the lock. */
const HOLD_MS = 1_000;
/** inc with a time limit (never reached): such a task travels alone (dispatch.ts), so each step is a batch of its own. */
const aloneInc = delayed((x: number) => x + 1, { name: 'inc', timeoutMs: 60_000 });
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Lines of `log` ("pid epoch-ms"), once it has `count` of them. */
async function linesOf(log: string, count: number): Promise<{ pid: number; at: number }[]> {
  for (;;) {
    const lines = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) : [];
    if (lines.length >= count) return lines.map((line) => ({ pid: Number(line.split(' ')[0]), at: Number(line.split(' ')[1]) }));
    await delay(5);
  }
}

export async function measureCluster(
  p: ScenarioParams['cluster'],
  repeatAll: (variants: Record<string, () => Promise<ClusterTrial>>) => Promise<void>,
  repeat: Repeat,
): Promise<ClusterFigures> {
  const redis = await startRedis();
  const workers: BenchWorker[] = [];
  const scratch = mkdtempSync(join(tmpdir(), 'memograph-bench-cluster-'));
  try {
    for (let i = 0; i < WORKERS; i++) workers.push(await startWorker(redis.url, 1, p.lockMs));
    const options = { cluster: { redis: redis.url }, cache: false } as const;
    let executed = 0;
    const onCluster = async (target: Delayed<number> | Delayed<number>[]): Promise<ClusterTrial> => {
      const targets = Array.isArray(target) ? target : [target];
      const started = performance.now();
      const run = startRun(targets, options);
      const values = await run.result;
      executed += run.counts.executed;
      return { ms: performance.now() - started, value: values.reduce((a, b) => a + b, 0) };
    };
    const iters = calibrate(p.cpuMs);
    const spinTask = delayed(spin, { name: 'spin' });
    const spins = () => cpuSeeds(p.cpuTasks).map((seed) => spinTask(seed, iters));
    await repeatAll({
      wide: () => onCluster(wide(onWorkers, p.wide).target),
      tree: () => onCluster(tree(onWorkers, p.leaves).target),
      chain: () => onCluster(chain(onWorkers, p.chain).target),
      chainUnfused: () => onCluster(chain({ ...onWorkers, inc: aloneInc }, p.chain).target),
      cpuOne: async () => {
        const started = performance.now();
        const values = await startRun(spins(), { cache: false, workers: 1 }).result;
        return { ms: performance.now() - started, value: values.reduce((a, b) => a + b, 0) };
      },
      cpuAll: () => onCluster(spins()),
    });
    const duplicates = (await tasksOnWorkers(redis.url)) - executed;
    const recoveryMs: number[] = [];
    for (let trial = 0; trial < repeat.runs; trial++) recoveryMs.push(await recovery(redis.url, workers, join(scratch, `held-${trial}.log`), trial, p.lockMs));
    return { recoveryMs, duplicates, iters };
  } finally {
    await Promise.allSettled(workers.map((worker) => worker.stop()));
    await redis.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Tasks the live workers say they ran, once each has sent a heartbeat after the last run. */
async function tasksOnWorkers(url: string): Promise<number> {
  await delay(HEARTBEAT_MS * 1.5);
  const client = new Redis(url);
  try {
    const beats = await liveWorkers(client);
    return beats.reduce((sum, beat) => sum + beat.tasks, 0);
  } finally {
    client.disconnect();
  }
}

/** One task, killed with its worker; the worker is replaced afterwards, so each trial meets two. */
async function recovery(url: string, workers: BenchWorker[], log: string, trial: number, lockMs: number): Promise<number> {
  const run = startRun([heldTask(log, trial, HOLD_MS)], { cluster: { redis: url }, cache: false });
  const [first] = await linesOf(log, 1);
  const victim = workers.findIndex((worker) => worker.pid === first!.pid);
  if (victim < 0) throw new Error(`cluster: the recovery task ran in process ${first!.pid}, not a worker`);
  const killedAt = Date.now();
  await workers[victim]!.kill();
  const [, again] = await linesOf(log, 2);
  if (again!.pid === first!.pid) throw new Error(`cluster: the recovery task started twice in process ${first!.pid}`);
  const [value] = await run.result;
  if (value !== trial) throw new Error(`cluster: the recovery task gave ${value}, not ${trial}`);
  workers[victim] = await startWorker(url, 1, lockMs);
  return again!.at - killedAt;
}
