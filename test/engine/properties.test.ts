import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { compute, delayed, shutdown, startRun, type Delayed } from '../../src/index.js';
import { evaluate } from '../fixtures/random-dag.js';
import { tempDir } from '../helpers.js';

const dir = tempDir();
afterAll(async () => {
  await shutdown();
  dir.remove();
});

/** One node of a random DAG: an operation over earlier nodes and literal constants. */
interface Spec {
  kind: 'add' | 'mul' | 'neg' | 'lit';
  inputs: number[];
  constant: number;
}

const specArb = (index: number) =>
  fc.record({
    kind: fc.constantFrom<Spec['kind']>('add', 'mul', 'neg', 'lit'),
    inputs: index === 0 ? fc.constant([]) : fc.array(fc.nat(index - 1), { maxLength: 3 }),
    constant: fc.integer({ min: -50, max: 50 }),
  });

const dagArb = fc
  .integer({ min: 1, max: 25 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => specArb(i))))
  .map((specs) => specs as Spec[]);

/** Plain sequential reference: the value of every node. */
function reference(specs: Spec[]): number[] {
  const values: number[] = [];
  for (const spec of specs) values.push(evaluate(spec.kind, spec.constant, spec.inputs.map((i) => values[i]!)));
  return values;
}

/** The expression a node stands for; equal expressions are the same computation. */
function label(specs: Spec[], i: number): string {
  const spec = specs[i]!;
  return `${spec.kind}(${spec.constant};${spec.inputs.map((j) => label(specs, j)).join(',')})`;
}

// Worker task: logs a line per execution (side effects are counted per expression).
const op = delayed(function op(log: string, tag: string, kind: string, constant: number, ...inputs: number[]) {
  // The reference evaluator's logic, repeated here because tasks are self-contained.
  const M = 1_000_003;
  let value: number;
  if (kind === 'lit') value = constant;
  else if (kind === 'add') value = inputs.reduce((a, b) => (a + b) % M, constant);
  else if (kind === 'mul') value = inputs.reduce((a, b) => (a * b) % M, constant || 1);
  else value = -(inputs[0] ?? constant);
  process.getBuiltinModule('node:fs').appendFileSync(log, `${tag}\n`);
  return value;
});

/**
 * Build the graph twice over: every node is made afresh for each use, so
 * duplicate subexpressions are distinct Delayed objects with equal CIDs.
 */
function build(specs: Spec[], log: string, i: number): Delayed<number> {
  const spec = specs[i]!;
  return op(log, label(specs, i), spec.kind, spec.constant, ...spec.inputs.map((j) => build(specs, log, j)));
}

function executionsPerTag(log: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of readFileSync(log, 'utf8').split('\n').filter(Boolean)) counts.set(line, (counts.get(line) ?? 0) + 1);
  return counts;
}

let runId = 0;
describe('random DAGs', () => {
  it('give the reference results and execute each distinct node exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(dagArb, async (specs) => {
        const log = `${dir.path}/dag-${runId++}.log`;
        const expected = reference(specs);
        const targets = specs.map((_, i) => build(specs, log, i));
        const run = startRun(targets, { cache: false, workers: 2 });
        expect(await run.result).toEqual(expected);
        const counts = executionsPerTag(log);
        const distinct = new Set(specs.map((_, i) => label(specs, i)));
        expect(new Set(counts.keys())).toEqual(distinct);
        for (const n of counts.values()) expect(n).toBe(1);
        expect(run.counts.executed).toBe(distinct.size);
      }),
      { numRuns: 25 },
    );
  });

  it('execute each distinct node once across concurrent computes of overlapping graphs', async () => {
    await fc.assert(
      fc.asyncProperty(dagArb, dagArb, async (left, right) => {
        const log = `${dir.path}/concurrent-${runId++}.log`;
        const shared = [...left, ...right.map((s) => ({ ...s, inputs: s.inputs.map((i) => i + left.length) }))];
        const leftTargets = left.map((_, i) => build(shared, log, i));
        const allTargets = shared.map((_, i) => build(shared, log, i));
        const [a, b] = await Promise.all([
          compute(...leftTargets, { cache: false, workers: 2 }),
          compute(...allTargets, { cache: false, workers: 2 }),
        ]);
        const expected = reference(shared);
        expect(a).toEqual(expected.slice(0, left.length));
        expect(b).toEqual(expected);
        for (const n of executionsPerTag(log).values()) expect(n).toBe(1);
      }),
      { numRuns: 15 },
    );
  });
});
