import { Piscina } from 'piscina';
import { errorFrom } from './error-shape.js';
import { SHARE_ENV, type ResourceLimits } from 'node:worker_threads';
import { CodeChangedError, LateErrorWarning, LateTaskError, ResourceLimitError, TaskError, TimeoutError, WorkerCrashedError } from '../errors.js';
import { closureOf } from '../identity/stale-code.js';
import { TaskResult } from '../scheduler/task-result.js';
import { encoderModules } from '../hash/type-registry.js';
import { packValue, unpackValue } from '../store/value-codec.js';
import type { ExecutableTask, Executor, Outcome, ProgressListener } from './executor.js';
import { joinBytes } from './join-bytes.js';
import type { TaskFunction } from '../graph/task-function.js';
import type { BatchMessage, BatchOutcome, BatchPayload, BatchReply, FunctionRef, LateErrorMessage, ProgressMessage, Path } from './protocol.js';
import { workerExecArgv } from './worker-exec-argv.js';
import { functionNameOf } from '../graph/task-function.js';

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
      message = toMessage(tasks, this.#nextBatchId++);
    } catch (error) {
      // Arguments are checked when the call is made, so this is a value that changed
      // since, or a class encoder that fails: refuse it rather than send it degraded.
      return refuseUnsendable(tasks, error, signal, (rest) => this.run(rest, signal));
    }
    this.#remember(message.batchId, tasks);
    const batchId = message.batchId;
    if (onProgress) this.#listening.set(batchId, (index, fraction, said) => onProgress(tasks[index]!.id, fraction, said));
    try {
      return await this.#send(tasks, message, signal, onProgress);
    } finally {
      this.#listening.delete(batchId);
    }
  }

  async #send(tasks: readonly ExecutableTask[], message: BatchMessage, signal: AbortSignal | undefined, onProgress: ProgressListener | undefined): Promise<Outcome[]> {
    // A task with a time limit travels alone; aborting piscina's task terminates its worker.
    const timeoutMs = tasks.length === 1 ? tasks[0]!.timeoutMs : undefined;
    const timer = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
    const signals = [signal, timer].filter((s): s is AbortSignal => s !== undefined);
    let reply: BatchReply;
    try {
      const transferList = [message.inputs.buffer as ArrayBuffer, message.payload.buffer as ArrayBuffer];
      const abort = signals.length === 0 ? undefined : signals.length === 1 ? signals[0] : AbortSignal.any(signals);
      reply = (await this.#pool.run(message, { transferList, signal: abort ?? null })) as BatchReply;
    } catch (crash) {
      if (signal?.aborted) return tasks.map(notRun);
      if (timer?.aborted) return [timeoutOutcome(tasks[0]!, timeoutMs!)];
      // The worker died. Piscina replaces it; run the batch's tasks one by one so
      // only the task that kills its worker fails. Fused tasks cannot run without
      // their batch: they come back not run, and the scheduler sends them again.
      if (tasks.length > 1) {
        return Promise.all(
          tasks.map((task) =>
            task.inputs.some((input) => input.fromTask !== undefined)
              ? { id: task.id, ok: false as const, skipped: true as const, durationMs: 0 as const }
              : this.run([task], signal, onProgress).then(([outcome]) => outcome!),
          ),
        );
      }
      return [crashOutcome(tasks[0]!, crash)];
    }
    return toOutcomes(tasks, reply, unpackValue(reply.outcome) as BatchOutcome);
  }

  close(): Promise<void> {
    return this.#pool.destroy();
  }
}

function toMessage(tasks: readonly ExecutableTask[], batchId: number): BatchMessage {
  const sources: Record<string, string> = {};
  const functions: FunctionRef[] = [];
  const functionIndex = new Map<TaskFunction, number>();
  const functionOf: number[] = [];
  const args: unknown[][] = [];
  const inputCounts: number[] = [];
  const inputPaths: Path[] = [];
  const inputSpans: number[] = [];
  const inputFrom: number[] = [];
  // Each distinct input is written once, however many tasks of the batch take it.
  const placed = new Map<TaskResult, number>();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (const { task, args: template, inputs } of tasks) {
    let index = functionIndex.get(task);
    if (index === undefined) {
      index = functions.length;
      functionIndex.set(task, index);
      functions.push(functionRef(task, sources));
    }
    functionOf.push(index);
    args.push(template);
    inputCounts.push(inputs.length);
    for (const { path, result, fromTask } of inputs) {
      inputPaths.push(path);
      if (fromTask !== undefined) {
        inputSpans.push(0, 0);
        inputFrom.push(fromTask);
        continue;
      }
      inputFrom.push(-1);
      const bytes = result.bytes();
      let offset = placed.get(result);
      if (offset === undefined) {
        offset = size;
        placed.set(result, offset);
        chunks.push(bytes);
        size += bytes.byteLength;
      }
      inputSpans.push(offset, bytes.byteLength);
    }
  }
  const joined = joinBytes(chunks, size);
  const payload: BatchPayload = { functions, functionOf, args, inputCounts, inputPaths, inputSpans, inputFrom };
  return {
    batchId,
    payload: packValue(payload, 'tasks'),
    sources,
    encoderModules: encoderModules(),
    count: tasks.length,
    inputs: joined,
    hashResults: tasks.some((task) => task.stored),
  };
}

/**
 * The batch could not be encoded: each task whose own arguments cannot be fails, naming
 * where; the others run without them (a task fused onto a refused one comes back not
 * run, and the scheduler sends it again once its input fails or is there).
 */
async function refuseUnsendable(
  tasks: readonly ExecutableTask[],
  error: unknown,
  signal: AbortSignal | undefined,
  runRest: (rest: ExecutableTask[]) => Promise<Outcome[]>,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const task of tasks) {
    try {
      packValue(task.args, 'args');
    } catch (own) {
      const message = own instanceof Error ? own.message : String(own);
      const failure = { taskName: task.task.name, cid: task.cid, originalMessage: `its arguments cannot be sent to a worker thread: ${message}` };
      outcomes.push({ id: task.id, ok: false, error: new TaskError(failure, { cause: own }), durationMs: 0 });
    }
  }
  if (outcomes.length === 0) throw error;
  const refused = new Set(outcomes.map((outcome) => outcome.id));
  const rest = tasks.filter((task) => !refused.has(task.id) && task.inputs.every((input) => input.fromTask === undefined));
  for (const task of tasks) if (!refused.has(task.id) && !rest.includes(task)) outcomes.push(notRun(task));
  if (rest.length > 0 && !signal?.aborted) {
    // Ids are positions in a batch: renumber for the smaller batch, then map back.
    const renumbered = rest.map((task, id) => ({ ...task, id }));
    for (const outcome of await runRest(renumbered)) outcomes.push({ ...outcome, id: rest[outcome.id]!.id });
  } else {
    outcomes.push(...rest.map(notRun));
  }
  return outcomes;
}

function functionRef(task: TaskFunction, sources: Record<string, string>): FunctionRef {
  const placement = task.placement;
  if (placement.kind === 'main') throw new Error(`internal: main-thread task ${task.name} sent to a worker`);
  if (placement.kind === 'module') {
    const closure = closureOf(task.identity.code);
    return { kind: 'module', url: placement.url, exportName: placement.exportName, ...(closure ? { closure } : {}) };
  }
  sources[task.key] = placement.expression;
  // The name the function has here, so that one that reads its own name sees the same on a worker; an
  // anonymous one (which cannot name itself) is shown in stack frames by its function's name.
  return { kind: 'source', key: task.key, name: task.fn.name || functionNameOf(task), ...(placement.origin ? { origin: placement.origin } : {}) };
}

function toOutcomes(tasks: readonly ExecutableTask[], reply: BatchReply, outcome: BatchOutcome): Outcome[] {
  const { results, threadId: workerId, heapUsedBytes } = reply;
  const failures = new Map(outcome.failures.map((failure) => [failure.index, failure]));
  let offset = 0;
  return tasks.map((task, i): Outcome => {
    const durationMs = outcome.durationsMs[i]!;
    const startedAt = outcome.startedAtMs[i]!;
    const length = outcome.lengths[i]!;
    if (length === -2) return { id: task.id, ok: false, skipped: true, durationMs: 0 };
    if (length >= 0) {
      const bytes = results.subarray(offset, offset + length);
      offset += length;
      const result = TaskResult.fromBytes(bytes, outcome.resultCids?.[i] ?? undefined);
      if (outcome.graphs.includes(i)) return { id: task.id, ok: true, returned: { description: result }, durationMs, startedAt, workerId, heapUsedBytes };
      return { id: task.id, ok: true, result, durationMs, startedAt, workerId, heapUsedBytes };
    }
    const failure = failures.get(i)!;
    if (failure.code === 'MEMOGRAPH_CODE_CHANGED' && failure.file !== undefined) {
      const error = new CodeChangedError({
        taskName: task.task.name,
        cid: task.cid,
        file: failure.file,
        detail: 'changed on disk: the worker thread imported other code than the one this process identified',
      });
      return { id: task.id, ok: false, error, durationMs, startedAt, workerId };
    }
    if (failure.code === 'MEMOGRAPH_LATE_ERROR') {
      const originalMessage = `it left an ${failure.late ?? 'uncaught exception'} on worker thread ${workerId} (thrown outside its call, e.g. from a timer): ${failure.message}`;
      const error = new LateTaskError({ taskName: task.task.name, cid: task.cid, originalMessage, originalStack: failure.stack }, workerId);
      return { id: task.id, ok: false, error, durationMs, startedAt, workerId };
    }
    const error = new TaskError(
      { taskName: task.task.name, cid: task.cid, originalMessage: failure.message, originalStack: failure.stack },
      failure.shape ? { cause: errorFrom(failure.shape) } : undefined,
    );
    return { id: task.id, ok: false, error, durationMs, startedAt, workerId };
  });
}

function notRun(task: ExecutableTask): Outcome {
  return { id: task.id, ok: false, skipped: true, durationMs: 0 };
}

function timeoutOutcome(task: ExecutableTask, timeoutMs: number): Outcome {
  const failure = {
    taskName: task.task.name,
    cid: task.cid,
    originalMessage: `it ran longer than its limit of ${timeoutMs} ms and its worker thread was stopped`,
  };
  return { id: task.id, ok: false, error: new TimeoutError(failure, timeoutMs), durationMs: timeoutMs };
}

function crashOutcome(task: ExecutableTask, crash: unknown): Outcome {
  const message = crash instanceof Error ? crash.message : String(crash);
  if (crash instanceof Error && crash.name === 'DataCloneError') {
    const failure = { taskName: task.task.name, cid: task.cid, originalMessage: `its arguments cannot be sent to a worker thread: ${message}` };
    return { id: task.id, ok: false, error: new TaskError(failure, { cause: crash }), durationMs: 0 };
  }
  if (crash instanceof Error && (crash as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') {
    const failure = { taskName: task.task.name, cid: task.cid, originalMessage: `its worker thread went over its memory limit: ${message}` };
    return { id: task.id, ok: false, error: new ResourceLimitError(failure, { cause: crash }), durationMs: 0 };
  }
  const error = new WorkerCrashedError(
    { taskName: task.task.name, cid: task.cid, originalMessage: `its worker thread died: ${message}` },
    { cause: crash },
  );
  return { id: task.id, ok: false, error, durationMs: 0 };
}

function isProgress(message: unknown): message is ProgressMessage {
  return typeof message === 'object' && message !== null && (message as { memographProgress?: unknown }).memographProgress === true;
}

function isLateError(message: unknown): message is LateErrorMessage {
  return typeof message === 'object' && message !== null && (message as { memographLateError?: unknown }).memographLateError === true;
}
