/**
 * Where the cluster lives in Redis: BullMQ's queue of batches, and the live workers'
 * heartbeats. Apart from the store's keys (store/redis/redis-keys.ts), so that a store's
 * check for foreign keys never meets the queue's.
 */
import type { ConnectionOptions } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import { parseRedisUrl, type RedisAddress } from '../store/redis/redis-url.js';

export const QUEUE_PREFIX = 'memograph-queue';
export const QUEUE_NAME = 'batches';
/** A worker's heartbeat key: `<prefix>:workers:<id>`, expiring unless renewed. */
export const workerKey = (id: string) => `${QUEUE_PREFIX}:workers:${id}`;
export const WORKER_KEYS = `${QUEUE_PREFIX}:workers:*`;
export const HEARTBEAT_MS = 2_000;
export const HEARTBEAT_TTL_MS = 6_000;

/** What a live worker says of itself in its heartbeat. */
export interface WorkerBeat {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  readonly slots: number;
  readonly startedAt: number;
  readonly batches: number;
  /** Tasks in the batches it has run (a beat from a worker of before this field reads as 0). */
  readonly tasks: number;
  readonly busyMs: number;
}

/** BullMQ's blocking connections must retry for ever (its own rule): only the store's fail fast. */
export function queueConnection(url: string): { address: RedisAddress; connection: RedisOptions & ConnectionOptions } {
  const address = parseRedisUrl(url, '`cluster.redis`');
  const { lazyConnect: _lazy, retryStrategy: _retry, commandTimeout: _timeout, ...options } = address.options;
  // BullMQ types its connection options apart from ioredis's, though they are ioredis's.
  return { address, connection: { ...options, maxRetriesPerRequest: null } as RedisOptions & ConnectionOptions };
}
