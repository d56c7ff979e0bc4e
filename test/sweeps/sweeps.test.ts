import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { command, compute, delayed, grid, MemoryStore, pointLabel, shutdown, startRun, sweep, Command } from '../../src/index.js';
import { tempDir } from '../helpers.js';

const tmp = tempDir();
afterAll(async () => {
  await shutdown();
  tmp.remove();
});

const simulate = delayed(function simulate(log: string, temp: number, seed: number) {
  process.getBuiltinModule('node:fs').appendFileSync(log, `${temp}/${seed}\n`);
  if (temp < 0) throw new Error(`no simulation below zero (temp=${temp})`);
  return temp * 10 + seed;
});

describe('grid()', () => {
  it('expands the product of named lists, last axis fastest, then explicit points', () => {
    const points = grid({ temp: [280, 300], seed: [1, 2, 3] }, { points: [{ temp: 1000, seed: 1 }, { temp: 300, seed: 2 }] });
    expect(points).toEqual([
      { temp: 280, seed: 1 },
      { temp: 280, seed: 2 },
      { temp: 280, seed: 3 },
      { temp: 300, seed: 1 },
      { temp: 300, seed: 2 },
      { temp: 300, seed: 3 },
      { temp: 1000, seed: 1 }, // the repeat of {300, 2} is dropped
    ]);
    expect(grid({ a: [1, 2], b: [] })).toEqual([]);
    expect(grid({}, { points: [{ x: 1 }] })).toEqual([{ x: 1 }]);
    expect(() => grid({ a: 3 as unknown as number[] })).toThrow(/axis `a`/);
  });

  it('labels points by their parameters', () => {
    expect(pointLabel({ temp: 300, seed: 1 })).toBe('temp=300,seed=1');
    expect(pointLabel({ model: 'ising-2d', eps: 0.5, on: true })).toBe('model=ising-2d,eps=0.5,on=true');
    expect(pointLabel({ note: 'a,b=c' })).toBe('note="a,b=c"');
  });
});

describe('sweep()', () => {
  it('names each task by its point and returns results with their points', async () => {
    const log = join(tmp.path, 'names.log');
    const s = sweep(grid({ temp: [1, 2], seed: [7] }), (p) => simulate(log, p.temp, p.seed));
    expect(s.nodes.map((n) => n.name)).toEqual(['simulate[temp=1,seed=7]', 'simulate[temp=2,seed=7]']);
    // The display name is not part of the address.
    expect(s.nodes[0]!.cid).toBe(simulate(log, 1, 7).cid);
    const run = startRun([s.collect()], { store: new MemoryStore() });
    const [rows] = await run.result;
    expect(rows).toEqual([
      { point: { temp: 1, seed: 7 }, label: 'temp=1,seed=7', value: 17 },
      { point: { temp: 2, seed: 7 }, label: 'temp=2,seed=7', value: 27 },
    ]);
    const names = Object.values(run.snapshot().nodes).map((n) => n.name);
    expect(names).toContain('simulate[temp=2,seed=7]');
    // Its statistics are the function's: every point counts under one name.
    expect(Object.keys(run.status().functions).sort()).toEqual(['simulate', 'sweepResults']);
    expect(run.status().functions.simulate).toMatchObject({ count: 2 });
  });

  it('changing one value of the grid re-runs only the affected points', async () => {
    const store = new MemoryStore();
    const log = join(tmp.path, 'rerun.log');
    const build = (temps: number[]) => sweep(grid({ temp: temps, seed: [1, 2] }), (p) => simulate(log, p.temp, p.seed));
    writeFileSync(log, '');
    await compute(build([10, 20, 30]).collect(), { store });
    expect(readFileSync(log, 'utf8').trim().split('\n')).toHaveLength(6);

    writeFileSync(log, '');
    const run = startRun([build([10, 20, 40]).collect()], { store });
    await run.result;
    expect(readFileSync(log, 'utf8').trim().split('\n').sort()).toEqual(['40/1', '40/2']);
    expect(run.counts.executed).toBe(3); // two points and the collection
  });

  it("with onFailure: 'continue', partitions a run into completed and failed points", async () => {
    const log = join(tmp.path, 'partition.log');
    const s = sweep(grid({ temp: [5, -1, 6], seed: [1] }), (p) => simulate(log, p.temp, p.seed));
    const outcome = await startRun(s.nodes, { store: new MemoryStore(), onFailure: 'continue' }).settled;
    const { completed, failed } = s.partition(outcome);
    expect(completed.map((r) => [r.label, r.value])).toEqual([
      ['temp=5,seed=1', 51],
      ['temp=6,seed=1', 61],
    ]);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.label).toBe('temp=-1,seed=1');
    expect(failed[0]!.error.taskName).toBe('simulate[temp=-1,seed=1]');
    expect(failed[0]!.error.message).toMatch(/below zero/);
  });

  it('sweeps commands, which stay commands', async () => {
    const s = sweep(grid({ n: [2, 3] }), (p) => command(['node', '-e', 'process.stdout.write(String(Number(process.argv[1]) ** 2))', p.n]), {
      name: 'square',
    });
    expect(s.nodes[0]).toBeInstanceOf(Command);
    expect(s.nodes.map((n) => n.name)).toEqual(['square[n=2]', 'square[n=3]']);
    const results = await compute(...s.nodes, { store: new MemoryStore() });
    expect(results.map((r) => r.stdout)).toEqual(['4', '9']);
  });
});
