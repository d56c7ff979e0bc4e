/**
 * What the dashboard shows of one task when its bar is clicked: its CID, function and
 * sweep point, each attempt (worker, start, duration), its arguments in brief, and for a
 * failure the error with its stack. Arguments are read from the run's graph while the
 * run is known; a literal is shown as `util.inspect` shows it, shortened, and an input
 * by its function and short CID.
 */
import { inspect } from 'node:util';
import { Delayed } from '../graph/delayed.js';
import { functionNameOf } from '../graph/task-function.js';

export interface TaskAttempt {
  readonly worker: number;
  readonly start: number;
  readonly durationMs: number;
  readonly failed: boolean;
}

export interface TaskDetail {
  readonly cid: string;
  readonly name: string;
  readonly function: string;
  /** The sweep point, for a point's task. */
  readonly point?: string;
  readonly attempts: readonly TaskAttempt[];
  readonly args?: readonly string[];
  readonly failure?: { readonly code: string; readonly message: string; readonly stack?: string };
}

/** Shown arguments are cut to this many characters each. */
const ARGUMENT_PREVIEW = 160;

/** What a detail tells of the call itself, kept when its run has ended. */
export interface CallDetail {
  readonly function: string;
  readonly point?: string;
  readonly args: readonly string[];
}

export function callDetail(call: Delayed<unknown>): CallDetail {
  return { ...functionAndPoint(call), args: argumentsOf(call) };
}

function argumentsOf(call: Delayed<unknown>): string[] {
  return call.args.map((arg) => {
    const text =
      arg instanceof Delayed
        ? `<${arg.name} ${arg.cid.slice(-8)}>`
        : inspect(arg, { depth: 2, maxArrayLength: 8, maxStringLength: ARGUMENT_PREVIEW, breakLength: Infinity, compact: true });
    return text.length > ARGUMENT_PREVIEW ? `${text.slice(0, ARGUMENT_PREVIEW - 1)}…` : text;
  });
}

/** A call's function and, when its display name carries a sweep point, that point. */
function functionAndPoint(call: Delayed<unknown>): { function: string; point?: string } {
  const fn = functionNameOf(call.task);
  const name = call.task.name;
  return name !== fn && name.startsWith(`${fn}[`) && name.endsWith(']') ? { function: fn, point: name.slice(fn.length + 1, -1) } : { function: fn };
}
