/**
 * The Node options worker threads start with.
 *
 * By default a worker inherits the main thread's execArgv, and with it a
 * TypeScript loader preloaded there (`node --import tsx`, the tsx CLI,
 * `memograph run`). Each worker would load tsx again, with a loader thread of
 * its own: about 0.4 s before its first task, on every run. Workers need none of
 * it: a task's function arrives as source text, and a worker registers tsx
 * itself the first time it imports a module written in TypeScript (worker.ts).
 * So the loader's flags are left out and every other flag is kept.
 *
 * Node refuses V8 flags (--expose-gc, --max-old-space-size) in an explicit
 * execArgv, though a worker inherits them. With such a flag among the rest,
 * workers inherit everything, as before.
 */
import { Worker } from 'node:worker_threads';

/** Options that take the module to preload as their value. */
const PRELOADS = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader']);

/** tsx by name (`tsx`, `tsx/esm`) or by path (…/node_modules/tsx/dist/loader.mjs). */
function isTsx(specifier: string): boolean {
  return specifier === 'tsx' || specifier.startsWith('tsx/') || /[\\/]tsx[\\/]dist[\\/]/.test(specifier);
}

/** execArgv without tsx's preloads, or undefined when it has none (inherit as is). */
export function withoutTypeScriptLoader(execArgv: readonly string[]): string[] | undefined {
  const kept: string[] = [];
  let dropped = false;
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    const value = PRELOADS.has(arg) ? execArgv[i + 1] : undefined;
    if (value !== undefined && isTsx(value)) {
      i++;
      dropped = true;
      continue;
    }
    const joined = /^(--[a-z-]+)=(.*)$/.exec(arg);
    if (joined && PRELOADS.has(joined[1]!) && isTsx(joined[2]!)) {
      dropped = true;
      continue;
    }
    kept.push(arg);
  }
  return dropped ? kept : undefined;
}

let decided: { execArgv: string[] | undefined } | undefined;

/** The execArgv to give worker threads: undefined means inherit the main thread's. */
export function workerExecArgv(): string[] | undefined {
  decided ??= { execArgv: accepted(withoutTypeScriptLoader(process.execArgv)) };
  return decided.execArgv;
}

/**
 * `execArgv` if a worker accepts it, else undefined. Node checks it in the Worker
 * constructor: a refused list throws before any thread starts; an accepted one starts
 * a thread, stopped at once. Only a list with flags besides tsx's is tried, once.
 */
function accepted(execArgv: string[] | undefined): string[] | undefined {
  if (execArgv === undefined || execArgv.length === 0) return execArgv;
  try {
    void new Worker('', { eval: true, execArgv }).terminate();
    return execArgv;
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_WORKER_INVALID_EXEC_ARGV') return undefined;
    throw error;
  }
}
