/**
 * The coordinator's side of the cluster: the run's worker lane, whose batches go, as
 * BullMQ jobs, to whichever `memograph worker` has a free slot (cluster-worker.ts), and
 * come back as the tasks' outcomes. A worker that dies or freezes mid-batch loses its
 * job's lock; BullMQ gives the job to another worker, and a late reply from the first is
 * refused by BullMQ, so each batch has one outcome.
 */
import { randomUUID } from 'node:crypto';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { MemographError } from '../errors.js';
import { notRun, outcomesOf, refuseUnsendable, toMessage, type CodeChangeWords, type Delivery } from '../executors/batch-codec.js';
import type { ExecutableTask, Executor, Outcome, ProgressListener } from '../executors/executor.js';
import type { BatchMessage } from '../executors/protocol.js';
import { QUEUE_NAME, QUEUE_PREFIX, queueConnection } from './cluster-names.js';
import type { WorkerBeat } from './cluster-names.js';
import { packJob, unpackDelivery, type JobLimits } from './job-codec.js';
import { readReports } from './progress-relay.js';
import { liveWorkers } from './worker-registry.js';

/** How often the coordinator counts the workers' slots. */
const SLOTS_REFRESH_MS = 1_000;
/** Slots assumed before any worker is seen: batches wait in the queue until one starts. */
const SLOTS_BEFORE_ANY = 2;
/** Said of a module whose file a worker's machine holds other code in. */
const CHANGED_ON_WORKER: CodeChangeWords = {
  detail: "differs on the worker's machine: the worker imported other code at this path than the one this process identified",
  advice: 'Every worker needs the same code at the same path: update its checkout (or restart this process, if its copy is the stale one)',
};
/** Remote threads are numbered from here, clear of this machine's own thread ids. */
const REMOTE_THREADS_FROM = 10_000;
/** A Redis that has not answered for this long is lost: the batches waiting on it fail the run. */
const LOST_AFTER_MS = 10_000;
/** Finished jobs kept this long for their replies, then dropped (Redis must not grow with every batch ever run). */
const KEEP_FINISHED_S = 300;
/** How long closing waits for BullMQ to close its connections gracefully. */
const CLOSE_MS = 2_000;

export class ClusterExecutor implements Executor {
  readonly #queue: Queue;
  readonly #events: QueueEvents;
  readonly #redis: Redis;
  readonly #shown: string;
  #ready: Promise<unknown> | undefined;
  #slots = SLOTS_BEFORE_ANY;
  #counting: NodeJS.Timeout | undefined;
  #nextBatchId = 0;
  /** Since when counting the slots has failed; undefined while Redis answers. */
  #failingSince: number | undefined;
  /** A number for each (worker, thread) pair that replied. */
  readonly #threads = new Map<string, number>();
  /** Names this coordinator's jobs apart from every other's (batch numbers start at 0 in each). */
  readonly #id = randomUUID();
  /** Batches whose run listens to their tasks' progress: job id → listener by task index. */
  readonly #listening = new Map<string, (index: number, fraction: number, message: string | undefined) => void>();
  /** The worker each of those numbers is a thread of. */
  readonly #owners = new Map<number, string>();
  /** The live workers as last counted; undefined before the first count. */
  #counted: readonly WorkerBeat[] | undefined;
  /** Each worker's beat as its latest reply carried it: fresher than its heartbeat. */
  readonly #replied = new Map<string, WorkerBeat>();
  /** Told the live workers each time they are counted (run-workers.ts). */
  readonly #watchers = new Set<(workers: readonly WorkerBeat[]) => void>();
  /** Batches waiting for a reply: told when Redis is lost. */
  readonly #waiting = new Set<(error: Error) => void>();
  /** Told when the slots grow. */
  readonly #onMoreSlots = new Set<() => void>();

  constructor(url: string) {
    const { address, connection } = queueConnection(url);
    this.#shown = address.shown;
    this.#queue = new Queue(QUEUE_NAME, { connection, prefix: QUEUE_PREFIX });
    this.#events = new QueueEvents(QUEUE_NAME, { connection, prefix: QUEUE_PREFIX });
    // Fails fast, unlike BullMQ's connections: it is how the executor learns that Redis is gone.
    this.#redis = new Redis({ ...connection, maxRetriesPerRequest: 1, commandTimeout: 2_000 });
    // Errors reach the calls that meet them; unheard, an emitter's 'error' would end the process.
    this.#queue.on('error', () => undefined);
    this.#events.on('error', () => undefined);
    this.#events.on('progress', ({ jobId, data }) => {
      const hear = this.#listening.get(jobId);
      if (hear) for (const report of readReports(data)) hear(report.i, report.f, report.m);
    });
    this.#redis.on('error', () => undefined);
  }

  /** The free slots of every live worker, as last counted. */
  get slots(): number {
    return this.#slots;
  }

  onMoreSlots(listener: () => void): () => void {
    this.#onMoreSlots.add(listener);
    return () => this.#onMoreSlots.delete(listener);
  }

  async run(tasks: readonly ExecutableTask[], signal?: AbortSignal, onProgress?: ProgressListener): Promise<Outcome[]> {
    if (signal?.aborted) return tasks.map(notRun);
    await this.#start();
    let message: BatchMessage;
    try {
      // Files are this machine's; a worker's may differ, so it checks them.
      message = { ...toMessage(tasks, this.#nextBatchId++), checkFiles: true };
    } catch (error) {
      return refuseUnsendable(tasks, error, signal, (rest) => this.run(rest, signal, onProgress));
    }
    // Limits are per task: a task with one travels alone (scheduler/dispatch.ts).
    const timeoutMs = tasks.length === 1 ? tasks[0]!.timeoutMs : undefined;
    const memoryLimitMb = tasks.length === 1 ? tasks[0]!.task.memoryLimitMb : undefined;
    // The job is named before it is added, so that no report can come before its listener.
    const jobId = `${this.#id}-${message.batchId}`;
    if (onProgress) this.#listening.set(jobId, (index, fraction, said) => tasks[index] && onProgress(tasks[index].id, fraction, said));
    try {
      const delivery = await this.#send(jobId, message, { timeoutMs, memoryLimitMb }, signal);
      return outcomesOf(tasks, delivery, timeoutMs, (task) => this.run([task], signal, onProgress), CHANGED_ON_WORKER);
    } finally {
      this.#listening.delete(jobId);
    }
  }

  async #send(jobId: string, message: BatchMessage, limits: JobLimits, signal: AbortSignal | undefined): Promise<Delivery> {
    // Adding waits for Redis as long as waiting for the reply does: both end when Redis is lost.
    let lost!: (error: Error) => void;
    const gone = new Promise<never>((_, reject) => (lost = reject));
    gone.catch(() => undefined);
    this.#waiting.add(lost);
    let onAbort: (() => void) | undefined;
    const aborted = signal && new Promise<Delivery>((resolve) => signal.addEventListener('abort', (onAbort = () => resolve({ kind: 'aborted' })), { once: true }));
    try {
      const added = this.#queue.add('batch', packJob(message, limits), {
        jobId,
        removeOnComplete: { age: KEEP_FINISHED_S },
        removeOnFail: { age: KEEP_FINISHED_S },
      });
      const job = await Promise.race([added, gone]);
      const finished = Promise.race([job.waitUntilFinished(this.#events) as Promise<string>, gone]);
      const reply = finished.then((text) => this.#numbered(unpackDelivery(text)));
      return await (aborted ? Promise.race([reply, aborted]) : reply);
    } catch (error) {
      if (error instanceof MemographError) throw error; // Redis is lost: the run fails, naming it
      // The job failed for good: the workers that took it died each time (BullMQ's stalled limit).
      return { kind: 'crashed', crash: new Error(`the workers that took its batch stopped answering (${(error as Error).message})`) };
    } finally {
      this.#waiting.delete(lost);
      if (onAbort) signal!.removeEventListener('abort', onAbort);
    }
  }

  /**
   * A reply whose thread is named as this process names threads: thread ids repeat from
   * machine to machine, so each (worker, thread) pair gets a number of its own.
   */
  #numbered({ delivery, by, beat }: ReturnType<typeof unpackDelivery>): Delivery {
    if (beat) this.#replied.set(by, beat);
    if (delivery.kind !== 'reply') return delivery;
    const key = `${by}:${delivery.reply.threadId}`;
    let number = this.#threads.get(key);
    if (number === undefined) {
      this.#threads.set(key, (number = REMOTE_THREADS_FROM + this.#threads.size));
      this.#owners.set(number, by);
    }
    return { kind: 'reply', reply: { ...delivery.reply, threadId: number } };
  }

  #start(): Promise<unknown> {
    this.#ready ??= Promise.race([
      Promise.all([this.#queue.waitUntilReady(), this.#events.waitUntilReady(), this.#countSlots()]),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${LOST_AFTER_MS / 1000} s`)), LOST_AFTER_MS).unref()),
    ]).catch((error: unknown) => {
      this.#ready = undefined;
      throw new MemographError('MEMOGRAPH_STORE_FAILED', `Cannot reach the cluster's Redis at ${this.#shown}: ${(error as Error).message}`, { cause: error });
    });
    this.#counting ??= setInterval(() => void this.#countSlots().then(() => (this.#failingSince = undefined), (error: unknown) => this.#failing(error)), SLOTS_REFRESH_MS).unref();
    return this.#ready;
  }

  #failing(error: unknown): void {
    this.#failingSince ??= Date.now();
    if (Date.now() - this.#failingSince < LOST_AFTER_MS || this.#waiting.size === 0) return;
    const lost = new MemographError('MEMOGRAPH_STORE_FAILED', `Lost the cluster's Redis at ${this.#shown}: no answer for ${LOST_AFTER_MS / 1000} s (${(error as Error).message})`, { cause: error });
    for (const fail of this.#waiting) fail(lost);
    this.#waiting.clear();
  }

  async #countSlots(): Promise<void> {
    const workers = await liveWorkers(this.#redis);
    if (workers.length > 0) {
      const before = this.#slots;
      this.#slots = workers.reduce((sum, worker) => sum + worker.slots, 0);
      if (this.#slots > before) for (const listener of this.#onMoreSlots) listener();
    }
    this.#counted = workers;
    for (const watcher of this.#watchers) watcher(workers);
  }

  /** The id of the worker whose thread replies name `threadId`; undefined for a thread of this machine. */
  ownerOf(threadId: number): string | undefined {
    return this.#owners.get(threadId);
  }

  /** Worker `id`'s beat as its latest reply carried it, if it has replied. */
  repliedBeat(id: string): WorkerBeat | undefined {
    return this.#replied.get(id);
  }

  /**
   * Hear of the live workers each time they are counted (every second while batches are
   * sent), and at once of the last count, if there was one; returns a function that stops it.
   */
  watch(watcher: (workers: readonly WorkerBeat[]) => void): () => void {
    this.#watchers.add(watcher);
    if (this.#counted) watcher(this.#counted);
    return () => this.#watchers.delete(watcher);
  }

  async close(): Promise<void> {
    clearInterval(this.#counting);
    const closed = Promise.allSettled([this.#events.close(), this.#queue.close()]).then(() => true);
    // With Redis gone, BullMQ's close waits for a reconnection that never comes (and keeps the process alive): past a bound, cut the connections.
    const bound = new Promise<false>((resolve) => setTimeout(() => resolve(false), CLOSE_MS).unref());
    if (!(await Promise.race([closed, bound]))) {
      // Not awaited: they too wait for the connection to come back before they resolve.
      this.#events.disconnect().catch(() => undefined);
      this.#queue.disconnect().catch(() => undefined);
    }
    this.#redis.disconnect();
  }
}
