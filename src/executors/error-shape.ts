/**
 * A task's error as it crosses from a worker thread to the main thread, so that the
 * caller sees what the task threw as it would on the main thread: its class name (built-in
 * error types as their own classes), message, stack, its own fields (`code`, `status`) and
 * its `cause` chain. Structured cloning alone keeps only name, message and stack.
 *
 * A user's own error class cannot be rebuilt on the other side: it arrives as an Error
 * whose `name` is the class's name.
 */
import { describeThrown } from './describe-thrown.js';

export interface ErrorShape {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  /** Own fields that can be cloned across threads. */
  readonly fields?: Record<string, unknown>;
  readonly cause?: ErrorShape | { readonly value: unknown };
}

/** Causes deeper than this are cut: a cycle or a runaway chain must not hang a report. */
const MAX_CAUSES = 8;

const BUILT_IN: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

export function shapeOf(error: Error, depth = 0): ErrorShape {
  const fields: Record<string, unknown> = {};
  let any = false;
  for (const key of Object.keys(error)) {
    if (key === 'name' || key === 'message' || key === 'stack' || key === 'cause') continue;
    const value = (error as unknown as Record<string, unknown>)[key];
    if (!clonable(value)) continue;
    fields[key] = value;
    any = true;
  }
  const cause = 'cause' in error && depth < MAX_CAUSES ? causeShape(error.cause, depth + 1) : undefined;
  return {
    name: error.name,
    message: error.message,
    ...(error.stack === undefined ? {} : { stack: error.stack }),
    ...(any ? { fields } : {}),
    ...(cause === undefined ? {} : { cause }),
  };
}

function causeShape(cause: unknown, depth: number): ErrorShape | { value: unknown } {
  if (cause instanceof Error) return shapeOf(cause, depth);
  return { value: clonable(cause) ? cause : describeThrown(cause) };
}

/** Rebuild the error a shape describes. */
export function errorFrom(shape: ErrorShape): Error {
  const Built = Object.hasOwn(BUILT_IN, shape.name) ? BUILT_IN[shape.name]! : Error;
  const error = new Built(shape.message);
  if (Built === Error && shape.name !== 'Error') {
    Object.defineProperty(error, 'name', { value: shape.name, writable: true, configurable: true, enumerable: false });
  }
  if (shape.stack !== undefined) Object.defineProperty(error, 'stack', { value: shape.stack, writable: true, configurable: true, enumerable: false });
  if (shape.fields) Object.assign(error, shape.fields);
  if (shape.cause !== undefined) {
    const cause = 'value' in shape.cause ? shape.cause.value : errorFrom(shape.cause);
    Object.defineProperty(error, 'cause', { value: cause, writable: true, configurable: true, enumerable: false });
  }
  return error;
}

function clonable(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return typeof value !== 'function' && typeof value !== 'symbol';
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}
