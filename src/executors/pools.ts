import type { ResourceLimits } from 'node:worker_threads';
import { PoolExecutor } from './pool.js';

/**
 * Worker pools are process-wide and made on first use: starting threads costs
 * tens of milliseconds, so runs with the same settings share one pool. Idle
 * workers do not keep the process alive; `closePools` ends them at once.
 */
const pools = new Map<string, PoolExecutor>();

/**
 * `minThreads`: threads started at once and kept; pools for tasks with their own
 * memory limit start none until such a task comes.
 */
export function sharedPool(workers: number, resourceLimits: ResourceLimits | undefined, minThreads = workers): PoolExecutor {
  const key = `${workers}:${minThreads}:${JSON.stringify(resourceLimits ?? {})}`;
  let pool = pools.get(key);
  if (!pool) {
    pool = new PoolExecutor({ workers, resourceLimits, minThreads });
    pools.set(key, pool);
  }
  return pool;
}

export async function closePools(): Promise<void> {
  const closing = [...pools.values()].map((pool) => pool.close());
  pools.clear();
  await Promise.all(closing);
}
