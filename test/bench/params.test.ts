import { describe, expect, it } from 'vitest';
import { UsageError, parseArgs, usage } from '../../bench/params.js';
import { DEFAULT_PARAMS, DEFAULT_REPEAT, QUICK_PARAMS, QUICK_REPEAT, SCENARIOS, hasDaskSide } from '../../bench/scenarios.js';

function usageError(argv: string[]): UsageError {
  try {
    parseArgs(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error(`expected ${argv.join(' ')} to be refused`);
}

describe('bench command line', () => {
  it('defaults to every scenario with the parameters of the issue, 5 runs after a warm-up', () => {
    const options = parseArgs([]);
    expect(options.scenarios).toEqual([...SCENARIOS]);
    expect(options.params).toEqual(DEFAULT_PARAMS);
    expect(options.repeat).toEqual({ runs: 5, warmup: 1 });
    expect(options).toMatchObject({ quick: false, fresh: false, help: false });
    expect(DEFAULT_PARAMS).toMatchObject({
      wide: { n: 10_000 },
      tree: { leaves: 10_000 },
      chain: { n: 1_000 },
      dedup: { calls: 100_000, distinct: 1_000 },
      cpu: { tasks: 8, ms: 250 },
      hash: { mib: 256 },
      big: { leaves: 500_000 },
      watch: { n: 100_000 },
    });
    expect(QUICK_PARAMS.watch).toEqual({ n: 10_000 });
    // shared computes tree's graph, at tree's size.
    expect(DEFAULT_PARAMS.shared).toEqual(DEFAULT_PARAMS.tree);
    expect(QUICK_PARAMS.shared).toEqual(QUICK_PARAMS.tree);
  });

  it('sets shared.leaves and lists it in the usage', () => {
    expect(parseArgs(['--scenarios', 'shared', '--shared.leaves', '500'])).toMatchObject({ scenarios: ['shared'], params: { shared: { leaves: 500 } } });
    expect(usage()).toContain('--shared.leaves 10000 [2000]');
  });

  it('sets watch.n like any scenario parameter, and only watch, identity, shared and dynamic go without a Dask side', () => {
    expect(parseArgs(['--watch.n', '20000']).params.watch).toEqual({ n: 20_000 });
    expect(parseArgs(['--quick', '--watch.n=500', '--scenarios', 'watch'])).toMatchObject({
      scenarios: ['watch'],
      params: { watch: { n: 500 }, wide: QUICK_PARAMS.wide },
    });
    expect(usage()).toContain('--watch.n 100000 [10000]');
    expect(SCENARIOS.filter((scenario) => !hasDaskSide(scenario))).toEqual(['watch', 'identity', 'shared', 'dynamic']);
  });

  it('--quick takes the quick parameters and repeats', () => {
    const options = parseArgs(['--quick']);
    expect(options.params).toEqual(QUICK_PARAMS);
    expect(options.repeat).toEqual(QUICK_REPEAT);
    expect(options.quick).toBe(true);
  });

  it('explicit values win over --quick, whatever their order', () => {
    for (const argv of [['--wide.n', '500', '--quick'], ['--quick', '--wide.n=500']]) {
      const options = parseArgs(argv);
      expect(options.params.wide.n).toBe(500);
      expect(options.params.tree).toEqual(QUICK_PARAMS.tree);
    }
    expect(parseArgs(['--runs', '7', '--quick']).repeat).toEqual({ runs: 7, warmup: QUICK_REPEAT.warmup });
  });

  it('sets scenario parameters, kebab-case on the command line, camelCase inside', () => {
    const options = parseArgs(['--big.dask-leaves', '1_000', '--dedup.distinct=10', '--rerun.joblib-calls', '3']);
    expect(options.params.big).toEqual({ leaves: DEFAULT_PARAMS.big.leaves, daskLeaves: 1000 });
    expect(options.params.dedup.distinct).toBe(10);
    expect(options.params.rerun.joblibCalls).toBe(3);
    // The defaults themselves are never changed.
    expect(DEFAULT_PARAMS.big.daskLeaves).toBe(50_000);
  });

  it('selects scenarios in their canonical order', () => {
    expect(parseArgs(['--scenarios', 'tree,wide']).scenarios).toEqual(['wide', 'tree']);
    expect(parseArgs(['--scenarios=big']).scenarios).toEqual(['big']);
  });

  it('takes --fresh, --warmup 0 and --help', () => {
    const options = parseArgs(['--fresh', '--warmup', '0', '-h']);
    expect(options).toMatchObject({ fresh: true, help: true, repeat: { runs: DEFAULT_REPEAT.runs, warmup: 0 } });
    expect(usage()).toContain('--big.dask-leaves 50000 [5000]');
  });

  it.each([
    [['--runs'], '--runs', 'needs a value'],
    [['--runs', '--quick'], '--runs', 'needs a value'],
    [['--runs', '0'], '--runs', 'from 1 up'],
    [['--runs', '2.5'], '--runs', 'whole number'],
    [['--runs', '-1'], '--runs', 'whole number'],
    [['--warmup=x'], '--warmup', 'whole number'],
    [['--wide.n', '1e4'], '--wide.n', 'whole number'],
    [['--wide.n', '99999999999999999999'], '--wide.n', 'too large'],
    [['--wide.m', '5'], '--wide.m', 'unknown parameter of wide (known: n)'],
    [['--watch.runs', '5'], '--watch.runs', 'unknown parameter of watch (known: n)'],
    [['--deep.n', '5'], '--deep.n', 'unknown scenario `deep`'],
    [['--scenarios', 'wide,deep'], '--scenarios', 'unknown scenario `deep`'],
    [['--scenarios='], '--scenarios', 'needs a value'],
    [['--quick=yes'], '--quick', 'takes no value'],
    [['--speed', '3'], '--speed', 'unknown flag'],
    [['wide'], 'wide', 'unexpected argument'],
  ])('refuses %j, naming %s', (argv, flag, message) => {
    const error = usageError(argv);
    expect(error.flag).toBe(flag);
    expect(error.message).toContain(flag);
    expect(error.message).toContain(message);
  });
});
