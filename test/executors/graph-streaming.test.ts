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
import { rebuildGraph } from '../../src/graph/graph-rebuild.js';
import { splitAndSum, splitAndSumTask, squares, squaresTask } from '../fixtures/dynamic-tasks.js';

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
