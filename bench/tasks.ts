/**
 * The harness's own graph: one delayed task per scenario and side. Each task
 * starts the measuring process(es) and returns their SideResult.
 *
 * memograph's measurements are `cache: false`: the engine under test changes
 * between runs, and its figures must be of the engine as it is now. Dask's
 * baselines are cached by content: their arguments carry everything that
 * changes what Dask would measure (dask_side.py's source, the Dask version,
 * the parameters and repeats, the CPU model), so an unchanged baseline is read
 * back instead of spending minutes re-measuring it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { delayed } from '../src/index.js';
import { runChild } from './child.js';
import type { MemographJob } from './memograph-side.js';
import { PYTHON } from './python.js';
import type { Repeat, ScenarioName, ScenarioParams } from './scenarios.js';
import { mergeRuns, type SideResult } from './side-result.js';
import { valueKeyCopies, type ValueKeyCopies } from './value-key-copies.js';

const MEMOGRAPH_SIDE = fileURLToPath(new URL('./memograph-side.ts', import.meta.url));
export const DASK_SIDE = fileURLToPath(new URL('./dask_side.py', import.meta.url));

type Params = ScenarioParams[ScenarioName];

function memographChild(job: MemographJob): Promise<SideResult> {
  const label = `memograph ${job.scenario}${job.phase ? ` (${job.phase})` : ''}`;
  return runChild(process.execPath, ['--import', 'tsx', MEMOGRAPH_SIDE, JSON.stringify(job)], label) as Promise<SideResult>;
}

/** Warm-up processes, then one process per timed run: for figures only a fresh process shows. */
async function processPerRun(repeat: Repeat, run: () => Promise<SideResult>): Promise<SideResult> {
  for (let i = 0; i < repeat.warmup; i++) await run();
  const parts: SideResult[] = [];
  for (let i = 0; i < repeat.runs; i++) parts.push(await run());
  return mergeRuns(parts);
}

export async function measureMemograph(scenario: ScenarioName, params: Params, repeat: Repeat): Promise<SideResult> {
  const once = { runs: 1, warmup: 0 };
  if (scenario === 'big') {
    // The default run (cache on) and the same graph with `cache: false` take turns, each in a fresh process.
    return processPerRun(repeat, async () =>
      mergeRuns([await memographChild({ scenario, params, repeat: once }), await memographChild({ scenario, params, repeat: once, cached: true })]),
    );
  }
  if (scenario === 'rerun') {
    const cacheDir = mkdtempSync(join(tmpdir(), 'memograph-bench-rerun-'));
    let copies: ValueKeyCopies | undefined;
    try {
      await memographChild({ scenario, params, repeat: once, phase: 'populate', cacheDir });
      copies = await valueKeyCopies(cacheDir);
      const { keyed, unkeyed } = copies;
      const measure = (dir: string, variant?: 'keyed' | 'unkeyed') =>
        memographChild({ scenario, params, repeat: once, phase: 'measure', cacheDir: dir, ...(variant ? { variant } : {}) });
      // The three caches take turns, run by run.
      return await processPerRun(repeat, async () => mergeRuns([await measure(cacheDir), await measure(keyed, 'keyed'), await measure(unkeyed, 'unkeyed')]));
    } finally {
      copies?.remove();
      rmSync(cacheDir, { recursive: true, force: true });
    }
  }
  return memographChild({ scenario, params, repeat });
}

/** What Dask's figures depend on besides the scenario: any change re-measures. */
export interface DaskKey {
  readonly script: string;
  readonly dask: string;
  readonly cpuModel: string;
}

export async function measureDask(scenario: ScenarioName, params: Params, repeat: Repeat, key: DaskKey): Promise<SideResult> {
  void key; // Only part of the task's content address.
  const job = (r: Repeat) => JSON.stringify({ scenario, params, repeat: r });
  const run = (r: Repeat) => runChild(PYTHON, [DASK_SIDE, job(r)], `dask ${scenario}`) as Promise<SideResult>;
  return scenario === 'big' ? processPerRun(repeat, () => run({ runs: 1, warmup: 0 })) : run(repeat);
}

export const memographTask = delayed(measureMemograph, { module: import.meta.url, cache: false });
export const daskTask = delayed(measureDask, { module: import.meta.url });
