/**
 * A process's connections to its clusters, made on first use and shared by its runs (a
 * queue, its events and a store cost connections and a handshake each); `shutdown()`
 * closes them.
 */
import type { ClusterOptions } from '../options.js';
import { RedisStore } from '../store/redis/redis-store.js';
import { ClusterExecutor } from './cluster-executor.js';

const executors = new Map<string, ClusterExecutor>();
const stores = new Map<string, Promise<RedisStore>>();

export function clusterExecutor(cluster: ClusterOptions): ClusterExecutor {
  let executor = executors.get(cluster.redis);
  if (!executor) {
    executor = new ClusterExecutor(cluster.redis);
    executors.set(cluster.redis, executor);
  }
  return executor;
}

export function clusterStore(cluster: ClusterOptions): Promise<RedisStore> {
  let store = stores.get(cluster.redis);
  if (!store) {
    store = RedisStore.open(cluster.redis, { insecure: cluster.insecure ?? false });
    // A failed open is not kept: the next run tries again.
    store.catch(() => stores.delete(cluster.redis));
    stores.set(cluster.redis, store);
  }
  return store;
}

export async function closeClusters(): Promise<void> {
  const closing = [...executors.values()].map((executor) => executor.close());
  executors.clear();
  for (const store of stores.values()) closing.push(store.then((opened) => opened.close(), () => undefined));
  stores.clear();
  await Promise.allSettled(closing);
}
