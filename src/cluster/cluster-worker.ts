/**
 * A machine's side of the cluster (`memograph worker`): a BullMQ worker whose jobs are
 * batches (cluster-executor.ts), each run on this machine's own pool of worker threads
 * with the same time limits and crash handling as a local run, its reply sent back as the
 * job's result. Functions reach it as they reach a local thread: self-contained source in
 * the batch, or a module it imports from its own files, whose code its thread checks
 * against what the coordinator hashed (a mismatch fails the task naming the file).
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { InvalidArgumentError } from '../errors.js';
import { closePools, sharedPool } from '../executors/pools.js';
import { HEARTBEAT_MS, QUEUE_NAME, QUEUE_PREFIX, queueConnection, type WorkerBeat } from './cluster-names.js';
import { packDelivery, unpackJob, type JobData } from './job-codec.js';
import { progressRelay } from './progress-relay.js';
import { beat, forget } from './worker-registry.js';

export interface ClusterWorkerOptions {
  /** The cluster's Redis. */
  readonly redis: string;
  /** Batches run at once, each on a worker thread of its own. */
  readonly slots: number;
  /** How long a batch's lock lasts without renewal: a worker that freezes loses its batch to another after this. @default 10000 */
  readonly lockMs?: number;
  /** Take batches from a Redis on another machine that has no password: whoever can write to it runs code here. */
  readonly insecure?: boolean;
}

export interface RunningWorker {
  readonly id: string;
  /** Finish the batches in hand, take no more, and leave the cluster. */
  close(): Promise<void>;
}

export const DEFAULT_LOCK_MS = 10_000;
/** Redis has not answered this many pings a second apart: a closing worker stops waiting for it. */
const PINGS_BEFORE_GONE = 3;

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

async function redisGone(redis: Redis): Promise<void> {
  for (let failed = 0; failed < PINGS_BEFORE_GONE; ) {
    const answered = await Promise.race([redis.ping().then(() => true, () => false), delay(1_000).then(() => false)]);
    failed = answered ? 0 : failed + 1;
    if (answered) await delay(1_000);
  }
}

export async function startClusterWorker(options: ClusterWorkerOptions): Promise<RunningWorker> {
  const { address, connection } = queueConnection(options.redis);
  if (!address.local && !address.authenticated && !options.insecure) {
    throw new InvalidArgumentError(
      `Refusing to take work from ${address.shown}: it is not on this machine and the URL gives no password, and whoever can write to its queue ` +
        `runs code on this machine. Give a password (redis://:password@host:port, with requirepass or an ACL user on the server; rediss:// for TLS), ` +
        `or --insecure where the network is trusted`,
    );
  }
  if (!Number.isInteger(options.slots) || options.slots < 1) throw new InvalidArgumentError(`Expected the worker's slots to be a whole number above 0, got ${options.slots}`);
  const lockMs = options.lockMs ?? DEFAULT_LOCK_MS;
  const pool = sharedPool(options.slots, undefined);
  const me: { -readonly [K in keyof WorkerBeat]: WorkerBeat[K] } = {
    id: randomUUID().slice(0, 8),
    host: hostname(),
    pid: process.pid,
    slots: options.slots,
    startedAt: Date.now(),
    batches: 0,
    tasks: 0,
    busyMs: 0,
  };
  const redis = new Redis({ ...connection, maxRetriesPerRequest: 2 });
  redis.on('error', () => undefined);
  await beat(redis, me);
  const heartbeat = setInterval(() => void beat(redis, me).catch(() => undefined), HEARTBEAT_MS);
  const worker = new Worker(
    QUEUE_NAME,
    async (job) => {
      const started = performance.now();
      const { message, timeoutMs, memoryLimitMb } = unpackJob(job.data as JobData);
      // As locally (run.ts): a task with a memory limit runs on a pool whose threads have that heap, started when needed.
      const runner = memoryLimitMb === undefined ? pool : sharedPool(options.slots, { maxOldGenerationSizeMb: memoryLimitMb }, 0);
      const relay = progressRelay((reports) => job.updateProgress(reports));
      const delivery = await runner.runForeign(message, timeoutMs, relay.hear);
      relay.close();
      me.batches++;
      me.tasks += message.count;
      me.busyMs += performance.now() - started;
      return packDelivery(delivery, me.id, me);
    },
    { connection, prefix: QUEUE_PREFIX, concurrency: options.slots, lockDuration: lockMs, stalledInterval: Math.max(500, lockMs / 2), maxStalledCount: 3 },
  );
  worker.on('error', () => undefined);
  await worker.waitUntilReady();
  return {
    id: me.id,
    close: async () => {
      clearInterval(heartbeat);
      // Batches in hand finish and report, however long they take; with Redis gone they cannot, so then it stops at once.
      const finished = await Promise.race([worker.close().then(() => true), redisGone(redis).then(() => false)]);
      if (!finished) await Promise.race([worker.close(true), delay(1_000)]);
      await forget(redis, me.id).catch(() => undefined);
      redis.disconnect();
      await closePools();
    },
  };
}
