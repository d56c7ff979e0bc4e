import { describe, expect, it } from 'vitest';
import { checkAgreement, expectedAnswers } from '../../bench/agreement.js';
import { spin } from '../../bench/cpu-work.js';
import { dedupTotal, hashChecksum, sumOfIncs, treeNodes } from '../../bench/shapes.js';
import { mergeRuns } from '../../bench/side-result.js';
import { failed, side } from './fixtures.js';

describe('answers of the graph shapes', () => {
  it('has closed forms that match counting', () => {
    let total = 0;
    for (let i = 0; i < 2500; i++) total += (i % 7) + 1;
    expect(dedupTotal(2500, 7)).toBe(total);
    expect(sumOfIncs(10_000)).toBe(50_005_000);
    expect(treeNodes(10_000)).toBe(19_999);
    let checksum = 0;
    for (let i = 0; i < (1024 * 1024) / 8; i++) checksum += (i % 1000) / 4;
    expect(hashChecksum(1)).toBe(checksum);
  });

  it('spin is xorshift32', () => {
    // Marsaglia's xorshift32 from 1: 270369, then 67634689.
    expect(spin(1, 1)).toBe(270369);
    expect(spin(1, 2)).toBe(67634689);
    expect(spin(0, 0)).toBe(1);
  });
});

describe('agreement of the two sides', () => {
  it('accepts the expected answers from both sides', () => {
    const total = 50_005_000;
    const agreement = checkAgreement('wide', { n: 10_000 }, {
      memograph: side('memograph', 'wide', {}, { workers: total, main: total }),
      dask: side('dask', 'wide', {}, { sync: total, threads: total }),
    });
    expect(agreement).toEqual({ scenario: 'wide', ok: true, problems: [] });
  });

  it('detects a wrong answer on either side', () => {
    const agreement = checkAgreement('tree', { leaves: 4 }, {
      memograph: side('memograph', 'tree', {}, { workers: 10, main: 10 }),
      dask: side('dask', 'tree', {}, { sync: 10, threads: 11 }),
    });
    expect(agreement.ok).toBe(false);
    expect(agreement.problems).toEqual(['dask tree: `threads` is 11, expected 10']);
  });

  it('detects dedup executing more than the distinct calls', () => {
    const total = dedupTotal(1000, 10);
    const agreement = checkAgreement('dedup', { calls: 1000, distinct: 10 }, {
      memograph: side('memograph', 'dedup', {}, { workers: total, executed: 1001 }),
      dask: side('dask', 'dedup', {}, { sync: total, threads: total, executedSync: 11, executedThreads: 11 }),
    });
    expect(agreement.problems).toEqual(['memograph dedup: `executed` is 1001, expected 11']);
  });

  it('detects a missing answer, an unexpected one, and a re-run that executed something', () => {
    const agreement = checkAgreement('rerun', { leaves: 3, joblibCalls: 2 }, {
      memograph: side('memograph', 'rerun', {}, { rerun: 6, executed: 5 }),
      dask: side('dask', 'rerun', {}, { joblob: 3 }),
    });
    expect(agreement.problems).toEqual([
      'memograph rerun: `executed` is 5, expected 0',
      'dask rerun: no answer `joblib` (expected 3)',
      'dask rerun: unexpected answer `joblob` = 3',
    ]);
  });

  it('catches one run of several that disagreed', () => {
    const run = (value: number) => side('memograph', 'big', { total: [1], rssBytes: [2] }, { value, cachedValue: 10 });
    const merged = mergeRuns([run(10), run(10), run(9)]);
    expect(merged.samples.total).toEqual([1, 1, 1]);
    expect(checkAgreement('big', { leaves: 4, daskLeaves: 2 }, { memograph: merged }).problems).toEqual([
      'memograph big: `value#2` is 9, expected 10',
    ]);
  });

  it('keeps an answer only a later run gives under its own name, as big\u2019s cache-on run gives one', () => {
    const off = side('memograph', 'big', { total: [1] }, { value: 10 });
    const on = side('memograph', 'big', { cachedTotal: [2] }, { cachedValue: 10 });
    const merged = mergeRuns([mergeRuns([off, on]), mergeRuns([off, on])]);
    expect(merged.answers).toEqual({ value: 10, cachedValue: 10 });
    expect(checkAgreement('big', { leaves: 4, daskLeaves: 2 }, { memograph: merged }).problems).toEqual([]);
  });

  it('checks cpu answers against spin at each side’s own iteration count', () => {
    const params = { tasks: 3, ms: 1 };
    const at = (iters: number) => spin(1, iters) + spin(2, iters) + spin(3, iters);
    expect(expectedAnswers('cpu', params, { memograph: { iters: 100 }, dask: { iters: 7 } })).toEqual({
      memograph: { one: at(100), all: at(100) },
      dask: { sync: at(7), threads: at(7) },
    });
    const agreement = checkAgreement('cpu', params, {
      memograph: side('memograph', 'cpu', {}, { one: at(100), all: at(100) }, { iters: 100 }),
      // A Python spin that differs from ours shows as a wrong answer at its own count.
      dask: side('dask', 'cpu', {}, { sync: at(7) + 1, threads: at(7) + 1 }, { iters: 7 }),
    });
    expect(agreement.problems).toHaveLength(2);
    expect(agreement.problems[0]).toMatch(/^dask cpu: `sync` is/);
  });

  it('expects each cluster side to answer its own graphs and its own spin count', () => {
    const params = { wide: 20, leaves: 10, daskWide: 5, daskLeaves: 4, chain: 7, cpuTasks: 2, cpuMs: 1, lockMs: 1_000 };
    const at = (iters: number) => spin(1, iters) + spin(2, iters);
    expect(expectedAnswers('cluster', params, { memograph: { iters: 50 }, dask: { iters: 3 } })).toEqual({
      memograph: { wide: sumOfIncs(20), tree: sumOfIncs(10), chain: 7, chainUnfused: 7, cpuOne: at(50), cpuAll: at(50) },
      dask: { wide: sumOfIncs(5), tree: sumOfIncs(4), chain: 7, cpuSync: at(3), cpuAll: at(3) },
    });
  });

  it('expects every watch run to answer wide’s sum and execute every call, and nothing of Dask', () => {
    const total = sumOfIncs(10);
    const answers = { plain: total, events: total, progress: total, dashboard: total, executed: 11 };
    expect(expectedAnswers('watch', { n: 10 })).toEqual({ memograph: answers, dask: {} });
    expect(checkAgreement('watch', { n: 10 }, { memograph: side('memograph', 'watch', {}, answers) }).ok).toBe(true);
    // A run that found another run's results executed fewer calls.
    const shared = checkAgreement('watch', { n: 10 }, { memograph: side('memograph', 'watch', {}, { ...answers, 'executed#7': 1 }) });
    expect(shared.problems).toEqual(['memograph watch: `executed#7` is 1, expected 11']);
  });

  it('expects every shared process to answer the tree’s value, and processes on their own trees to execute all of them', () => {
    const total = sumOfIncs(4);
    const values = { own1: total, own2: total, own4: total, same2: total, same4: total };
    const executed = { own1Executed: 7, own2Executed: 14, own4Executed: 28 };
    expect(expectedAnswers('shared', { leaves: 4 })).toEqual({ memograph: { ...values, ...executed }, dask: {} });
    expect(checkAgreement('shared', { leaves: 4 }, { memograph: side('memograph', 'shared', {}, { ...values, ...executed }) }).ok).toBe(true);
    // Two processes that found each other's calls: their trees were not their own.
    const overlapping = checkAgreement('shared', { leaves: 4 }, { memograph: side('memograph', 'shared', {}, { ...values, ...executed, own2Executed: 8 }) });
    expect(overlapping.problems).toEqual(['memograph shared: `own2Executed` is 8, expected 14']);
  });

  it('skips a side that failed to run', () => {
    const agreement = checkAgreement('chain', { n: 3 }, { memograph: side('memograph', 'chain', {}, { workers: 3 }), dask: failed('dask', 'chain') });
    expect(agreement.ok).toBe(true);
  });
});
