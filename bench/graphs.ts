/**
 * The graph shapes on memograph's side, built from the same parameters as
 * dask_side.py builds them. Every builder returns the target and how many
 * calls it made (the graph's nodes, before any deduplication).
 */
import { delayed, type Delayed, type DelayedFunction } from '../src/index.js';

export interface Ops {
  readonly inc: DelayedFunction<[number], number>;
  readonly add: DelayedFunction<[number, number], number>;
  /** Takes one array: spreading 100,000 arguments into a call would overflow the stack. */
  readonly sum: DelayedFunction<[number[]], number>;
}

/** Self-contained functions: their source travels to the worker threads. */
export const onWorkers: Ops = {
  inc: delayed((x: number) => x + 1, { name: 'inc' }),
  add: delayed((a: number, b: number) => a + b, { name: 'add' }),
  sum: delayed((xs: number[]) => xs.reduce((a, b) => a + b, 0), { name: 'sum' }),
};

/** The same functions, run on the main thread. */
export const onMain: Ops = {
  inc: delayed((x: number) => x + 1, { name: 'inc', mainThread: true }),
  add: delayed((a: number, b: number) => a + b, { name: 'add', mainThread: true }),
  sum: delayed((xs: number[]) => xs.reduce((a, b) => a + b, 0), { name: 'sum', mainThread: true }),
};

export interface Built {
  readonly target: Delayed<number>;
  readonly calls: number;
}

/**
 * n independent inc(i), then one sum over them. From `from` instead of 0, the
 * calls are new ones: watch builds each run's graph at its own offset, so that
 * no run meets another's calls.
 */
export function wide(ops: Ops, n: number, from = 0): Built {
  const incs = Array.from({ length: n }, (_, i) => ops.inc(from + i));
  return { target: ops.sum(incs), calls: n + 1 };
}

/**
 * Pairwise adds over inc(i) leaves, level by level; an odd node out at the end
 * of a level moves up unchanged (dask_side.py does the same). From `from`
 * instead of 0, every call is a new one: shared gives each process its own
 * tree this way.
 */
export function tree(ops: Ops, leaves: number, from = 0): Built {
  let level: Delayed<number>[] = Array.from({ length: leaves }, (_, i) => ops.inc(from + i));
  let calls = leaves;
  while (level.length > 1) {
    const next: Delayed<number>[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(ops.add(level[i]!, level[i + 1]!));
    calls += next.length;
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
  }
  return { target: level[0]!, calls };
}

/** inc applied n times, each to the previous result. */
export function chain(ops: Ops, n: number): Built {
  let x = ops.inc(0);
  for (let i = 1; i < n; i++) x = ops.inc(x);
  return { target: x, calls: n };
}

/** `calls` inc(i % distinct), summed: only `distinct` of the incs are different calls. */
export function dedup(ops: Ops, calls: number, distinct: number): Built {
  const incs = Array.from({ length: calls }, (_, i) => ops.inc(i % distinct));
  return { target: ops.sum(incs), calls: calls + 1 };
}
