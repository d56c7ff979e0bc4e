/**
 * Everything one run of the harness found, as written to latest.json: the
 * machine, the options, each scenario's raw side results with its table rows
 * and agreement check, and the targets evaluated from those rows.
 */
import { checkAgreement, type Agreement } from './agreement.js';
import type { Machine } from './machine.js';
import { buildRows, type Row } from './rows.js';
import type { Repeat, ScenarioName, ScenarioParams } from './scenarios.js';
import type { SideOutcome } from './side-result.js';
import { evaluateTargets, targets, type TargetResult } from './targets.js';

export interface ScenarioReport {
  readonly scenario: ScenarioName;
  readonly params: ScenarioParams[ScenarioName];
  readonly memograph: SideOutcome | undefined;
  readonly dask: SideOutcome | undefined;
  /** The Dask baseline was read from the harness's cache, not measured in this run. */
  readonly daskFromCache: boolean;
  readonly rows: readonly Row[];
  readonly agreement: Agreement;
}

export interface Report {
  /** ISO time the run started. */
  readonly date: string;
  readonly machine: Machine;
  readonly quick: boolean;
  readonly fresh: boolean;
  readonly repeat: Repeat;
  readonly scenarios: readonly ScenarioReport[];
  readonly targets: readonly TargetResult[];
  /** Why the Dask columns are missing, if they are; not set when no scenario run has a Dask side. */
  readonly daskMissing: string | undefined;
  readonly wallSeconds: number;
}

export function scenarioReport<S extends ScenarioName>(
  scenario: S,
  params: ScenarioParams[S],
  memograph: SideOutcome | undefined,
  dask: SideOutcome | undefined,
  daskFromCache: boolean,
): ScenarioReport {
  const outcomes = { memograph, dask };
  return {
    scenario,
    params,
    memograph,
    dask,
    daskFromCache,
    rows: buildRows(scenario, params, outcomes),
    agreement: checkAgreement(scenario, params, outcomes),
  };
}

export function evaluateReport(
  scenarios: readonly ScenarioReport[],
  params: ScenarioParams,
  cores: number,
): TargetResult[] {
  return evaluateTargets(targets(params, cores), scenarios.flatMap((s) => s.rows));
}
