/**
 * Messages between the scheduler and a worker thread. The worker knows only
 * these types, never the scheduler or the store.
 *
 * A batch travels column by column (one array per field, not one object per
 * task) and msgpackr-encoded: that costs about a tenth of cloning an object per
 * task, and tiny tasks travel hundreds at a time.
 *
 * Values travel as msgpackr bytes (see store/value-codec.ts): the worker that
 * produced a result encodes (and, when the store wants it, hashes) it, so the
 * main thread neither serialises nor hashes results, and hands the same bytes
 * to the store and to the next worker unchanged.
 */
import type { ErrorShape } from './error-shape.js';
import type { Path } from '../graph/fill-inputs.js';

export type { Path };

/**
 * The environment variables a function's identity names, each with the hash of its value
 * (identity/environment.ts) as the main thread saw it. A thread of this process shares
 * its environment; a worker on another machine has its own, which must say the same, or
 * the task would compute with values its address does not describe.
 */
export type EnvironmentSeen = readonly (readonly [name: string, hash: string])[];

/**
 * The packages a module function's identity names, each with the version it was identified
 * with: the worker checks the version it finds from the module's directory, since a
 * thread (or another machine) may import another install than the one identified.
 */
export type PackagesSeen = readonly (readonly [name: string, version: string])[];

/** How a worker finds a task's function (`env`: see EnvironmentSeen, absent when it names none). */
export type FunctionRef = (
  /** Self-contained source, compiled once per worker and cached by `key`. */
  | {
      readonly kind: 'source';
      readonly key: string;
      /**
       * The function's `name` on the main thread. Its source may say another: esbuild renames
       * `step` to `step2` and keeps the name with a helper outside the function's source.
       */
      readonly name: string;
      /** Where the user's code made it: the worker compiles it as if it stood there. */
      readonly origin?: { readonly url: string; readonly line: number };
    }
  /** An export of a module the worker imports. */
  | {
      readonly kind: 'module';
      readonly url: string;
      readonly exportName: string;
      /**
       * The files of the function's code as the main thread loaded them. After
       * importing the module the worker hashes them: a file that differs means it
       * imported other code than the function's identity names.
       */
      readonly closure?: { readonly digest: string; readonly files: readonly (readonly [string, string])[] };
      readonly packages?: PackagesSeen;
    }
) & { readonly env?: EnvironmentSeen };

/** The tasks of a batch, column by column; task `i` is the i-th entry of each per-task column. */
export interface BatchPayload {
  /** The distinct functions of the batch. */
  readonly functions: readonly FunctionRef[];
  /** Per task: its function's index in `functions`. */
  readonly functionOf: readonly number[];
  /** Per task: the literal arguments, with `null` where an input goes. */
  readonly args: readonly unknown[][];
  /** Per task: how many inputs it has. Inputs are listed task after task. */
  readonly inputCounts: readonly number[];
  /** Per input: where in the arguments its value goes. */
  readonly inputPaths: readonly Path[];
  /** Per input: offset and length of its bytes in `BatchMessage.inputs`, as consecutive pairs. */
  readonly inputSpans: readonly number[];
  /**
   * Per input: -1 when its bytes are in `BatchMessage.inputs`, otherwise the index
   * of the earlier task of this batch whose result it is (a fused batch: the value
   * is handed over in the worker, never encoded in between).
   */
  readonly inputFrom: readonly number[];
}

export interface BatchMessage {
  /** Unique per pool: an error the batch's tasks leave behind names it (see late-errors.ts). */
  readonly batchId: number;
  /**
   * The payload, msgpackr-encoded like every value (never structured-cloned: a
   * clone would turn a Buffer into a Uint8Array and a class instance into a plain
   * object).
   */
  readonly payload: Uint8Array;
  /**
   * Modules that register class encoders with a `decode` (registerEncoder's
   * `module`): the worker imports each once, before it decodes anything, so
   * instances of those classes arrive as instances.
   */
  readonly encoderModules: readonly string[];
  /** How many tasks the payload holds, so that all can fail if it cannot be decoded. */
  readonly count: number;
  /** Source of each self-contained function the batch uses, by key. */
  readonly sources: Readonly<Record<string, string>>;
  /**
   * The encoded input values, back to back (transferred, not copied). Each
   * distinct input is written once, however many tasks take it.
   */
  readonly inputs: Uint8Array;
  /** Whether the store will want each result's CID (hashing is skipped otherwise). */
  readonly hashResults: boolean;
  /**
   * Check each file and directory value among a task's arguments against the disk before
   * running it: set for a cluster's workers, whose machine has files of its own (a local
   * thread shares this process's disk, which the scheduler checks).
   */
  readonly checkFiles?: boolean;
  /**
   * Send the calls of a large graph a task returns while the task is still making them
   * (GraphChunkMessage), for the pool to rebuild meanwhile. Set by this process's pool,
   * which listens for them; a cluster's worker gets the whole graph in the reply.
   */
  readonly streamGraphs?: boolean;
}

/** A task that threw, as the worker saw it. */
export interface FailureReport {
  /** The task's index in the batch. */
  readonly index: number;
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  /** A memograph error code the failure carries across the thread (MEMOGRAPH_CODE_CHANGED). */
  readonly code?: string;
  /** For MEMOGRAPH_CODE_CHANGED: the changed file (or package). */
  readonly file?: string;
  /** For MEMOGRAPH_CODE_CHANGED: what differs, when the thread can say better than "changed on disk". */
  readonly detail?: string;
  /** For MEMOGRAPH_CAPTURE_CHANGED: the environment variable whose value differs. */
  readonly variable?: string;
  /** For MEMOGRAPH_LATE_ERROR: what surfaced outside the call ('uncaught exception', 'unhandled rejection'). */
  readonly late?: string;
  /** The thrown Error whole (class name, fields, causes), to be rebuilt as the TaskError's cause. */
  readonly shape?: ErrorShape;
}

/** What happened to each task of a batch, column by column. */
export interface BatchOutcome {
  /**
   * Per task: its result's length in `BatchReply.results` (results lie back to
   * back); -1 if it failed; -2 if it did not run because an input from earlier in
   * the batch failed.
   */
  readonly lengths: readonly number[];
  /** Per task: how long the call took. */
  readonly durationsMs: readonly number[];
  /**
   * Per task: when it began, in ms since the epoch (performance.timeOrigin + now, which
   * threads share): a batch's tasks run one after another, and the task stream shows when.
   */
  readonly startedAtMs: readonly number[];
  /** Per task: CIDv1 (raw, sha256) of its result's bytes, when the batch asked for them. */
  readonly resultCids: readonly (string | null)[] | null;
  readonly failures: readonly FailureReport[];
  /**
   * The tasks that returned a graph (graph/returned-graph.ts): their result bytes are the
   * graph's description (graph/graph-description.ts), not a value.
   */
  readonly graphs: readonly number[];
  /**
   * Per task that returned a graph sent partly in chunks (GraphChunkMessage), as pairs
   * [index, chunks]: its result bytes are the last chunk, and `chunks` came before it.
   */
  readonly streamed?: readonly number[];
}

export interface BatchReply {
  /** The msgpackr-encoded BatchOutcome. */
  readonly outcome: Uint8Array;
  /** The results of the successful tasks, back to back. */
  readonly results: Uint8Array;
  /** The worker's thread id, for events and status. */
  readonly threadId: number;
  /** The worker's V8 heap in use after the batch, for status. */
  readonly heapUsedBytes: number;
}

/**
 * Posted by a worker (through piscina's parentPort, which the pool re-emits as
 * 'message') when an error surfaced after the batch of the task that left it
 * had been reported. `batchId` and `index` are missing when no task's async
 * context led to it.
 */
export interface LateErrorMessage {
  readonly memographLateError: true;
  readonly batchId?: number;
  readonly index?: number;
  /** 'uncaught exception' or 'unhandled rejection'. */
  readonly kind: string;
  readonly message: string;
  readonly stack?: string;
  readonly threadId: number;
}

/** A task on a worker told how far it has got (reportProgress). */
export interface ProgressMessage {
  readonly memographProgress: true;
  readonly batchId: number;
  readonly index: number;
  readonly fraction: number;
  readonly message?: string;
}

/**
 * Calls of a graph a task is making, sent while it runs (graph/graph-description.ts's
 * GraphChunk, msgpackr-encoded). They are part of the graph only if the task returns
 * them: the reply says which chunks the graph it returned takes (`BatchOutcome.streamed`).
 */
export interface GraphChunkMessage {
  readonly memographGraphChunk: true;
  readonly batchId: number;
  readonly index: number;
  /** 0 for the task's first chunk, then 1, 2, ... */
  readonly seq: number;
  readonly bytes: Uint8Array;
}
