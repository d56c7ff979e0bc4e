/**
 * Worker-thread entry: runs batches of tasks sent by the pool executor.
 * It knows only the message types of protocol.ts.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import { threadId } from 'node:worker_threads';
import { describeGraph } from '../graph/graph-description.js';
import { isDelayed, returnedGraph } from '../graph/returned-graph.js';
import { RAW, cidOf } from '../hash/cid.js';
import { packValue, unpackValue } from '../store/value-codec.js';
import { describeThrown } from './describe-thrown.js';
import { shapeOf } from './error-shape.js';
import { setAtPath } from '../graph/fill-inputs.js';
import { joinBytes } from './join-bytes.js';
import { beginBatch, endBatch, type LateError } from './late-errors.js';
import { WorkerTaskContext, asTask } from './worker-task-context.js';
import type { BatchMessage, BatchOutcome, BatchPayload, BatchReply, FailureReport, FunctionRef } from './protocol.js';
import { withoutWorkerFrames } from './task-frames.js';
import { differingVariable } from '../identity/environment.js';
import { changedOnDisk } from '../files/file-value.js';

type AnyFunction = (...args: unknown[]) => unknown;

// esbuild (tsx, vite) compiles with keepNames, which wraps nested functions in
// __name(fn, "name"); the helper lives in the compiled module, not in the
// function's own source, so a worker must provide it.
(globalThis as { __name?: unknown }).__name ??= <F>(fn: F, name: string): F => {
  try {
    Object.defineProperty(fn, 'name', { value: name, configurable: true });
  } catch {
    // A frozen function keeps its own name; the call still works.
  }
  return fn;
};

/** performance.now() + this is ms since the epoch, comparable across threads. */
const TIME_ORIGIN = performance.timeOrigin;
const compiled = new Map<string, AnyFunction>();
const imported = new Map<string, Promise<AnyFunction>>();

export default async function runBatch(batch: BatchMessage): Promise<BatchReply> {
  beginBatch(batch.batchId);
  try {
    return await runTasks(batch);
  } finally {
    endBatch();
  }
}

async function runTasks(batch: BatchMessage): Promise<BatchReply> {
  let payload: BatchPayload;
  try {
    for (const url of batch.encoderModules) {
      if (!encodersImported.has(url)) await importEncoderModule(url);
    }
    payload = unpackValue(batch.payload) as BatchPayload;
  } catch (error) {
    return everyTaskFailed(batch.count, error);
  }
  const count = payload.functionOf.length;
  const lengths: number[] = [];
  const durationsMs: number[] = [];
  const startedAtMs: number[] = [];
  const resultCids: (string | null)[] | null = batch.hashResults ? [] : null;
  const failures: FailureReport[] = [];
  const environmentChecked = new Map<number, string | undefined>();
  const graphs: number[] = [];
  const streamed: number[] = [];
  // Encoded results of this batch's tasks, for fused tasks that take them. Each
  // consumer decodes its own copy, as it would have without fusion, so one task
  // mutating its input cannot change what another one sees.
  const encoded: Uint8Array[] = [];
  let input = 0;
  for (let index = 0; index < count; index++) {
    const started = performance.now();
    startedAtMs.push(TIME_ORIGIN + started);
    let durationMs: number | undefined;
    let context: WorkerTaskContext | undefined;
    const inputsEnd = input + payload.inputCounts[index]!;
    if (!inputsReady(payload, input, inputsEnd, lengths, graphs)) {
      input = inputsEnd;
      durationsMs.push(0);
      lengths.push(-2);
      resultCids?.push(null);
      continue;
    }
    try {
      const functionIndex = payload.functionOf[index]!;
      checkEnvironment(payload.functions[functionIndex]!, functionIndex, environmentChecked);
      let fn = resolveFunction(payload.functions[functionIndex]!, batch.sources);
      if (fn instanceof Promise) fn = await fn;
      const args = payload.args[index]!;
      for (; input < inputsEnd; input++) {
        const from = payload.inputFrom[input]!;
        let value: unknown;
        if (from >= 0) value = unpackValue(encoded[from]!);
        else {
          const offset = payload.inputSpans[2 * input]!;
          value = unpackValue(batch.inputs.subarray(offset, offset + payload.inputSpans[2 * input + 1]!));
        }
        setAtPath(args, payload.inputPaths[input]!, value);
      }
      if (batch.checkFiles) checkFileArguments(args);
      // `this` is undefined (a sloppy-mode function sees globalThis, by the language's rules).
      context = new WorkerTaskContext(batch.batchId, index, batch.streamGraphs === true);
      let value = asTask(context, fn, args);
      if (isThenable(value) && !isDelayed(value)) value = await value;
      durationMs = performance.now() - started;
      const bytes = encodeResult(value, index, graphs, context, streamed);
      encoded[index] = bytes;
      durationsMs.push(durationMs);
      lengths.push(bytes.byteLength);
      // The last chunk of a graph is not what the store keeps: the pool hashes the whole.
      resultCids?.push(streamed[streamed.length - 2] === index ? null : cidOf(RAW, bytes));
    } catch (error) {
      context?.sender?.stop();
      input = inputsEnd;
      durationsMs.push(durationMs ?? performance.now() - started);
      lengths.push(-1);
      resultCids?.push(null);
      failures.push(report(index, error));
    }
  }
  failLate(endBatch(), payload, lengths, resultCids, failures, graphs);
  const results: Uint8Array[] = [];
  let size = 0;
  for (let index = 0; index < count; index++) {
    if (!(lengths[index]! >= 0)) continue;
    results.push(encoded[index]!);
    size += lengths[index]!;
  }
  const outcome: BatchOutcome = { lengths, durationsMs, startedAtMs, resultCids, failures, graphs, ...(streamed.length > 0 ? { streamed } : {}) };
  return {
    outcome: packValue(outcome, 'outcome'),
    results: joinBytes(results, size),
    threadId,
    heapUsedBytes: getHeapStatistics().used_heap_size,
  };
}

/** The batch's arguments could not be decoded here (a class encoder missing or failing). */
function everyTaskFailed(count: number, error: unknown): BatchReply {
  const failures = Array.from({ length: count }, (_, index) => report(index, error));
  const outcome: BatchOutcome = {
    lengths: failures.map(() => -1),
    durationsMs: failures.map(() => 0),
    startedAtMs: failures.map(() => TIME_ORIGIN + performance.now()),
    resultCids: null,
    failures,
    graphs: [],
  };
  return { outcome: packValue(outcome, 'outcome'), results: new Uint8Array(0), threadId, heapUsedBytes: getHeapStatistics().used_heap_size };
}

/**
 * Tasks that left an error behind while their batch ran fail with it, even if
 * they returned a value (see late-errors.ts); a task of the batch that took such
 * a value comes back not run, as when its input fails, and is sent again.
 */
function failLate(
  late: ReadonlyMap<number, LateError>,
  payload: BatchPayload,
  lengths: number[],
  resultCids: (string | null)[] | null,
  failures: FailureReport[],
  graphs: readonly number[],
): void {
  if (late.size === 0) return;
  for (const [index, error] of late) {
    if (!(lengths[index]! >= 0)) continue;
    lengths[index] = -1;
    if (resultCids) resultCids[index] = null;
    failures.push({ index, name: error.name, message: error.message, stack: error.stack, code: 'MEMOGRAPH_LATE_ERROR', late: error.kind });
  }
  let input = 0;
  for (let index = 0; index < lengths.length; index++) {
    const end = input + payload.inputCounts[index]!;
    if (lengths[index]! >= 0 && !inputsReady(payload, input, end, lengths, graphs)) {
      lengths[index] = -2;
      if (resultCids) resultCids[index] = null;
    }
    input = end;
  }
}

/**
 * Whether every input taken from an earlier task of the batch is there: that task
 * succeeded, and with a value, not a graph (whose value the run has yet to compute).
 */
function inputsReady(payload: BatchPayload, start: number, end: number, lengths: readonly number[], graphs: readonly number[]): boolean {
  for (let input = start; input < end; input++) {
    const from = payload.inputFrom[input]!;
    if (from >= 0 && (!(lengths[from]! >= 0) || graphs.includes(from))) return false;
  }
  return true;
}

/**
 * A task's result as bytes: its value, or, when it returned graph nodes (which are not
 * values and do not encode), the description of that graph, its index noted in `graphs`.
 * A graph whose calls were sent while the task ran is described by its last chunk, and
 * noted in `streamed` with how many chunks came before.
 */
function encodeResult(value: unknown, index: number, graphs: number[], context: WorkerTaskContext, streamed: number[]): Uint8Array {
  try {
    const bytes = packValue(value);
    context.sender?.stop();
    return bytes;
  } catch (error) {
    const graph = returnedGraph(value);
    if (graph === undefined) {
      context.sender?.stop();
      throw error;
    }
    const sent = context.sender?.finish(graph);
    const bytes = packValue(sent ? sent.last : describeGraph(graph));
    graphs.push(index);
    if (sent) streamed.push(index, sent.chunks);
    return bytes;
  }
}

function report(index: number, error: unknown): FailureReport {
  if (error instanceof CodeChanged) {
    return { index, name: error.name, message: error.message, code: 'MEMOGRAPH_CODE_CHANGED', file: error.file, ...(error.detail !== undefined && { detail: error.detail }) };
  }
  if (error instanceof EnvironmentDiffers) return { index, name: error.name, message: error.message, code: 'MEMOGRAPH_CAPTURE_CHANGED', variable: error.variable };
  if (error instanceof Error) {
    const stack = withoutWorkerFrames(error.stack);
    const shape = shapeOf(error);
    return { index, name: error.name, message: error.message, stack, shape: stack === undefined ? shape : { ...shape, stack } };
  }
  return { index, name: 'Error', message: describeThrown(error) };
}

/**
 * A self-contained function from its source. Compiled as if it stood at the line of the
 * user's file where `delayed()` made it (`new Function` puts its body two lines down,
 * hence the padding), and given the name the function has on the main thread, so that it
 * reads the same `name` there and here, and a stack trace reads
 * `at simulate (file:///…/main.ts:31:9)`, not `at simulate2 (eval at resolveFunction …)`.
 * The lines inside are those of the code the user's loader compiled.
 */
function compileSource(source: string, name: string, origin: { url: string; line: number } | undefined): AnyFunction {
  const padding = origin && origin.line > 3 ? '\n'.repeat(origin.line - 3) : '';
  // The newline keeps a trailing line comment in the source from eating the paren.
  const where = origin ? `\n//# sourceURL=${origin.url}` : '';
  const fn = new Function(`${padding}return (${source}\n);${where}`)() as AnyFunction;
  if (fn.name !== name) {
    try {
      Object.defineProperty(fn, 'name', { value: name, configurable: true });
    } catch {
      // A function that made its own name unchangeable keeps it.
    }
  }
  return fn;
}

function resolveFunction(ref: FunctionRef, sources: BatchMessage['sources']): AnyFunction | Promise<AnyFunction> {
  if (ref.kind === 'source') {
    let fn = compiled.get(ref.key);
    if (!fn) {
      const source = sources[ref.key];
      if (source === undefined) throw new Error(`internal: no source sent for function ${ref.key}`);
      fn = compileSource(source, ref.name, ref.origin);
      compiled.set(ref.key, fn);
    }
    return fn;
  }
  const id = `${ref.url}#${ref.exportName}`;
  let fn = imported.get(id);
  if (!fn) {
    fn = importExport(ref.url, ref.exportName);
    imported.set(id, fn);
    fn.catch(() => imported.delete(id));
  }
  const closure = ref.closure;
  const packages = ref.packages;
  const key = `${closure?.digest ?? ''}\u0000${packages?.map(([name, version]) => `${name}@${version}`).join(',') ?? ''}`;
  if ((closure === undefined && packages === undefined) || verified.get(ref.url) === key) return fn;
  return fn.then((loaded) => {
    if (closure) verifyClosure(closure.files);
    if (packages && ref.url.startsWith('file:')) verifyPackages(ref.url, packages);
    verified.set(ref.url, key);
    return loaded;
  });
}

/**
 * Each package against the version the function's identity names, as Node would find it
 * from the module's directory: an install changed under this thread, or another machine's
 * node_modules, would otherwise run other package code under the same address. A package
 * not found from there (imported only from elsewhere in the closure) is left to the
 * lockfile the identity read.
 */
function verifyPackages(url: string, packages: readonly (readonly [string, string])[]): void {
  const from = dirname(fileURLToPath(url));
  for (const [name, version] of packages) {
    const manifest = findPackageJson(name, from);
    if (manifest === undefined) continue;
    let found: unknown;
    try {
      found = (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: unknown }).version;
    } catch {
      found = undefined;
    }
    if (found !== version) throw new CodeChanged(name, `is ${typeof found === 'string' ? `version ${found}` : 'unreadable'} in this worker (${manifest}), where the function's identity names version ${version}`);
  }
}

function findPackageJson(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * A task's file and directory arguments against this machine's disk: a relative path is
 * this worker's, and its bytes may not be the coordinator's, which the call's address
 * describes. Refused rather than run.
 */
function checkFileArguments(args: unknown[]): void {
  const stack: unknown[] = [args];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value !== 'object' || value === null) continue;
    const why = changedOnDisk(value);
    if (why !== undefined) throw new Error(`${why}, on this worker's machine: a cluster's workers need the same files at the same paths (relative to the directory each worker runs in)`);
    // One at a time: spreading a long array into push would overflow the call stack.
    if (Array.isArray(value)) for (const item of value) stack.push(item);
    else if (Object.getPrototypeOf(value) === Object.prototype) for (const item of Object.values(value)) stack.push(item);
  }
}

class EnvironmentDiffers extends Error {
  constructor(readonly variable: string) {
    super(`environment variable ${variable} has another value in this worker than the one the function's identity was built with`);
    this.name = 'CaptureChangedError';
  }
}

/**
 * A function's environment variables against the values its identity was built with:
 * checked once per function per batch (`checked`: function index → the differing
 * variable, or undefined), since a worker on another machine has an environment of its own.
 */
function checkEnvironment(ref: FunctionRef, functionIndex: number, checked: Map<number, string | undefined>): void {
  if (ref.env === undefined) return;
  let differs = checked.get(functionIndex);
  if (!checked.has(functionIndex)) checked.set(functionIndex, (differs = differingVariable(ref.env)));
  if (differs !== undefined) throw new EnvironmentDiffers(differs);
}

/** Module URL → digest of the closure last found as the main thread saw it. */
const verified = new Map<string, string>();

class CodeChanged extends Error {
  constructor(
    readonly file: string,
    readonly detail?: string,
  ) {
    super(`${file} ${detail ?? 'changed on disk: this worker thread imported other code than the one the main thread identified'}`);
    this.name = 'CodeChangedError';
  }
}

/** Each file's bytes now against the main thread's hash (read once per module and closure per worker). */
function verifyClosure(files: readonly (readonly [string, string])[]): void {
  for (const [path, hash] of files) {
    let now: string;
    try {
      now = createHash('sha256').update(readFileSync(path)).digest('hex');
    } catch {
      throw new CodeChanged(path);
    }
    if (now !== hash) throw new CodeChanged(path);
  }
}

let typeScriptLoader: Promise<unknown> | undefined;
const encodersImported = new Set<string>();

/** Import a module whose top level registers class encoders, so its classes decode here. */
async function importEncoderModule(url: string): Promise<void> {
  try {
    await importModule(url);
  } catch (error) {
    throw new Error(`Cannot import ${url}, which registers a class encoder: ${(error as Error).message}`, { cause: error });
  }
  encodersImported.add(url);
}

async function importModule(url: string): Promise<Record<string, unknown>> {
  // Module functions written in TypeScript run without a build step. A loader
  // given to the main thread (node --import tsx) does not reach the ESM loader
  // of a worker thread on Node 20, so the worker registers tsx itself.
  if (/\.[cm]?tsx?$/.test(new URL(url).pathname)) {
    typeScriptLoader ??= import('tsx/esm/api').then(({ register }) => register());
    await typeScriptLoader;
  }
  return (await import(url)) as Record<string, unknown>;
}

async function importExport(url: string, exportName: string): Promise<AnyFunction> {
  const module = await importModule(url);
  const fn = module[exportName];
  if (typeof fn !== 'function') {
    throw new Error(`Module ${url} has no exported function \`${exportName}\``);
  }
  return fn as AnyFunction;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}
