/**
 * What one side (memograph or Dask) reports for one scenario. Both sides print
 * this shape as JSON, so the report code never needs to know which side spoke.
 *
 * Sample keys by scenario (all in ms unless named otherwise):
 *   wide, tree   memograph: workers, main, build      Dask: sync, threads, build, buildThreads
 *   chain, dedup memograph: workers, build            Dask: sync, threads, build, buildThreads
 *                (build: building the graph of the run timed next to it, for sync runs on Dask's side)
 *   rerun        memograph: rerun (build + cached compute, fresh process), rerunBuild, rerunCompute
 *                Dask: joblib (all `joblibCalls` warm joblib.Memory calls)
 *   cpu          memograph: one (1 worker), all (every core)   Dask: sync, threads
 *   hash         memograph: hash                      Dask: tokenize
 *   build        both: build
 *   big          memograph: total, build, compute, rssBytes    Dask: total, rssBytes
 *   watch        memograph: plain, events, progress, dashboard (the run alone; watchers.ts)   no Dask side
 *   identity     memograph: cold, fresh, edited, warmUs (µs), files                            no Dask side
 *   shared       memograph: own1, own2, own4, same2, same4, sameNDuplicates (tasks),
 *                ownN/sameN Leader and Follower (shared-variants.ts)                          no Dask side
 */
import type { ScenarioName } from './scenarios.js';

export type Side = 'memograph' | 'dask';

export interface SideResult {
  readonly side: Side;
  readonly scenario: ScenarioName;
  /** One value per timed run, by variant. */
  readonly samples: Record<string, number[]>;
  /** What the side computed, by variant (and counts such as `executed`), for the agreement check. */
  readonly answers: Record<string, number>;
  /** Context worth keeping in latest.json: calibrated iteration counts, hasher, node counts. */
  readonly info: Record<string, string | number | boolean>;
  /** ISO time of the measurement: a Dask baseline served from the cache keeps its own. */
  readonly measuredAt: string;
}

/** A side that could not be measured: Dask missing, or a child process that failed. */
export interface SideFailure {
  readonly side: Side;
  readonly scenario: ScenarioName;
  readonly error: string;
}

export type SideOutcome = SideResult | SideFailure;

export function isFailure(outcome: SideOutcome | undefined): outcome is SideFailure {
  return outcome !== undefined && 'error' in outcome;
}

/** Merge results of one process per run (rerun, big) into one result. */
export function mergeRuns(parts: readonly SideResult[]): SideResult {
  const first = parts[0];
  if (!first) throw new RangeError('no runs to merge');
  const samples: Record<string, number[]> = {};
  for (const part of parts) {
    for (const [key, values] of Object.entries(part.samples)) (samples[key] ??= []).push(...values);
  }
  // Answers must agree run to run; a run that disagrees keeps its answer under a suffixed key, for the check to see.
  const answers: Record<string, number> = { ...first.answers };
  parts.forEach((part, i) => {
    for (const [key, value] of Object.entries(part.answers)) {
      // A key the first run did not answer (another variant's run) is that run's own answer.
      if (!(key in answers)) answers[key] = value;
      else if (answers[key] !== value) answers[`${key}#${i}`] = value;
    }
  });
  return { ...first, samples, answers, measuredAt: parts[parts.length - 1]!.measuredAt };
}
