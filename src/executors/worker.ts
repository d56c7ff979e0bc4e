/**
 * Worker-thread entry: runs batches of tasks sent by the pool executor.
 * It knows only the message types of protocol.ts.
 */
import { RAW, cidOf } from '../hash/cid.js';
import { packValue, unpackValue } from '../store/value-codec.js';
import { fillInputs } from './fill-inputs.js';
import type { BatchMessage, BatchReply, FunctionRef, TaskMessage, TaskOutcome } from './protocol.js';

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

const compiled = new Map<string, AnyFunction>();
const imported = new Map<string, Promise<AnyFunction>>();

export default async function runBatch(batch: BatchMessage): Promise<BatchReply> {
  const outcomes: TaskOutcome[] = [];
  const results: Uint8Array[] = [];
  let size = 0;
  for (const task of batch.tasks) {
    const outcome = await runTask(task, batch);
    if (outcome.ok) {
      const { id, resultCid, durationMs } = outcome;
      outcomes.push({ id, ok: true, offset: size, length: outcome.bytes.byteLength, resultCid, durationMs });
      results.push(outcome.bytes);
      size += outcome.bytes.byteLength;
    } else {
      outcomes.push(outcome);
    }
  }
  // A fresh buffer of exactly this size: Buffer.concat may hand out a slice of a
  // shared pool, and cloning a slice clones the whole pool.
  const joined = new Uint8Array(size);
  let at = 0;
  for (const bytes of results) {
    joined.set(bytes, at);
    at += bytes.byteLength;
  }
  return { outcomes, results: joined };
}

type Attempt = (TaskOutcome & { ok: false }) | { id: number; ok: true; bytes: Uint8Array; resultCid: string; durationMs: number };

async function runTask(task: TaskMessage, batch: BatchMessage): Promise<Attempt> {
  const started = performance.now();
  try {
    const fn = await resolveFunction(task.fn, batch.sources);
    const { inputs } = batch;
    const args = fillInputs(task.args, task.inputs, (slot) => unpackValue(inputs.subarray(slot.offset, slot.offset + slot.length)));
    let value = fn(...args);
    if (isThenable(value)) value = await value;
    const durationMs = performance.now() - started;
    const bytes = packValue(value);
    return { id: task.id, ok: true, bytes, resultCid: cidOf(RAW, bytes), durationMs };
  } catch (error) {
    const durationMs = performance.now() - started;
    if (error instanceof Error) {
      return { id: task.id, ok: false, name: error.name, message: error.message, stack: error.stack, durationMs };
    }
    return { id: task.id, ok: false, name: 'Error', message: `non-Error thrown: ${String(error)}`, durationMs };
  }
}

function resolveFunction(ref: FunctionRef, sources: BatchMessage['sources']): AnyFunction | Promise<AnyFunction> {
  if (ref.kind === 'source') {
    let fn = compiled.get(ref.key);
    if (!fn) {
      const source = sources[ref.key];
      if (source === undefined) throw new Error(`internal: no source sent for function ${ref.key}`);
      // The newline keeps a trailing line comment in the source from eating the paren.
      fn = new Function(`return (${source}\n);`)() as AnyFunction;
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
  return fn;
}

let typeScriptLoader: Promise<unknown> | undefined;

async function importExport(url: string, exportName: string): Promise<AnyFunction> {
  // Module functions written in TypeScript run without a build step. A loader
  // given to the main thread (node --import tsx) does not reach the ESM loader
  // of a worker thread on Node 20, so the worker registers tsx itself.
  if (/\.[cm]?tsx?$/.test(new URL(url).pathname)) {
    typeScriptLoader ??= import('tsx/esm/api').then(({ register }) => register());
    await typeScriptLoader;
  }
  const module = (await import(url)) as Record<string, unknown>;
  const fn = module[exportName];
  if (typeof fn !== 'function') {
    throw new Error(`Module ${url} has no exported function \`${exportName}\``);
  }
  return fn as AnyFunction;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}
