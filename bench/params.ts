/**
 * The command line of `npm run bench`:
 *
 *   --quick                 smaller parameters and fewer runs (a smoke check)
 *   --fresh                 re-measure the Dask baselines even if cached
 *   --scenarios wide,tree   run only these scenarios
 *   --runs 5 --warmup 1     timed runs per variant, untimed runs before them
 *   --wide.n 10000          any scenario parameter, as --<scenario>.<param>
 *
 * Values may follow as the next argument or after `=`. Explicit values win over
 * `--quick` whatever their order. Anything malformed is a UsageError naming the
 * flag; run.ts prints it and exits with code 2.
 */
import {
  DEFAULT_PARAMS,
  DEFAULT_REPEAT,
  QUICK_PARAMS,
  QUICK_REPEAT,
  SCENARIOS,
  isScenario,
  type Repeat,
  type ScenarioName,
  type ScenarioParams,
} from './scenarios.js';

export interface BenchOptions {
  readonly quick: boolean;
  readonly fresh: boolean;
  readonly help: boolean;
  /** In the order of SCENARIOS, whatever the order on the command line. */
  readonly scenarios: readonly ScenarioName[];
  readonly repeat: Repeat;
  readonly params: ScenarioParams;
}

export class UsageError extends Error {
  readonly flag: string;
  constructor(flag: string, message: string) {
    super(`${flag}: ${message}`);
    this.name = 'UsageError';
    this.flag = flag;
  }
}

const SWITCHES = new Set(['--quick', '--fresh', '--help']);

export function parseArgs(argv: readonly string[]): BenchOptions {
  const switches = new Set<string>();
  let scenarios: ScenarioName[] | undefined;
  const repeat: { runs?: number; warmup?: number } = {};
  const overrides: [ScenarioName, string, number][] = [];

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h') {
      switches.add('--help');
      continue;
    }
    if (!arg.startsWith('--')) throw new UsageError(arg, 'unexpected argument: flags start with `--` (see --help)');
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    if (SWITCHES.has(flag)) {
      if (eq !== -1) throw new UsageError(flag, 'takes no value');
      switches.add(flag);
      continue;
    }
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) value = argv[++i];
    if (value === undefined || value === '') throw new UsageError(flag, 'needs a value');

    if (flag === '--runs') repeat.runs = integer(flag, value, 1);
    else if (flag === '--warmup') repeat.warmup = integer(flag, value, 0);
    else if (flag === '--scenarios') scenarios = scenarioList(flag, value);
    else overrides.push(scenarioParam(flag, value));
  }

  const quick = switches.has('--quick');
  const base = quick ? QUICK_PARAMS : DEFAULT_PARAMS;
  const params = structuredClone(base);
  for (const [scenario, key, value] of overrides) (params[scenario] as unknown as Record<string, number>)[key] = value;
  const defaults = quick ? QUICK_REPEAT : DEFAULT_REPEAT;
  return {
    quick,
    fresh: switches.has('--fresh'),
    help: switches.has('--help'),
    scenarios: scenarios ?? [...SCENARIOS],
    repeat: { runs: repeat.runs ?? defaults.runs, warmup: repeat.warmup ?? defaults.warmup },
    params,
  };
}

/** A whole number from `min` up; `10_000` is accepted for readability. */
function integer(flag: string, text: string, min: number): number {
  if (!/^\d+(_\d+)*$/.test(text)) throw new UsageError(flag, `expected a whole number, got \`${text}\``);
  const value = Number(text.replaceAll('_', ''));
  if (!Number.isSafeInteger(value)) throw new UsageError(flag, `\`${text}\` is too large`);
  if (value < min) throw new UsageError(flag, `expected a number from ${min} up, got ${value}`);
  return value;
}

function scenarioList(flag: string, text: string): ScenarioName[] {
  const names = text.split(',').map((name) => name.trim());
  for (const name of names) {
    if (!isScenario(name)) throw new UsageError(flag, `unknown scenario \`${name}\` (known: ${SCENARIOS.join(', ')})`);
  }
  return SCENARIOS.filter((name) => names.includes(name));
}

function scenarioParam(flag: string, text: string): [ScenarioName, string, number] {
  const match = /^--([a-z]+)\.([a-z][a-z-]*)$/.exec(flag);
  if (!match) throw new UsageError(flag, 'unknown flag (see --help)');
  const [, scenario, kebab] = match as unknown as [string, string, string];
  if (!isScenario(scenario)) throw new UsageError(flag, `unknown scenario \`${scenario}\` (known: ${SCENARIOS.join(', ')})`);
  const key = kebab.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  const known = Object.keys(DEFAULT_PARAMS[scenario]);
  if (!known.includes(key)) {
    throw new UsageError(flag, `unknown parameter of ${scenario} (known: ${known.map(kebabCase).join(', ')})`);
  }
  return [scenario, key, integer(flag, text, 1)];
}

export function kebabCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

export function usage(): string {
  const lines = [
    'npm run bench -- [flags]',
    '',
    '  --quick                 smaller parameters, fewer runs (under two minutes)',
    '  --fresh                 re-measure the Dask baselines even when cached',
    '  --scenarios a,b         only these scenarios (default: all)',
    `  --runs N                timed runs per variant (default ${DEFAULT_REPEAT.runs}, --quick ${QUICK_REPEAT.runs})`,
    `  --warmup N              untimed runs first (default ${DEFAULT_REPEAT.warmup})`,
    '  --<scenario>.<param> N  a scenario parameter; defaults (--quick in brackets):',
  ];
  for (const scenario of SCENARIOS) {
    const entries = Object.entries(DEFAULT_PARAMS[scenario]).map(([key, value]) => {
      const quick = (QUICK_PARAMS[scenario] as unknown as Record<string, number>)[key];
      return `--${scenario}.${kebabCase(key)} ${value} [${quick}]`;
    });
    lines.push(`      ${entries.join('  ')}`);
  }
  return lines.join('\n');
}
