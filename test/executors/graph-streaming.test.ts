/**
 * A large graph a worker task returns reaches the pool in chunks while the task makes
 * it, and the pool rebuilds it meanwhile (graph-sender.ts, graph-receiver.ts): the
 * outcome holds the graph's nodes, built and identified on this thread, and the whole
 * description for the store. A small graph comes whole in the reply, as before.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { shutdown, type Delayed } from '../../src/index.js';
import type { ExecutableTask, Outcome } from '../../src/executors/executor.js';
import { PoolExecutor } from '../../src/executors/pool.js';
import { BatchGraphs } from '../../src/executors/graph-receiver.js';
import { GraphDescriber, type GraphChunk } from '../../src/graph/graph-description.js';
import { rebuildGraph } from '../../src/graph/graph-rebuild.js';
import { TaskResult } from '../../src/scheduler/task-result.js';
import { packValue, unpackValue } from '../../src/store/value-codec.js';
import { addTask, splitAndSum, splitAndSumTask, squares, squaresTask } from '../fixtures/dynamic-tasks.js';

const pool = new PoolExecutor({ workers: 1 });
afterAll(async () => {
  await pool.close();
  await shutdown();
});

function executable(call: Delayed<unknown>, args: unknown[], stored: boolean): ExecutableTask {
  return { id: 0, cid: call.cid, task: call.task, args, inputs: [], stored };
}

type Returned = Extract<Outcome, { returned: object }>['returned'];

async function returnedBy(call: Delayed<unknown>, args: unknown[], stored: boolean): Promise<Returned> {
  const [outcome] = await pool.run([executable(call, args, stored)]);
  if (!outcome?.ok || outcome.returned === undefined) throw new Error(`expected a returned graph, got ${JSON.stringify(outcome)}`);
  return outcome.returned;
}

type Squares = ReturnType<typeof squares>;

describe('a large graph returned by a worker task', () => {
  const n = 2500;
  // The same calls made here: the CIDs the pool's nodes must have.
  const expected = squares(n);

  it('comes built by the pool, each node with the CID this thread gives the call', async () => {
    const returned = await returnedBy(squaresTask(n), [n], false);
    const structure = returned.structure as Squares;
    expect(structure).toBeDefined();
    expect(structure.total.cid).toBe(expected.total.cid);
    expect(structure.first.cid).toBe(expected.first.cid);
    expect(structure.shifted.cid).toBe(expected.shifted.cid);
    expect(structure.label).toBe(expected.label);
    // Without a store, nobody wants the description.
    expect(returned.description).toBeUndefined();
  });

  it('with the store, comes with the whole description, which rebuilds to the same graph', async () => {
    const returned = await returnedBy(squaresTask(n), [n], true);
    const { structure } = await rebuildGraph(returned.description!.value());
    expect((structure as Squares).total.cid).toBe(expected.total.cid);
    expect((structure as Squares).shifted.cid).toBe(expected.shifted.cid);
  });

  it('a small graph comes whole in the reply, for the scheduler to rebuild', async () => {
    const returned = await returnedBy(splitAndSumTask([1, 2, 3, 4], 2), [[1, 2, 3, 4], 2], false);
    expect(returned.structure).toBeUndefined();
    const { structure } = await rebuildGraph(returned.description!.value());
    expect((structure as Delayed<number>).cid).toBe(splitAndSum([1, 2, 3, 4], 2).cid);
  });
});

describe('chunks and the reply that counts them', () => {
  // Chunks and replies come through different ports: any may come first.
  function sentInChunks() {
    const leaves = Array.from({ length: 300 }, (_, i) => addTask(i, 1));
    const pairs = Array.from({ length: 150 }, (_, i) => addTask(leaves[2 * i]!, leaves[2 * i + 1]!));
    const root = { sum: addTask(pairs[0]!, pairs[149]!), pairs };
    const describer = new GraphDescriber();
    const chunks = [leaves, pairs].map((calls) => {
      describer.add(calls);
      return new Uint8Array(packValue(describer.take()));
    });
    const last = TaskResult.fromValue(describer.finish(root));
    return { root, chunks, last };
  }

  function receiver(lateMs?: number) {
    const task = executable(addTask(0, 0), [0, 0], true);
    return new BatchGraphs([task], lateMs);
  }

  async function settled(graphs: BatchGraphs, last: TaskResult): Promise<Returned> {
    const [outcome] = await graphs.settle([{ id: 0, ok: true, returned: { description: last, chunksBefore: 2 }, durationMs: 1 }]);
    if (!outcome?.ok || outcome.returned === undefined) throw new Error('expected a returned graph');
    return outcome.returned;
  }

  function expectBuilt(returned: Returned, root: ReturnType<typeof sentInChunks>['root']): void {
    const structure = returned.structure as typeof root | undefined;
    expect(structure?.sum.cid).toBe(root.sum.cid);
    expect(structure?.pairs.map((pair) => pair.cid)).toEqual(root.pairs.map((pair) => pair.cid));
  }

  it('a reply that comes after its chunks gets the graph built', async () => {
    const { root, chunks, last } = sentInChunks();
    const graphs = receiver();
    chunks.forEach((bytes, seq) => graphs.chunk({ memographGraphChunk: true, batchId: 1, index: 0, seq, bytes }));
    expectBuilt(await settled(graphs, last), root);
  });

  it('a reply that overtakes all its chunks waits for them, and gets the graph built', async () => {
    const { root, chunks, last } = sentInChunks();
    const graphs = receiver();
    const returned = settled(graphs, last);
    await new Promise((resolve) => setTimeout(resolve, 20));
    chunks.forEach((bytes, seq) => graphs.chunk({ memographGraphChunk: true, batchId: 1, index: 0, seq, bytes }));
    const outcome = await returned;
    expectBuilt(outcome, root);
    // The store's description is the whole graph, not the last chunk alone.
    const { structure } = await rebuildGraph(outcome.description!.value());
    expect((structure as typeof root).sum.cid).toBe(root.sum.cid);
  });

  it('a reply that overtakes some of its chunks waits for the rest', async () => {
    const { root, chunks, last } = sentInChunks();
    const graphs = receiver();
    graphs.chunk({ memographGraphChunk: true, batchId: 1, index: 0, seq: 0, bytes: chunks[0]! });
    const returned = settled(graphs, last);
    await new Promise((resolve) => setTimeout(resolve, 20));
    graphs.chunk({ memographGraphChunk: true, batchId: 1, index: 0, seq: 1, bytes: chunks[1]! });
    expectBuilt(await returned, root);
  });

  it('chunks that never come fail the task, saying so, instead of the run waiting for ever', async () => {
    const { chunks, last } = sentInChunks();
    const graphs = receiver(50);
    graphs.chunk({ memographGraphChunk: true, batchId: 1, index: 0, seq: 0, bytes: chunks[0]! });
    const [outcome] = await graphs.settle([{ id: 0, ok: true, returned: { description: last, chunksBefore: 2 }, durationMs: 1 }]);
    expect(outcome?.ok).toBe(false);
    const error = (outcome as Extract<Outcome, { ok: false; error: object }>).error;
    expect(error.code).toBe('MEMOGRAPH_TASK_FAILED');
    expect(error.message).toContain('1 of the 2 chunks it was sent in never came (waited 50 ms)');
  });

  it('a chunk that does not build fails the task with what is wrong with it', async () => {
    const { chunks, last } = sentInChunks();
    const broken = unpackValue(chunks[1]!) as GraphChunk;
    broken.calls[0] = 99; // a function no chunk describes
    const graphs = receiver();
    graphs.chunk({ memographGraphChunk: true, batchId: 1, index: 0, seq: 0, bytes: chunks[0]! });
    graphs.chunk({ memographGraphChunk: true, batchId: 1, index: 0, seq: 1, bytes: new Uint8Array(packValue(broken)) });
    const [outcome] = await graphs.settle([{ id: 0, ok: true, returned: { description: last, chunksBefore: 2 }, durationMs: 1 }]);
    expect(outcome?.ok).toBe(false);
    const error = (outcome as Extract<Outcome, { ok: false; error: object }>).error;
    expect(error.message).toContain('the graph it returned cannot be built in the main thread: not a returned graph (calls)');
    expect(error.cause).toBeInstanceOf(Error);
  });
});
