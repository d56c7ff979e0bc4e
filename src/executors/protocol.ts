/**
 * Messages between the scheduler and a worker thread. The worker knows only
 * these types, never the scheduler or the store.
 *
 * Values travel as msgpackr bytes (see store/value-codec.ts): the worker that
 * produced a result encodes and hashes it, so the main thread neither
 * serialises nor hashes results, and hands the same bytes to the store and to
 * the next worker unchanged.
 */

/** How a worker finds a task's function. */
export type FunctionRef =
  /** Self-contained source, compiled once per worker and cached by `key`. */
  | { readonly kind: 'source'; readonly key: string }
  /** An export of a module the worker imports. */
  | { readonly kind: 'module'; readonly url: string; readonly exportName: string };

/**
 * An input value to put into the arguments at `path` before the call: its bytes
 * are `BatchMessage.inputs[offset, offset + length)`. All inputs of a batch share
 * one buffer, because cloning one buffer costs far less than cloning thousands of
 * small ones (a sum over 10,000 results has 10,000 inputs).
 */
export interface InputSlot {
  readonly path: readonly (string | number)[];
  readonly offset: number;
  readonly length: number;
}

export interface TaskMessage {
  /** The scheduler's handle for the task; echoed back in the outcome. */
  readonly id: number;
  readonly fn: FunctionRef;
  /** The literal arguments, with `null` where an input goes. */
  readonly args: unknown[];
  readonly inputs: readonly InputSlot[];
}

export interface BatchMessage {
  readonly tasks: readonly TaskMessage[];
  /** Source of each self-contained function the batch uses, by key. */
  readonly sources: Readonly<Record<string, string>>;
  /** The encoded input values of every task, back to back (transferred, not copied). */
  readonly inputs: Uint8Array;
}

/** A worker's answer to a batch: one outcome per task, results back to back in `results`. */
export interface BatchReply {
  readonly outcomes: readonly TaskOutcome[];
  readonly results: Uint8Array;
}

export type TaskOutcome =
  | {
      readonly id: number;
      readonly ok: true;
      /** Where the msgpackr-encoded result lies in `BatchReply.results`. */
      readonly offset: number;
      readonly length: number;
      /** CIDv1 (raw, sha256) of `bytes`. */
      readonly resultCid: string;
      readonly durationMs: number;
    }
  | {
      readonly id: number;
      readonly ok: false;
      readonly name: string;
      readonly message: string;
      readonly stack?: string;
      readonly durationMs: number;
    };
