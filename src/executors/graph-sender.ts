/**
 * Worker side: a task that makes many calls, to return them as a graph, has them
 * described and sent to the pool in chunks while it is still making them, so that the
 * main thread rebuilds (and identifies) them meanwhile (graph-receiver.ts) instead of
 * waiting idle for the whole description. A call is part of the graph only if the task
 * returns it, so the main thread builds chunks but runs nothing before the reply.
 */
import { parentPort } from 'node:worker_threads';
import type { Delayed } from '../graph/delayed.js';
import { GraphDescriber, type GraphDescription } from '../graph/graph-description.js';
import { packValue } from '../store/value-codec.js';
import type { GraphChunkMessage } from './protocol.js';

/**
 * Calls per chunk: the first few are small, so that the main thread starts on them soon
 * after the task does; each is twice the last, up to a size that keeps messages few (a
 * chunk of the largest size takes the main thread a few ms to rebuild).
 */
const FIRST_CHUNK_CALLS = 64;
const LARGEST_CHUNK_CALLS = 1024;

export class GraphSender {
  readonly #pending: Delayed<unknown>[] = [];
  /** Made at the first chunk: most tasks that make calls make a few, and send none. */
  #describer: GraphDescriber | undefined;
  #sent = 0;
  #chunkCalls = FIRST_CHUNK_CALLS;
  /** Nothing more is sent: the task has returned, or a call could not be described or encoded. */
  #stopped = false;
  #failed = false;

  constructor(
    readonly batchId: number,
    readonly index: number,
  ) {}

  sketched(node: Delayed<unknown>): void {
    if (this.#stopped) return;
    this.#pending.push(node);
    if (this.#pending.length >= this.#chunkCalls) {
      this.#send();
      this.#chunkCalls = Math.min(2 * this.#chunkCalls, LARGEST_CHUNK_CALLS);
    }
  }

  #send(): void {
    try {
      const describer = (this.#describer ??= new GraphDescriber());
      describer.add(this.#pending);
      // A copy of its own, to transfer: the packer's buffer is shared.
      const bytes = new Uint8Array(packValue(describer.take()));
      const message: GraphChunkMessage = { memographGraphChunk: true, batchId: this.batchId, index: this.index, seq: this.#sent, bytes };
      parentPort?.postMessage(message, [bytes.buffer]);
      this.#sent++;
    } catch {
      // A call of a main-thread function, or an argument that does not encode: the task
      // may not return that call, so it is not failed here; its graph is described whole.
      this.#stopped = true;
      this.#failed = true;
    }
    this.#pending.length = 0;
  }

  /**
   * The task returned `graph`: the last chunk of it (what of it was not yet sent, and
   * its root), and how many chunks came before. Undefined when none were sent, or the
   * sending failed: then the graph is described whole.
   */
  finish(graph: unknown): { last: GraphDescription; chunks: number } | undefined {
    this.#stopped = true;
    this.#pending.length = 0;
    if (this.#describer === undefined || this.#sent === 0 || this.#failed) return undefined;
    return { last: this.#describer.finish(graph), chunks: this.#sent };
  }

  /** The task returned a value or failed: its chunks are not wanted. */
  stop(): void {
    this.#stopped = true;
    this.#pending.length = 0;
  }
}
