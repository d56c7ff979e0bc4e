/**
 * Every error memograph raises carries a stable `code`. Codes are part of the
 * public API and never change meaning; messages may be reworded.
 *
 * Most errors extend {@link MemographError}. Argument errors extend the
 * built-in TypeError (so `instanceof TypeError` holds, as users expect of bad
 * arguments) and carry the same `code` field.
 */

export type ErrorCode =
  | 'MEMOGRAPH_TASK_FAILED'
  | 'MEMOGRAPH_WORKER_CRASHED'
  | 'MEMOGRAPH_TIMEOUT'
  | 'MEMOGRAPH_RESOURCE_LIMIT'
  | 'MEMOGRAPH_CAPTURE_CHANGED'
  | 'MEMOGRAPH_ABORTED'
  | 'MEMOGRAPH_COMMAND_FAILED'
  | 'MEMOGRAPH_UNHASHABLE'
  | 'MEMOGRAPH_NOT_SELF_CONTAINED'
  | 'MEMOGRAPH_INVALID_ARGUMENT'
  | 'MEMOGRAPH_STORE_LOCKED'
  | 'MEMOGRAPH_STORE_CORRUPT'
  | 'MEMOGRAPH_STORE_FAILED'
  | 'MEMOGRAPH_CODE_CHANGED'
  | 'MEMOGRAPH_SCRIPT_INVALID'
  | 'MEMOGRAPH_LATE_ERROR';

export class MemographError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** What a failed task tells about itself. */
export interface TaskFailure {
  /** The task's display name (its function's name unless overridden). */
  readonly taskName: string;
  /** The content address of the failed call. */
  readonly cid: string;
  /** The message of the error thrown by the task, unchanged. */
  readonly originalMessage: string;
  /** The stack of the error as it was inside the worker (or main thread). */
  readonly originalStack?: string;
}

/** A task threw, rejected, or its result could not be stored. */
export class TaskError extends MemographError implements TaskFailure {
  readonly taskName: string;
  readonly cid: string;
  readonly originalMessage: string;
  readonly originalStack?: string;

  constructor(failure: TaskFailure, options?: { cause?: unknown; code?: ErrorCode }) {
    super(
      options?.code ?? 'MEMOGRAPH_TASK_FAILED',
      `Task "${failure.taskName}" (${failure.cid}) failed: ${failure.originalMessage}`,
      options,
    );
    this.taskName = failure.taskName;
    this.cid = failure.cid;
    this.originalMessage = failure.originalMessage;
    this.originalStack = failure.originalStack;
    if (failure.originalStack) {
      this.stack = `${this.name}: ${this.message}\n  inside the task:\n${indent(failure.originalStack)}`;
    }
  }
}

/** The worker thread running a task died (process.exit, out of memory, a native crash). */
export class WorkerCrashedError extends TaskError {
  constructor(failure: TaskFailure, options?: { cause?: unknown }) {
    super(failure, { ...options, code: 'MEMOGRAPH_WORKER_CRASHED' });
  }
}

/** A task ran past its `timeoutMs` and was stopped (its worker thread terminated). */
export class TimeoutError extends TaskError {
  readonly timeoutMs: number;

  constructor(failure: TaskFailure, timeoutMs: number, options?: { cause?: unknown }) {
    super(failure, { ...options, code: 'MEMOGRAPH_TIMEOUT' });
    this.timeoutMs = timeoutMs;
  }
}

/** A task's worker thread went over its resource limits (`workerResourceLimits`) and was terminated. */
export class ResourceLimitError extends WorkerCrashedError {
  constructor(failure: TaskFailure, options?: { cause?: unknown }) {
    super(failure, options);
    (this as { code: ErrorCode }).code = 'MEMOGRAPH_RESOURCE_LIMIT';
  }
}

/**
 * A worker task left an error behind that surfaced outside its call: an
 * exception thrown from a timer or callback it started, or a promise rejection
 * nobody handled. Caught before the task's batch was reported, it fails the
 * task (its result is not cached): the result came from code that was still
 * going wrong. Caught later, it is a {@link LateErrorWarning} instead.
 */
export class LateTaskError extends TaskError {
  readonly threadId: number;

  constructor(failure: TaskFailure, threadId: number, options?: { cause?: unknown }) {
    super(failure, { ...options, code: 'MEMOGRAPH_LATE_ERROR' });
    this.threadId = threadId;
  }
}

/**
 * An uncaught exception or unhandled rejection on a worker thread after the task
 * that left it had been reported: emitted as a process warning (`process.on('warning')`),
 * never as another task's failure. The task's result stays as reported (it
 * returned a value). `taskName` and `cid` are missing when the error carried no
 * trace of a task (it came from code that no task call started).
 */
export class LateErrorWarning extends MemographError {
  readonly threadId: number;
  readonly taskName?: string;
  readonly cid?: string;
  readonly originalMessage: string;
  readonly originalStack?: string;

  constructor(late: { threadId: number; kind: string; taskName?: string; cid?: string; originalMessage: string; originalStack?: string }) {
    const task = late.taskName === undefined ? 'a task (which one is not known)' : `task "${late.taskName}" (${late.cid})`;
    super('MEMOGRAPH_LATE_ERROR', `An ${late.kind} on worker thread ${late.threadId} after ${task} returned: ${late.originalMessage}`);
    this.threadId = late.threadId;
    this.taskName = late.taskName;
    this.cid = late.cid;
    this.originalMessage = late.originalMessage;
    this.originalStack = late.originalStack;
    if (late.originalStack) this.stack = `${this.name}: ${this.message}\n  where it was thrown:\n${indent(late.originalStack)}`;
  }
}

/**
 * A main-thread task did not run because a value its function captures (a
 * closure variable, a global, an environment variable) changed after
 * `delayed()` built the function's identity: the call's address describes the
 * old value, so running the function now would store a result under the wrong
 * address. Call `delayed()` again after the change.
 */
export class CaptureChangedError extends TaskError {
  constructor(failure: TaskFailure, options?: { cause?: unknown }) {
    super(failure, { ...options, code: 'MEMOGRAPH_CAPTURE_CHANGED' });
  }
}

/**
 * A file of a module function's code changed on disk after this process loaded
 * it. An ES module cannot be loaded again, so the process (or a worker thread)
 * would run the old code under the new code's identity: nothing runs and
 * nothing is cached. `cid` is empty when `delayed()` found it, before any call.
 */
export class CodeChangedError extends TaskError {
  /** The changed file, as given to the analysis (project-relative or absolute). */
  readonly file: string;

  constructor(failure: { taskName: string; cid?: string; file: string; detail?: string; advice?: string }, options?: { cause?: unknown }) {
    const what = failure.detail ?? 'changed after this process loaded it, and the process still runs the old code';
    const originalMessage = `${failure.file} ${what}. ${failure.advice ?? 'Restart the process to run the new code'}`;
    super({ taskName: failure.taskName, cid: failure.cid ?? '', originalMessage }, { ...options, code: 'MEMOGRAPH_CODE_CHANGED' });
    this.file = failure.file;
    if (!failure.cid) this.message = `Function "${failure.taskName}" cannot be identified: ${originalMessage}`;
  }
}

/** The run was aborted through its AbortSignal. What had finished stays cached. */
export class AbortError extends MemographError {
  constructor(reason?: unknown) {
    super('MEMOGRAPH_ABORTED', `The run was aborted${reason instanceof Error ? `: ${reason.message}` : reason !== undefined ? `: ${String(reason)}` : ''}`, {
      cause: reason,
    });
  }
}

/** An argument cannot be content-addressed. `path` says where it is, e.g. `args[1].config.cb`. */
export class UnhashableError extends TypeError {
  readonly code = 'MEMOGRAPH_UNHASHABLE' as const;
  readonly path: string;

  constructor(path: string, what: string, hint?: string) {
    super(`Cannot content-address ${path}: ${what}${hint ? `. ${hint}` : ''}`);
    this.name = 'UnhashableError';
    this.path = path;
  }
}

/** An option or argument of the public API has the wrong type or range. */
export class InvalidArgumentError extends TypeError {
  readonly code = 'MEMOGRAPH_INVALID_ARGUMENT' as const;

  constructor(message: string) {
    super(message);
    this.name = 'InvalidArgumentError';
  }
}

/** A function meant for a worker thread uses a name that a worker does not have. */
export class NotSelfContainedError extends MemographError {
  readonly functionName: string;
  readonly identifiers: readonly string[];

  constructor(functionName: string, identifiers: readonly string[]) {
    const list = identifiers.map((id) => `\`${id}\``).join(', ');
    super(
      'MEMOGRAPH_NOT_SELF_CONTAINED',
      `Function "${functionName}" cannot run on a worker thread: it uses ${list}, ` +
        `which ${identifiers.length === 1 ? 'is' : 'are'} not defined there. ` +
        `Pass { mainThread: true } to run it on the main thread, or export it from a module ` +
        `and pass { module: import.meta.url } so the worker imports it.`,
    );
    this.functionName = functionName;
    this.identifiers = identifiers;
  }
}

/**
 * Another process holds the cache directory's lock and does not serve it to others (a
 * `cache repair`, or a process that is not memograph's), past the time allowed to wait.
 */
export class StoreLockedError extends MemographError {
  readonly directory: string;

  /** `holder`: who holds it, in words (`pid 123 (node fit.ts)`), when known. */
  constructor(directory: string, options?: { cause?: unknown; holder?: string }) {
    super(
      'MEMOGRAPH_STORE_LOCKED',
      `Cache directory ${directory} is locked by ${options?.holder ?? 'another process'}, which does not share it. ` +
        `Wait for it to finish, or use another directory (option cacheDir or MEMOGRAPH_CACHE_DIR).`,
      options,
    );
    this.directory = directory;
  }
}

/**
 * The cache directory is not a readable store, or LevelDB found damage in it while a run
 * used it. A run that meets it continues without the cache (it is a warning there);
 * `memograph cache repair` rebuilds the store from what can still be read.
 */
export class StoreCorruptError extends MemographError {
  readonly directory: string;
  /** The damaged files, by name in the directory, when they are known. */
  readonly files: readonly string[];

  constructor(directory: string, detail: string, options?: { cause?: unknown; files?: readonly string[] }) {
    super('MEMOGRAPH_STORE_CORRUPT', `Cache directory ${directory} is corrupt: ${detail}`, options);
    this.directory = directory;
    this.files = options?.files ?? [];
  }
}

/**
 * A script given to the `memograph` command cannot be run: there is no file at
 * its path, or the file does not parse. `file` is the absolute path.
 */
export class ScriptError extends MemographError {
  readonly file: string;

  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super('MEMOGRAPH_SCRIPT_INVALID', message, options);
    this.file = file;
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}
