/**
 * `npm run bench`: memograph side by side with Dask (issue 3).
 *
 * The harness is a memograph program. Every measurement is a delayed task
 * (tasks.ts), computed with the harness's own cache in bench/.cache: Dask's
 * baselines come back from it while nothing they depend on has changed, and
 * memograph's are `cache: false`, measured afresh every time. Measurements run
 * one at a time (one run per task, `workers: 1`), since two at once would
 * disturb each other, and each in a process of its own. A memograph-only
 * scenario (watch: memograph against itself) has no Dask task at all.
 *
 * Writes bench/results/latest.{json,md} (--quick: quick.{json,md}; only some
 * --scenarios: partial.{json,md}). Exit code
 * 2 for a malformed command line, 1 when a side failed or the sides' answers
 * disagree; missed targets are results, not failures.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TaskError, shutdown, startRun, type Delayed } from '../src/index.js';
import { acquireStore } from '../src/store/open.js';
import { renderMarkdown, renderTable, renderTargets, notes } from './format.js';
import { describeMachine } from './machine.js';
import { UsageError, parseArgs, usage, type BenchOptions } from './params.js';
import { INSTALL_HINT, probeDask } from './python.js';
import { evaluateReport, scenarioReport, type Report, type ScenarioReport } from './report.js';
import { SCENARIOS, hasDaskSide, type ScenarioName } from './scenarios.js';
import { isFailure, type Side, type SideOutcome, type SideResult } from './side-result.js';
import { DASK_SIDE, daskTask, memographTask } from './tasks.js';

const CACHE_DIR = fileURLToPath(new URL('./.cache', import.meta.url));
const RESULTS_DIR = fileURLToPath(new URL('./results', import.meta.url));

interface Measured {
  readonly outcome: SideOutcome;
  readonly cached: boolean;
}

async function measure(task: Delayed<SideResult>, side: Side, scenario: ScenarioName): Promise<Measured> {
  const started = performance.now();
  process.stderr.write(`  ${scenario.padEnd(6)} ${side.padEnd(10)} `);
  const run = startRun([task], { workers: 1, cacheDir: CACHE_DIR });
  try {
    const [result] = await run.result;
    const cached = run.counts.cached > 0;
    const took = ((performance.now() - started) / 1000).toFixed(1);
    process.stderr.write(cached ? `from the cache (measured ${result.measuredAt})\n` : `${took} s\n`);
    return { outcome: result, cached };
  } catch (error) {
    const message = error instanceof TaskError ? error.originalMessage : String(error);
    process.stderr.write(`FAILED\n${message}\n`);
    return { outcome: { side, scenario, error: message }, cached: false };
  }
}

/** --fresh: drop the cached results of exactly these Dask tasks, so they run again and store new ones. */
async function forget(cids: readonly string[]): Promise<void> {
  if (!existsSync(CACHE_DIR)) return;
  // As one more process on the harness's cache: it may be in use by another bench.
  const lease = await acquireStore(CACHE_DIR);
  try {
    for (const cid of cids) await lease.store.deleteRecord(cid);
  } finally {
    await lease.release();
  }
}

async function bench(options: BenchOptions): Promise<Report> {
  const started = performance.now();
  const date = new Date().toISOString();
  // Probed even when no scenario run has a Dask side: the results name the machine's Dask either way.
  const dask = await probeDask();
  const daskWanted = options.scenarios.some(hasDaskSide);
  if (!dask.ok && daskWanted) {
    process.stderr.write(
      `Dask is not available: ${dask.reason}.\nInstall it (Debian) with:\n  ${INSTALL_HINT}\nMeasuring memograph's side only.\n`,
    );
  }
  const machine = describeMachine(dask);
  const key = dask.ok ? { script: readFileSync(DASK_SIDE, 'utf8'), dask: dask.dask, cpuModel: machine.cpuModel } : undefined;
  const plan = options.scenarios.map((scenario) => {
    const params = options.params[scenario];
    return {
      scenario,
      memograph: memographTask(scenario, params, options.repeat),
      // No Dask task for a memograph-only scenario: its Dask columns are `—`, not `missing`.
      dask: key && hasDaskSide(scenario) ? daskTask(scenario, params, options.repeat, key) : undefined,
    };
  });
  if (options.fresh) await forget(plan.flatMap((p) => (p.dask ? [p.dask.cid] : [])));

  process.stderr.write(`Measuring ${options.scenarios.join(', ')} (${options.repeat.runs} runs after ${options.repeat.warmup} warm-up)\n`);
  const scenarios: ScenarioReport[] = [];
  for (const step of plan) {
    const memograph = await measure(step.memograph, 'memograph', step.scenario);
    const measured = step.dask ? await measure(step.dask, 'dask', step.scenario) : undefined;
    scenarios.push(
      scenarioReport(step.scenario, options.params[step.scenario], memograph.outcome, measured?.outcome, measured?.cached ?? false),
    );
  }
  return {
    date,
    machine,
    quick: options.quick,
    fresh: options.fresh,
    repeat: options.repeat,
    scenarios,
    targets: evaluateReport(scenarios, options.params, machine.cores),
    daskMissing: dask.ok || !daskWanted ? undefined : `${dask.reason}; install with \`${INSTALL_HINT}\``,
    wallSeconds: (performance.now() - started) / 1000,
  };
}

function write(report: Report): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  // latest.* is the full run the README links: a run of some scenarios must not replace it.
  const name = report.quick ? 'quick' : report.scenarios.length < SCENARIOS.length ? 'partial' : 'latest';
  writeFileSync(`${RESULTS_DIR}/${name}.json`, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(`${RESULTS_DIR}/${name}.md`, renderMarkdown(report));
  return `bench/results/${name}.{json,md}`;
}

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`bench: ${error.message}\nUsage: ${usage()}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  try {
    const report = await bench(options);
    const where = write(report);
    process.stdout.write(`\n${renderTable(report)}\n\n${renderTargets(report)}\n\n${notes(report).join('\n')}\n`);
    process.stderr.write(`\nWrote ${where} in ${Math.round(report.wallSeconds)} s.\n`);
    const broken = report.scenarios.some(
      (s) => !s.agreement.ok || isFailure(s.memograph) || (isFailure(s.dask) && !report.daskMissing),
    );
    return broken ? 1 : 0;
  } finally {
    await shutdown();
  }
}

process.exitCode = await main();
