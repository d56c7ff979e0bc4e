import { RAW, cidOf } from '../hash/cid.js';
import { packValue, unpackValue } from '../store/value-codec.js';

/**
 * A task's result, held as encoded bytes, as a live value, or both — each form
 * made only when something asks for it. Results from workers and the store
 * arrive as bytes and are decoded only for main-thread tasks and targets;
 * results of main-thread tasks are encoded only for the store or a worker.
 */
export class TaskResult {
  #value: unknown;
  #hasValue: boolean;
  #bytes: Uint8Array | undefined;
  #resultCid: string | undefined;

  private constructor(value: unknown, hasValue: boolean, bytes?: Uint8Array, resultCid?: string) {
    this.#value = value;
    this.#hasValue = hasValue;
    this.#bytes = bytes;
    this.#resultCid = resultCid;
  }

  static fromValue(value: unknown): TaskResult {
    return new TaskResult(value, true);
  }

  static fromBytes(bytes: Uint8Array, resultCid?: string): TaskResult {
    return new TaskResult(undefined, false, bytes, resultCid);
  }

  value(): unknown {
    if (!this.#hasValue) {
      this.#value = unpackValue(this.#bytes!);
      this.#hasValue = true;
    }
    return this.#value;
  }

  /** Encoded bytes, exactly sized. Throws a TypeError for values that cannot be stored. */
  bytes(): Uint8Array {
    this.#bytes ??= new Uint8Array(packValue(this.#value));
    return this.#bytes;
  }

  resultCid(): string {
    this.#resultCid ??= cidOf(RAW, this.bytes());
    return this.#resultCid;
  }
}
