import { Piscina } from 'piscina';
import type { ResourceLimits } from 'node:worker_threads';
import { TaskError, WorkerCrashedError } from '../errors.js';
import { TaskResult } from '../scheduler/task-result.js';
import type { ExecutableTask, Executor, Outcome } from './executor.js';
import type { BatchMessage, BatchReply, TaskMessage, TaskOutcome } from './protocol.js';

export interface PoolOptions {
  readonly workers: number;
  readonly resourceLimits?: ResourceLimits;
}

// From source (tests, tsx) this module is .ts and so is the worker entry, which
// then needs tsx's loader in the worker; from the built package both are .js.
const runningFromSource = import.meta.url.endsWith('.ts');
const workerFile = new URL(runningFromSource ? './worker.ts' : './worker.js', import.meta.url);

function workerExecArgv(): string[] {
  const argv = [...process.execArgv];
  if (runningFromSource && !argv.some((arg) => arg.includes('tsx'))) argv.push('--import', 'tsx');
  return argv;
}

/** Runs batches of tasks on a piscina pool of worker threads. */
export class PoolExecutor implements Executor {
  readonly slots: number;
  readonly #pool: Piscina;

  constructor(options: PoolOptions) {
    this.slots = options.workers;
    this.#pool = new Piscina({
      filename: workerFile.href,
      minThreads: options.workers,
      maxThreads: options.workers,
      // A crash or limit in one worker must not take down the others.
      resourceLimits: options.resourceLimits,
      execArgv: workerExecArgv(),
    });
  }

  async run(tasks: readonly ExecutableTask[]): Promise<Outcome[]> {
    const message = toMessage(tasks);
    let reply: BatchReply;
    try {
      reply = (await this.#pool.run(message, { transferList: [message.inputs.buffer as ArrayBuffer] })) as BatchReply;
    } catch (crash) {
      // The worker died. Piscina replaces it; run the batch's tasks one by one so
      // only the task that kills its worker fails.
      if (tasks.length > 1) return (await Promise.all(tasks.map((task) => this.run([task])))).flat();
      return [crashOutcome(tasks[0]!, crash)];
    }
    return reply.outcomes.map((outcome, i) => toOutcome(tasks[i]!, outcome, reply.results));
  }

  close(): Promise<void> {
    return this.#pool.destroy();
  }
}

function toMessage(tasks: readonly ExecutableTask[]): BatchMessage {
  const sources: Record<string, string> = {};
  // Each distinct input is written once, however many tasks of the batch take it.
  const placed = new Map<TaskResult, number>();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const messages: TaskMessage[] = tasks.map(({ id, task, args, inputs }) => {
    const placement = task.placement;
    if (placement.kind === 'main') throw new Error(`internal: main-thread task ${task.name} sent to a worker`);
    if (placement.kind === 'source') sources[task.key] = placement.expression;
    return {
      id,
      fn:
        placement.kind === 'source'
          ? { kind: 'source', key: task.key }
          : { kind: 'module', url: placement.url, exportName: placement.exportName },
      args,
      inputs: inputs.map(({ path, result }) => {
        const bytes = result.bytes();
        let offset = placed.get(result);
        if (offset === undefined) {
          offset = size;
          placed.set(result, offset);
          chunks.push(bytes);
          size += bytes.byteLength;
        }
        return { path, offset, length: bytes.byteLength };
      }),
    };
  });
  const joined = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    joined.set(chunk, at);
    at += chunk.byteLength;
  }
  return { tasks: messages, sources, inputs: joined };
}

function toOutcome(task: ExecutableTask, reply: TaskOutcome, results: Uint8Array): Outcome {
  if (reply.ok) {
    const bytes = results.subarray(reply.offset, reply.offset + reply.length);
    return { id: task.id, ok: true, result: TaskResult.fromBytes(bytes, reply.resultCid), durationMs: reply.durationMs };
  }
  const error = new TaskError({
    taskName: task.task.name,
    cid: task.cid,
    originalMessage: reply.message,
    originalStack: reply.stack,
  });
  return { id: task.id, ok: false, error, durationMs: reply.durationMs };
}

function crashOutcome(task: ExecutableTask, crash: unknown): Outcome {
  const message = crash instanceof Error ? crash.message : String(crash);
  if (crash instanceof Error && crash.name === 'DataCloneError') {
    const failure = { taskName: task.task.name, cid: task.cid, originalMessage: `its arguments cannot be sent to a worker thread: ${message}` };
    return { id: task.id, ok: false, error: new TaskError(failure, { cause: crash }), durationMs: 0 };
  }
  const error = new WorkerCrashedError(
    { taskName: task.task.name, cid: task.cid, originalMessage: `its worker thread died: ${message}` },
    { cause: crash },
  );
  return { id: task.id, ok: false, error, durationMs: 0 };
}
