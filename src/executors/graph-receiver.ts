/**
 * The pool's side of graphs sent in chunks (graph-sender.ts): each chunk a task sends
 * is rebuilt here as it comes, while the task is still making the rest, so that when the
 * reply comes only its last chunk is left to build. Nothing of it runs before then: a
 * call is part of the graph only if the task returned it.
 *
 * Chunks come through the thread's message port and replies through piscina's, so a
 * reply may come before the last of its chunks: it says how many there were, and they
 * are waited for.
 */
import { GraphRebuilder } from '../graph/graph-rebuild.js';
import { joinChunks, type GraphChunk, type GraphDescription } from '../graph/graph-description.js';
import { TaskError } from '../errors.js';
import { TaskResult } from '../scheduler/task-result.js';
import { unpackValue } from '../store/value-codec.js';
import type { ExecutableTask, Outcome, Returned } from './executor.js';
import type { GraphChunkMessage } from './protocol.js';

/**
 * How long chunks a reply counts may take to arrive after it. They were posted before the
 * reply, so they come at once; past this something is broken, and the task fails rather
 * than the run waiting for ever.
 */
const CHUNKS_LATE_MS = 10_000;

/** The graphs one batch's tasks are sending, by the task's index in the batch. */
export class BatchGraphs {
  readonly #byTask = new Map<number, StreamedGraph>();

  /** `lateMs`: how long to wait for the chunks a reply counts. */
  constructor(
    readonly tasks: readonly ExecutableTask[],
    readonly lateMs = CHUNKS_LATE_MS,
  ) {}

  chunk(message: GraphChunkMessage): void {
    this.#graphOf(message.index)?.add(message.seq, message.bytes);
  }

  /** The outcomes, with each graph that came in chunks built: its structure, and its whole description when the store wants it. */
  async settle(outcomes: Outcome[]): Promise<Outcome[]> {
    for (let i = 0; i < outcomes.length; i++) {
      const outcome = outcomes[i]!;
      const returned = outcome.ok ? outcome.returned : undefined;
      if (returned === undefined || returned.structure !== undefined || returned.chunksBefore === undefined) continue;
      const task = this.tasks[i]!;
      try {
        outcomes[i] = { ...outcome, returned: await this.#graphOf(i)!.finish(returned.chunksBefore, returned.description) } as Outcome;
      } catch (unbuilt) {
        const originalMessage = `the graph it returned cannot be built in the main thread: ${unbuilt instanceof Error ? unbuilt.message : String(unbuilt)}`;
        const { durationMs, startedAt, workerId } = outcome as Extract<Outcome, { returned: Returned }>;
        const error = new TaskError({ taskName: task.task.name, cid: task.cid, originalMessage }, { cause: unbuilt });
        outcomes[i] = { id: outcome.id, ok: false, error, durationMs, startedAt, workerId };
      }
    }
    return outcomes;
  }

  /**
   * The graph task `index` sends, made at its first chunk or at its reply, whichever
   * comes first: a reply may overtake every one of its chunks, which must then find the
   * graph its reply waits on.
   */
  #graphOf(index: number): StreamedGraph | undefined {
    let graph = this.#byTask.get(index);
    if (graph === undefined) {
      const task = this.tasks[index];
      if (task === undefined) return undefined;
      graph = new StreamedGraph(task.stored, this.lateMs);
      this.#byTask.set(index, graph);
    }
    return graph;
  }
}

class StreamedGraph {
  readonly #rebuilder = new GraphRebuilder();
  /** The chunks, kept only when the store wants the description whole: nothing else reads them once they are built. */
  readonly #chunks: GraphChunk[] = [];

  /** The chunks so far, built one after another; rejected once one fails. */
  #built: Promise<void> = Promise.resolve();
  #arrived = 0;
  #waiting: { readonly count: number; readonly resolve: () => void } | undefined;

  /** `stored`: the store wants the task's result, the graph's description whole. */
  constructor(
    readonly stored: boolean,
    readonly lateMs: number,
  ) {}

  add(seq: number, bytes: Uint8Array): void {
    const expected = this.#arrived++;
    this.#built = this.#built.then(() => {
      // One port delivers in order: another number means a chunk was lost.
      if (seq !== expected) throw new Error(`chunk ${seq} of the graph came where chunk ${expected} was due`);
      const chunk = unpackValue(bytes) as GraphChunk;
      if (this.stored) this.#chunks.push(chunk);
      return this.#rebuilder.add(chunk);
    });
    this.#built.catch(() => undefined);
    if (this.#waiting !== undefined && this.#arrived >= this.#waiting.count) this.#waiting.resolve();
  }

  /** The graph, once its `count` chunks and the last one are built. Throws what is wrong with it: a chunk that does not build, or that never came. */
  async finish(count: number, lastResult: TaskResult): Promise<Returned> {
    if (!(await this.#arrival(count))) throw new Error(`${count - this.#arrived} of the ${count} chunks it was sent in never came (waited ${this.lateMs} ms)`);
    const last = lastResult.value() as GraphDescription;
    await this.#built;
    const { structure } = await this.#rebuilder.finish(last);
    // The description whole is what the store keeps, and what a re-run rebuilds.
    return this.stored ? { structure, description: TaskResult.fromValue(joinChunks(this.#chunks, last)) } : { structure };
  }

  #arrival(count: number): Promise<boolean> {
    if (this.#arrived >= count) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), this.lateMs);
      this.#waiting = {
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
    });
  }
}
