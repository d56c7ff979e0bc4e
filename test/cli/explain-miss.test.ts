import { describe, expect, test } from 'vitest';
import { renderExplained, type Explained } from '../../src/cli/explain-command.js';
import { explainMiss, FunctionResults, type StoredCall } from '../../src/cli/explain-miss.js';
import { delayed, type Delayed } from '../../src/index.js';
import { lineageOf } from '../../src/graph/lineage.js';
import { result } from '../store/compliance.js';

// Two bodies under one name: two identities of `fit`.
const fit = delayed(function fit(data: number[], rate: number, label?: string) {
  return data.length * rate + (label?.length ?? 0);
});
const fitAgain = delayed(function fit(data: number[], rate: number, label?: string) {
  return rate * data.length + (label?.length ?? 0);
});
const load = delayed(function load(n: number) {
  return Array.from({ length: n }, (_, i) => i);
});

/** What the scheduler stores for `call`, computed at `createdAt`. */
function stored(call: Delayed<unknown>, createdAt: number, cid = call.cid): StoredCall {
  const { record } = result(0, call.name);
  return { cid, record: { ...record, createdAt, lineage: lineageOf(call)! } };
}

const names = (cid: string) => (cid === load(3).cid ? 'load' : cid === load(4).cid ? 'load' : undefined);
const why = (call: Delayed<unknown>, calls: StoredCall[], limit?: number) => explainMiss(call, new FunctionResults(calls), names, limit);

describe('why a call misses', () => {
  test('its function changed: only when the old result is at the address the old identity gives', () => {
    const before = stored(fit([1, 2], 0.5), 1);
    expect(why(fitAgain([1, 2], 0.5), [before])).toMatchObject({ reason: 'function-changed', previous: { cid: before.cid, createdAt: 1 } });
    // The same lineage filed under another call's CID contradicts itself: it is not evidence.
    const misfiled = stored(fit([1, 2], 0.5), 1, fit([9], 9).cid);
    expect(why(fitAgain([1, 2], 0.5), [misfiled])).toEqual({ reason: 'no-record', withoutLineage: 1 });
  });

  test('a changed function wins over a closer result of the new one', () => {
    const calls = [stored(fit([1, 2], 0.5), 1), stored(fitAgain([1, 2], 0.7), 2)];
    expect(why(fitAgain([1, 2], 0.5), calls)).toMatchObject({ reason: 'function-changed' });
  });

  test('an argument changed: the closest result, then the newest, says which', () => {
    const calls = [stored(fit([1, 2], 0.5, 'a'), 3), stored(fit([1, 3], 0.7, 'b'), 4), stored(fit([1, 2], 0.6, 'a'), 2)];
    expect(why(fit([1, 2], 0.7, 'a'), calls)).toEqual({
      reason: 'input-changed',
      changed: [{ index: 1, before: '0.5', after: '0.7' }],
      previous: { cid: calls[0]!.cid, createdAt: 3 },
    });
  });

  test('arguments added or dropped count as changed, and the counts are given', () => {
    const calls = [stored(fit([1, 2], 0.5), 1)];
    expect(why(fit([1, 2], 0.5, 'x'), calls)).toMatchObject({
      reason: 'input-changed',
      changed: [{ index: 2, after: '"x"' }],
      argumentCount: { before: 2, after: 3 },
    });
  });

  test('a long argument has no preview, a graph node reads as its name', () => {
    const long = Array.from({ length: 100 }, (_, i) => i * 1.5);
    const calls = [stored(fit(long, 0.5), 1), stored(fit(load(3), 0.5), 2)];
    expect(why(fit([...long, 0], 0.5), calls.slice(0, 1))).toMatchObject({ changed: [{ index: 0 }] });
    expect(why(fit([...long, 0], 0.5), calls.slice(0, 1))).not.toHaveProperty('changed.0.before');
    expect(why(fit(load(4), 0.5), calls.slice(1))).toMatchObject({
      changed: [{ index: 0, before: `<load ${load(3).cid.slice(-8)}>`, after: `<load ${load(4).cid.slice(-8)}>` }],
    });
  });

  test('both changed: compared with the closest result of another identity', () => {
    const calls = [stored(fit([1, 2], 0.5, 'a'), 1), stored(fit([5], 0.1, 'b'), 2)];
    expect(why(fitAgain([1, 2], 0.7, 'a'), calls)).toMatchObject({
      reason: 'function-and-input-changed',
      previousIdentity: calls[0]!.record.lineage!.identity,
      changed: [{ index: 1, before: '0.5', after: '0.7' }],
      previous: { cid: calls[0]!.cid },
    });
  });

  test('a comparison limit bounds the search, never the verdict', () => {
    const calls = [stored(fit([3], 0.1, 'c'), 5), stored(fit([1, 2], 0.5, 'a'), 1)];
    expect(why(fit([1, 2], 0.7, 'a'), calls, 1)).toMatchObject({ reason: 'input-changed', previous: { cid: calls[0]!.cid } });
    expect(why(fit([1, 2], 0.7, 'a'), calls)).toMatchObject({ reason: 'input-changed', previous: { cid: calls[1]!.cid } });
  });

  test('no result of the function, or none with lineage', () => {
    expect(why(fit([1], 1), [])).toEqual({ reason: 'no-record' });
    const { record } = result(0, 'fit');
    expect(why(fit([1], 1), [{ cid: fit([2], 1).cid, record }])).toEqual({ reason: 'no-record', withoutLineage: 1 });
  });
});

describe('the text of a miss', () => {
  const at = new Date(2026, 10, 20, 14, 3).getTime();
  const row = (verdict: Explained['verdict']): string =>
    renderExplained([{ cid: 'bafyreicall', name: 'fit', verdict }], new Map([['bafyreicall', 'fit']])).replace(/\x1b\[[0-9;]*m/g, '');

  test('says what changed, in words', () => {
    const previous = { cid: 'bafyreiold', createdAt: at };
    const change = { identifiedBy: 'source', identity: 'bafyreinew', previousIdentity: 'bafyreiold' } as const;
    expect(row({ kind: 'runs', reason: 'function-changed', previous, ...change })).toMatch(
      /runs: its function changed \(source differs from the cached result of 2026-11-20 14:03; the arguments are the same\)$/,
    );
    expect(row({ kind: 'runs', reason: 'function-changed', previous, ...change, identifiedBy: 'version' })).toMatch(/\(version differs from/);
    expect(row({ kind: 'runs', reason: 'input-changed', previous, changed: [{ index: 1, before: '0.5', after: '0.7' }] })).toMatch(
      /runs: argument 1 changed \(0\.5 → 0\.7\) since the cached result of 2026-11-20 14:03$/,
    );
    expect(
      row({
        kind: 'runs',
        reason: 'input-changed',
        previous,
        changed: [{ index: 0 }, { index: 2, after: '"x"' }],
        argumentCount: { before: 2, after: 3 },
      }),
    ).toMatch(/runs: argument 0 changed and argument 2 was added \("x"\) since/);
    expect(
      row({ kind: 'runs', reason: 'input-changed', previous, changed: [0, 1, 2, 3, 4].map((index) => ({ index })) }),
    ).toMatch(/runs: argument 0 changed, argument 1 changed, argument 2 changed and 2 more arguments changed since/);
    expect(row({ kind: 'runs', reason: 'function-and-input-changed', previous, ...change, changed: [{ index: 0, before: '1' }] })).toMatch(
      /runs: its function changed \(source differs\) and argument 0 changed \(was 1\) since the closest cached result, of 2026-11-20 14:03$/,
    );
    expect(row({ kind: 'runs', reason: 'no-record' })).toMatch(/runs: it never ran with this cache/);
    expect(row({ kind: 'runs', reason: 'no-record', withoutLineage: 2 })).toMatch(/the 2 cached results of this function were stored without lineage/);
  });
});
