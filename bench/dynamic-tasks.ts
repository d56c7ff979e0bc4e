/**
 * The dynamic scenario's task that returns a graph: a module function, as a worker
 * runs it, that builds the wide graph of `n` incs and a sum and returns it.
 */
import { delayed } from '../src/index.js';
import { onWorkers, wide } from './graphs.js';

export function fanOut(n: number) {
  return wide(onWorkers, n).target;
}

export const fanOutTask = delayed(fanOut, { module: import.meta.url });
