import { Piscina } from 'piscina';
import { SHARE_ENV, type ResourceLimits } from 'node:worker_threads';
import { LateErrorWarning } from '../errors.js';
import type { ExecutableTask, Executor, Outcome, ProgressListener } from './executor.js';
import type { BatchMessage, BatchReply, GraphChunkMessage, LateErrorMessage, ProgressMessage } from './protocol.js';
import { BatchGraphs } from './graph-receiver.js';
import { workerExecArgv } from './worker-exec-argv.js';
import { notRun, outcomesOf, refuseUnsendable, toMessage, type Delivery } from './batch-codec.js';

export interface PoolOptions {
  readonly workers: number;
  readonly resourceLimits?: ResourceLimits;
  /** Threads started at once and kept while idle. @default workers */
  readonly minThreads?: number;
}

// From source (tests, tsx) this module is .ts and the worker entry must first
// register tsx in its thread (a loader given to the main thread does not reach a
// worker's ESM loader on Node 20); from the built package it is plain worker.js.
// Workers get the main thread's execArgv without a TypeScript loader (see
// worker-exec-argv.ts).
const runningFromSource = import.meta.url.endsWith('.ts');
const workerFile = new URL(runningFromSource ? './worker-from-source.mjs' : './worker.js', import.meta.url);

/**
 * How many recent batches the pool remembers the tasks of, to name the task an
 * error surfacing after its batch came back belongs to (late-errors.ts). Such an
 * error comes within moments; older ones are reported naming no task.
 */
const REMEMBERED_BATCHES = 1024;

/** Hears the progress of a foreign batch's tasks, by their index in the batch. */
export type ForeignProgress = (index: number, fraction: number, message: string | undefined) => void;

interface TaskLabel {
  readonly taskName: string;
  readonly cid: string;
}

/** Runs batches of tasks on a piscina pool of worker threads. */
export class PoolExecutor implements Executor {
  readonly slots: number;
  readonly #pool: Piscina;
  #nextBatchId = 0;
  readonly #recent = new Map<number, readonly TaskLabel[]>();
  /** Batches in flight whose run listens to their tasks' progress: batch id → listener by index. */
  readonly #listening = new Map<number, (index: number, fraction: number, message: string | undefined) => void>();
  /** Batches in flight of this process's runs: the graphs their tasks send while they run (graph-receiver.ts). */
  readonly #graphs = new Map<number, BatchGraphs>();

  constructor(options: PoolOptions) {
    this.slots = options.workers;
    this.#pool = new Piscina({
      filename: workerFile.href,
      minThreads: options.minThreads ?? options.workers,
      maxThreads: options.workers,
      execArgv: workerExecArgv(),
      // One environment for all threads: a variable set after the pool started must
      // reach tasks as the identity saw it (the scheduler fails tasks whose read changed).
      env: SHARE_ENV,
      // A crash or limit in one worker must not take down the others.
      resourceLimits: options.resourceLimits,
    });
    this.#pool.on('message', (message: unknown) => {
      if (isLateError(message)) process.emitWarning(this.#lateWarning(message));
      else if (isProgress(message)) this.#listening.get(message.batchId)?.(message.index, message.fraction, message.message);
      else if (isGraphChunk(message)) this.#graphs.get(message.batchId)?.chunk(message);
    });
    // A worker that dies between batches (a timer calling process.exit, memory
    // filled after a task returned) fails no task; piscina replaces it and emits
    // 'error', which unheard would crash this process.
    this.#pool.on('error', (error: unknown) => {
      process.emitWarning(`memograph: a worker thread died between tasks and was replaced: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  #lateWarning(late: LateErrorMessage): LateErrorWarning {
    const label = late.batchId === undefined ? undefined : this.#recent.get(late.batchId)?.[late.index!];
    return new LateErrorWarning({
      threadId: late.threadId,
      kind: late.kind,
      ...(label ?? {}),
      originalMessage: late.message,
      ...(late.stack === undefined ? {} : { originalStack: late.stack }),
    });
  }

  #remember(batchId: number, tasks: readonly ExecutableTask[]): void {
    this.#recent.set(batchId, tasks.map((task) => ({ taskName: task.task.name, cid: task.cid })));
    if (this.#recent.size > REMEMBERED_BATCHES) this.#recent.delete(this.#recent.keys().next().value!);
  }

  async run(tasks: readonly ExecutableTask[], signal?: AbortSignal, onProgress?: ProgressListener): Promise<Outcome[]> {
    if (signal?.aborted) return tasks.map(notRun);
    let message: BatchMessage;
    try {
      message = { ...toMessage(tasks, this.#nextBatchId++), streamGraphs: true };
    } catch (error) {
      // Arguments are checked when the call is made, so this is a value that changed
      // since, or a class encoder that fails: refuse it rather than send it degraded.
      return refuseUnsendable(tasks, error, signal, (rest) => this.run(rest, signal));
    }
    this.#remember(message.batchId, tasks);
    const batchId = message.batchId;
    if (onProgress) this.#listening.set(batchId, (index, fraction, said) => onProgress(tasks[index]!.id, fraction, said));
    const graphs = new BatchGraphs(tasks);
    this.#graphs.set(batchId, graphs);
    try {
      return await graphs.settle(await this.#send(tasks, message, signal, onProgress));
    } finally {
      this.#listening.delete(batchId);
      this.#graphs.delete(batchId);
    }
  }

  async #send(tasks: readonly ExecutableTask[], message: BatchMessage, signal: AbortSignal | undefined, onProgress: ProgressListener | undefined): Promise<Outcome[]> {
    // A task with a time limit travels alone; aborting piscina's task terminates its worker.
    const timeoutMs = tasks.length === 1 ? tasks[0]!.timeoutMs : undefined;
    const delivery = await this.runMessage(message, timeoutMs, signal);
    return outcomesOf(tasks, delivery, timeoutMs, (task) => this.run([task], signal, onProgress));
  }

  /**
   * Run a batch another machine sent (cluster/cluster-worker.ts). It is renumbered:
   * every coordinator numbers its batches from 0, and the number is what this pool
   * knows a batch's progress reports by.
   */
  async runForeign(message: BatchMessage, timeoutMs: number | undefined, onProgress?: ForeignProgress): Promise<Delivery> {
    const batchId = this.#nextBatchId++;
    if (onProgress) this.#listening.set(batchId, onProgress);
    try {
      return await this.runMessage({ ...message, batchId }, timeoutMs);
    } finally {
      this.#listening.delete(batchId);
    }
  }

  /** Run one message on a thread of this pool. */
  async runMessage(message: BatchMessage, timeoutMs?: number, signal?: AbortSignal): Promise<Delivery> {
    const timer = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
    const signals = [signal, timer].filter((s): s is AbortSignal => s !== undefined);
    try {
      const transferList = [message.inputs.buffer as ArrayBuffer, message.payload.buffer as ArrayBuffer];
      const abort = signals.length === 0 ? undefined : signals.length === 1 ? signals[0] : AbortSignal.any(signals);
      return { kind: 'reply', reply: (await this.#pool.run(message, { transferList, signal: abort ?? null })) as BatchReply };
    } catch (crash) {
      if (signal?.aborted) return { kind: 'aborted' };
      if (timer?.aborted) return { kind: 'timeout' };
      return { kind: 'crashed', crash };
    }
  }

  close(): Promise<void> {
    return this.#pool.destroy();
  }
}

function isProgress(message: unknown): message is ProgressMessage {
  return typeof message === 'object' && message !== null && (message as { memographProgress?: unknown }).memographProgress === true;
}

function isGraphChunk(message: unknown): message is GraphChunkMessage {
  return typeof message === 'object' && message !== null && (message as { memographGraphChunk?: unknown }).memographGraphChunk === true;
}

function isLateError(message: unknown): message is LateErrorMessage {
  return typeof message === 'object' && message !== null && (message as { memographLateError?: unknown }).memographLateError === true;
}
