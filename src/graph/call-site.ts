/**
 * Where user code called memograph: the file and line of the caller of `below`, as the
 * stack says (through source maps when the loader gives them, as tsx does). A worker runs a
 * self-contained function from its source alone; compiled as if it stood at that line of
 * that file, its stack frames name the user's file instead of a worker's `eval`.
 */
import { pathToFileURL } from 'node:url';

export interface CallSite {
  readonly url: string;
  readonly line: number;
}

const FRAME = /\(?((?:file:\/\/|\/)[^()\s]+?):(\d+):\d+\)?$/;

export function callSite(below: Function): CallSite | undefined {
  const holder: { stack?: string } = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 1;
  try {
    Error.captureStackTrace(holder, below);
  } finally {
    Error.stackTraceLimit = limit;
  }
  const frame = holder.stack?.split('\n')[1]?.trim();
  const found = frame === undefined ? null : FRAME.exec(frame);
  if (!found) return undefined;
  const [, where, line] = found;
  return { url: where!.startsWith('file://') ? where! : pathToFileURL(where!).href, line: Number(line) };
}
