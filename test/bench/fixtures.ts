// Side results as the measuring processes print them, for the harness's tests.
import type { ScenarioName } from '../../bench/scenarios.js';
import type { SideFailure, SideResult } from '../../bench/side-result.js';

export function side(
  side: SideResult['side'],
  scenario: ScenarioName,
  samples: Record<string, number[]>,
  answers: Record<string, number> = {},
  info: Record<string, number | string> = {},
): SideResult {
  return { side, scenario, samples, answers, info, measuredAt: '2026-01-01T00:00:00.000Z' };
}

export function failed(side: SideResult['side'], scenario: ScenarioName): SideFailure {
  return { side, scenario, error: 'the child process exited with code 1' };
}
