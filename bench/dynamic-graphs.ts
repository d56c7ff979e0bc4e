/**
 * The dynamic scenario (memograph only): what parts, unpacking, returned graphs and
 * value-keyed lookups cost per node, each against the plain graph of the same size
 * in the same run (the variants take turns, so drift of a shared machine cancels).
 *
 *   pairs       n pair(i) → n first(pair) on workers → sum              2n + 1 nodes
 *   get         n pair(i) → n pair.get(0) (main thread, built in) → sum 2n + 1 nodes
 *   unpack      n pairN(i) with nout: 2, [first] unpacked → sum          2n + 1 nodes
 *   wide        the wide graph, built here and run                      n + 1 nodes
 *   returned    one worker task that builds and returns the wide graph  n + 2 nodes
 *   byCall      the tree of n leaves, re-run from a filled cache         one lookup
 *   byValue     the same tree over a cache: false input: every node is looked up by
 *               its inputs' values (2n - 1 lookups and loads, and the input runs)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { delayed, startRun, type Delayed } from '../src/index.js';
import { fanOutTask } from './dynamic-tasks.js';
import { onWorkers, tree, wide, type Ops } from './graphs.js';
import { mainThreadCpuMs } from './thread-cpu.js';

const pair = delayed((i: number): [number, number] => [i + 1, i], { name: 'pair' });
const pairN = delayed((i: number): [number, number] => [i + 1, i], { name: 'pair', nout: 2 });
const first = delayed((p: [number, number]) => p[0], { name: 'first' });
const sum = onWorkers.sum;

export interface DynamicTrial {
  readonly ms: number;
  readonly value: number;
  /** `<variant>Cpu`: the main thread's CPU time in that run (thread-cpu.ts), where the system tells it. */
  readonly extra?: Record<string, number>;
}

/** Wall time of building and running `target`; for a `variant`, also the main thread's CPU time. */
async function timed(target: () => Delayed<number>, options: { cacheDir?: string; variant?: string } = {}): Promise<DynamicTrial> {
  const cpuBefore = mainThreadCpuMs();
  const started = performance.now();
  const run = startRun([target()], options.cacheDir ? { cacheDir: options.cacheDir } : { cache: false });
  const [value] = await run.result;
  const ms = performance.now() - started;
  const cpuAfter = mainThreadCpuMs();
  const cpu = options.variant !== undefined && cpuBefore !== undefined && cpuAfter !== undefined ? { [`${options.variant}Cpu`]: cpuAfter - cpuBefore } : undefined;
  return { ms, value: value!, ...(cpu && { extra: cpu }) };
}

export const dynamicVariants = (n: number) => ({
  pairs: () => timed(() => sum(Array.from({ length: n }, (_, i) => first(pair(i)))), { variant: 'pairs' }),
  get: () => timed(() => sum(Array.from({ length: n }, (_, i) => pair(i).get(0))), { variant: 'get' }),
  unpack: () =>
    timed(() =>
      sum(
        Array.from({ length: n }, (_, i) => {
          const [head] = pairN(i);
          return head;
        }),
      ),
      { variant: 'unpack' },
    ),
  wide: () => timed(() => wide(onWorkers, n).target, { variant: 'wide' }),
  returned: () => timed(() => fanOutTask(n) as Delayed<number>, { variant: 'returned' }),
});

/** A leaf input made fresh on every run: everything above it is looked up by value. */
const zero = delayed(() => 0, { name: 'zero', cache: false });
const incFrom = delayed((base: number, i: number) => base + i + 1, { name: 'inc' });

function volatileTree(leaves: number): Delayed<number> {
  const base = zero();
  const ops: Ops = { ...onWorkers, inc: ((i: number) => incFrom(base, i)) as unknown as Ops['inc'] };
  return tree(ops, leaves).target;
}

/** Two caches filled once, then re-run: `byCall` and `byValue` per trial. */
export async function rerunVariants(leaves: number): Promise<{ variants: Record<string, () => Promise<DynamicTrial>>; close: () => void }> {
  const byCallDir = mkdtempSync(join(tmpdir(), 'memograph-bench-bycall-'));
  const byValueDir = mkdtempSync(join(tmpdir(), 'memograph-bench-byvalue-'));
  await timed(() => tree(onWorkers, leaves).target, { cacheDir: byCallDir });
  await timed(() => volatileTree(leaves), { cacheDir: byValueDir });
  return {
    variants: {
      byCall: () => timed(() => tree(onWorkers, leaves).target, { cacheDir: byCallDir }),
      byValue: () => timed(() => volatileTree(leaves), { cacheDir: byValueDir }),
    },
    close: () => {
      rmSync(byCallDir, { recursive: true, force: true });
      rmSync(byValueDir, { recursive: true, force: true });
    },
  };
}
