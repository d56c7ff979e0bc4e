/**
 * Between the scheduler's tasks and the worker protocol (protocol.ts): a batch of tasks
 * as the message a worker thread runs, and what comes back as the tasks' outcomes. The
 * pool of this process's threads uses it, and so does the cluster, whose messages run on
 * another machine's threads.
 */
import { errorFrom } from './error-shape.js';
import { CaptureChangedError, CodeChangedError, LateTaskError, ResourceLimitError, TaskError, TimeoutError, WorkerCrashedError } from '../errors.js';
import { closureOf } from '../identity/stale-code.js';
import { environmentEntries } from '../identity/environment.js';
import { packageEntries } from '../identity/packages.js';
import { TaskResult } from '../scheduler/task-result.js';
import { encoderModules } from '../hash/type-registry.js';
import { packValue, unpackValue } from '../store/value-codec.js';
import type { ExecutableTask, Outcome } from './executor.js';
import { joinBytes } from './join-bytes.js';
import { functionNameOf, type TaskFunction } from '../graph/task-function.js';
import type { BatchMessage, BatchOutcome, BatchPayload, BatchReply, FunctionRef, Path } from './protocol.js';

export function toMessage(tasks: readonly ExecutableTask[], batchId: number): BatchMessage {
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
export async function refuseUnsendable(
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
  const seen = environmentEntries(task.identity.code);
  const env = seen.length > 0 ? { env: seen } : {};
  if (placement.kind === 'module') {
    const closure = closureOf(task.identity.code);
    const packages = packageEntries(task.identity.code);
    return {
      kind: 'module',
      url: placement.url,
      exportName: placement.exportName,
      ...(closure ? { closure } : {}),
      ...(packages.length > 0 ? { packages } : {}),
      ...env,
    };
  }
  sources[task.key] = placement.expression;
  // The name the function has here, so that one that reads its own name sees the same on a worker; an
  // anonymous one (which cannot name itself) is shown in stack frames by its function's name.
  return { kind: 'source', key: task.key, name: task.fn.name || functionNameOf(task), ...(placement.origin ? { origin: placement.origin } : {}), ...env };
}

/** What a CodeChangedError from a thread says happened to the file, and what to do. */
export interface CodeChangeWords {
  readonly detail: string;
  readonly advice?: string;
}
const CHANGED_HERE: CodeChangeWords = { detail: 'changed on disk: the worker thread imported other code than the one this process identified' };

export function toOutcomes(tasks: readonly ExecutableTask[], reply: BatchReply, outcome: BatchOutcome, changed = CHANGED_HERE): Outcome[] {
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
      if (outcome.graphs.includes(i)) {
        const chunksBefore = chunksBeforeOf(outcome, i);
        const returned = chunksBefore === undefined ? { description: result } : { description: result, chunksBefore };
        return { id: task.id, ok: true, returned, durationMs, startedAt, workerId, heapUsedBytes };
      }
      return { id: task.id, ok: true, result, durationMs, startedAt, workerId, heapUsedBytes };
    }
    const failure = failures.get(i)!;
    if (failure.code === 'MEMOGRAPH_CODE_CHANGED' && failure.file !== undefined) {
      const error = new CodeChangedError({
        taskName: task.task.name,
        cid: task.cid,
        file: failure.file,
        ...changed,
        ...(failure.detail !== undefined && { detail: failure.detail }),
      });
      return { id: task.id, ok: false, error, durationMs, startedAt, workerId };
    }
    if (failure.code === 'MEMOGRAPH_CAPTURE_CHANGED' && failure.variable !== undefined) {
      const originalMessage = `${failure.message}; it did not run, since its address describes the value its identity was built with`;
      return { id: task.id, ok: false, error: new CaptureChangedError({ taskName: task.task.name, cid: task.cid, originalMessage }), durationMs, startedAt, workerId };
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

/** How many chunks of task `index`'s graph came before its reply (BatchOutcome.streamed), if any did. */
function chunksBeforeOf(outcome: BatchOutcome, index: number): number | undefined {
  const streamed = outcome.streamed;
  if (streamed === undefined) return undefined;
  for (let k = 0; k + 1 < streamed.length; k += 2) if (streamed[k] === index) return streamed[k + 1];
  return undefined;
}

export function notRun(task: ExecutableTask): Outcome {
  return { id: task.id, ok: false, skipped: true, durationMs: 0 };
}

export function timeoutOutcome(task: ExecutableTask, timeoutMs: number): Outcome {
  const failure = {
    taskName: task.task.name,
    cid: task.cid,
    originalMessage: `it ran longer than its limit of ${timeoutMs} ms and its worker thread was stopped`,
  };
  return { id: task.id, ok: false, error: new TimeoutError(failure, timeoutMs), durationMs: timeoutMs };
}

export function crashOutcome(task: ExecutableTask, crash: unknown): Outcome {
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

/** How a batch's message fared on a thread. */
export type Delivery =
  | { readonly kind: 'reply'; readonly reply: BatchReply }
  /** The thread died (or the message could not reach it): `crash` says how. */
  | { readonly kind: 'crashed'; readonly crash: unknown }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'aborted' };

/**
 * The tasks' outcomes, from how their message fared. When a thread dies under several
 * tasks, each runs again alone (`alone`), so only the task that kills its thread fails;
 * fused tasks cannot run without their batch: they come back not run, and the scheduler
 * sends them again.
 */
export function outcomesOf(
  tasks: readonly ExecutableTask[],
  delivery: Delivery,
  timeoutMs: number | undefined,
  alone: (task: ExecutableTask) => Promise<Outcome[]>,
  changed?: CodeChangeWords,
): Outcome[] | Promise<Outcome[]> {
  switch (delivery.kind) {
    case 'reply':
      return toOutcomes(tasks, delivery.reply, unpackValue(delivery.reply.outcome) as BatchOutcome, changed);
    case 'aborted':
      return tasks.map(notRun);
    case 'timeout':
      return [timeoutOutcome(tasks[0]!, timeoutMs!)];
    case 'crashed':
      if (tasks.length === 1) return [crashOutcome(tasks[0]!, delivery.crash)];
      return Promise.all(
        tasks.map((task) =>
          task.inputs.some((input) => input.fromTask !== undefined)
            ? { id: task.id, ok: false as const, skipped: true as const, durationMs: 0 as const }
            : alone(task).then(([outcome]) => outcome!),
        ),
      );
  }
}
