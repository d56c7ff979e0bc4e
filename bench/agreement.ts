/**
 * Both sides must compute the same thing, or their timings compare nothing. Every
 * answer a side reports is checked against the closed form of its scenario
 * (shapes.ts), so a side that agrees with the closed form agrees with the other
 * side. The cpu scenario's iteration counts are calibrated per side, so its
 * expected answers come from the reference `spin` at each side's own count: a
 * Python spin that differs from ours fails there.
 */
import { spin } from './cpu-work.js';
import type { ScenarioName, ScenarioParams } from './scenarios.js';
import { cpuSeeds, dedupTotal, hashChecksum, sumOfIncs, treeNodes } from './shapes.js';
import { isFailure, type Side, type SideOutcome } from './side-result.js';
import { OWN_COUNTS, SHARED_VARIANTS } from './shared-variants.js';
import { WATCH_VARIANTS } from './watchers.js';

export interface Agreement {
  readonly scenario: ScenarioName;
  /** True when every side that ran gave only expected answers. */
  readonly ok: boolean;
  readonly problems: readonly string[];
}

type Answers = Record<string, number>;

/** The answers each side must give, by key. */
export function expectedAnswers<S extends ScenarioName>(
  scenario: S,
  params: ScenarioParams[S],
  info: { readonly memograph?: Record<string, unknown>; readonly dask?: Record<string, unknown> } = {},
): Record<Side, Answers> {
  const p = params as Record<string, number>;
  const both = (memograph: Answers, dask: Answers) => ({ memograph, dask });
  switch (scenario) {
    case 'wide':
    case 'tree': {
      const total = sumOfIncs(p.n ?? p.leaves!);
      return both({ workers: total, main: total }, { sync: total, threads: total });
    }
    case 'chain':
      return both({ workers: p.n! }, { sync: p.n!, threads: p.n! });
    case 'dedup': {
      const total = dedupTotal(p.calls!, p.distinct!);
      // Every distinct inc once, plus the one sum.
      const executed = Math.min(p.calls!, p.distinct!) + 1;
      return both({ workers: total, executed }, { sync: total, threads: total, executedSync: executed, executedThreads: executed });
    }
    case 'rerun':
      return both({ rerun: sumOfIncs(p.leaves!), executed: 0 }, { joblib: sumOfIncs(p.joblibCalls!) });
    case 'cpu': {
      const total = (iters: unknown) =>
        typeof iters === 'number' ? cpuSeeds(p.tasks!).reduce((sum, seed) => sum + spin(seed, iters), 0) : NaN;
      const mg = total(info.memograph?.iters);
      const dk = total(info.dask?.iters);
      return both({ one: mg, all: mg }, { sync: dk, threads: dk });
    }
    case 'hash': {
      const checksum = hashChecksum(p.mib!);
      return both({ checksum }, { checksum });
    }
    case 'build': {
      const expected = { value: sumOfIncs(p.leaves!), nodes: treeNodes(p.leaves!) };
      return both(expected, expected);
    }
    case 'big':
      return both({ value: sumOfIncs(p.leaves!), cachedValue: sumOfIncs(p.leaves!) }, { value: sumOfIncs(p.daskLeaves!) });
    case 'watch': {
      const total = sumOfIncs(p.n!);
      // Every inc and the sum executed in every run: no run was handed another's results.
      const values = Object.fromEntries(WATCH_VARIANTS.map((variant) => [variant, total]));
      return both({ ...values, executed: p.n! + 1 }, {});
    }
    case 'identity':
      // Times only: nothing is computed.
      return both({}, {});
    case 'shared': {
      // Every process of every variant answers the tree's value. Processes on
      // their own trees share no call, so each executes its whole tree; that
      // the same tree is executed once is a target (duplicates), not an answer.
      const total = sumOfIncs(p.leaves!);
      const nodes = treeNodes(p.leaves!);
      const values = Object.fromEntries(SHARED_VARIANTS.map((spec) => [spec.name, total]));
      const executed = Object.fromEntries(OWN_COUNTS.map((processes) => [`own${processes}Executed`, processes * nodes]));
      return both({ ...values, ...executed }, {});
    }
    case 'cluster': {
      const c = params as ScenarioParams['cluster'];
      const spins = (iters: unknown) => (typeof iters === 'number' ? cpuSeeds(c.cpuTasks).reduce((sum, seed) => sum + spin(seed, iters), 0) : NaN);
      const mg = spins(info.memograph?.iters);
      const dk = spins(info.dask?.iters);
      return both(
        { wide: sumOfIncs(c.wide), tree: sumOfIncs(c.leaves), chain: c.chain, chainUnfused: c.chain, cpuOne: mg, cpuAll: mg },
        { wide: sumOfIncs(c.daskWide), tree: sumOfIncs(c.daskLeaves), chain: c.chain, cpuSync: dk, cpuAll: dk },
      );
    }
    case 'dynamic': {
      // Every variant sums inc(i) for i < n, however its graph was made or found.
      const total = sumOfIncs(p.n!);
      return both(Object.fromEntries(['pairs', 'get', 'unpack', 'wide', 'returned', 'byCall', 'byValue'].map((key) => [key, total])), {});
    }
  }
  throw new RangeError(`unknown scenario ${String(scenario)}`);
}

/** Compare what each side answered with what it should have; sides that failed to run are skipped. */
export function checkAgreement<S extends ScenarioName>(
  scenario: S,
  params: ScenarioParams[S],
  outcomes: { readonly memograph?: SideOutcome; readonly dask?: SideOutcome },
): Agreement {
  const ran = {
    memograph: isFailure(outcomes.memograph) ? undefined : outcomes.memograph,
    dask: isFailure(outcomes.dask) ? undefined : outcomes.dask,
  };
  const expected = expectedAnswers(scenario, params, { memograph: ran.memograph?.info, dask: ran.dask?.info });
  const problems: string[] = [];
  for (const side of ['memograph', 'dask'] as const) {
    const result = ran[side];
    if (!result) continue;
    for (const [key, want] of Object.entries(expected[side])) {
      if (!(key in result.answers)) problems.push(`${side} ${scenario}: no answer \`${key}\` (expected ${want})`);
    }
    for (const [key, got] of Object.entries(result.answers)) {
      // mergeRuns keeps a run's differing answer as `key#run`.
      const base = key.replace(/#\d+$/, '');
      const want = expected[side][base];
      if (want === undefined) problems.push(`${side} ${scenario}: unexpected answer \`${key}\` = ${got}`);
      else if (!Object.is(got, want)) problems.push(`${side} ${scenario}: \`${key}\` is ${got}, expected ${want}`);
    }
  }
  return { scenario, ok: problems.length === 0, problems };
}
