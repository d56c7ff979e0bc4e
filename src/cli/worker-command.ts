/**
 * `memograph worker`: take batches from a cluster's Redis and run them on this machine
 * until interrupted (SIGINT, SIGTERM: the batches in hand finish first). `memograph
 * workers`: the live workers of a cluster.
 */
import { availableParallelism } from 'node:os';
import { Redis } from 'ioredis';
import { queueConnection } from '../cluster/cluster-names.js';
import { DEFAULT_LOCK_MS, startClusterWorker } from '../cluster/cluster-worker.js';
import { liveWorkers } from '../cluster/worker-registry.js';
import { formatDuration } from './human-units.js';
import { UsageProblem } from './usage-problem.js';
import { InvalidArgumentError } from '../errors.js';

export interface WorkerCommandOptions {
  readonly redis: string;
  readonly concurrency?: string;
  readonly lockMs?: string;
  readonly insecure?: boolean;
}

export async function runWorker(options: WorkerCommandOptions): Promise<void> {
  const slots = wholeNumber(options.concurrency, '--concurrency') ?? availableParallelism();
  const lockMs = wholeNumber(options.lockMs, '--lock-ms') ?? DEFAULT_LOCK_MS;
  let worker: Awaited<ReturnType<typeof startClusterWorker>>;
  try {
    worker = await startClusterWorker({ redis: options.redis, slots, lockMs, insecure: options.insecure ?? false });
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw new UsageProblem(error.message);
    throw error;
  }
  const { address } = queueConnection(options.redis);
  process.stderr.write(`memograph worker ${worker.id} (pid ${process.pid}): ${slots} slots, taking batches from ${address.shown}\n`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.stderr.write(`memograph worker ${worker.id}: ${signal}, finishing the batches in hand\n`);
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await worker.close();
  // BullMQ's connections retry for ever while Redis is away: nothing else is left to do here.
  process.exit(process.exitCode ?? 0);
}

export async function listWorkers(redis: string, json: boolean): Promise<string> {
  const { address, connection } = queueConnection(redis);
  const client = new Redis({ ...connection, maxRetriesPerRequest: 2, lazyConnect: true });
  client.on('error', () => undefined);
  try {
    await client.connect().catch((error: Error) => {
      throw new UsageProblem(`Cannot reach the Redis at ${address.shown}: ${error.message}`);
    });
    const workers = (await liveWorkers(client)).sort((a, b) => a.host.localeCompare(b.host) || a.pid - b.pid);
    if (json) return JSON.stringify(workers, null, 2);
    if (workers.length === 0) return `No live workers at ${address.shown}`;
    const now = Date.now();
    return [
      `${workers.length} live worker${workers.length === 1 ? '' : 's'} at ${address.shown}, ${workers.reduce((sum, w) => sum + w.slots, 0)} slots:`,
      ...workers.map((w) => `  ${w.id}  ${w.host} pid ${w.pid}  ${w.slots} slots  ${w.tasks} tasks in ${w.batches} batches, busy ${formatDuration(w.busyMs)}  up ${formatDuration(now - w.startedAt)}`),
    ].join('\n');
  } finally {
    client.disconnect();
  }
}

function wholeNumber(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageProblem(`Expected ${flag} to be a whole number above 0, got \`${text}\``);
  return Number(text);
}
