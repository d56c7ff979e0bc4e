import { describe, expect, it } from 'vitest';
import { formatCell, formatNumber, renderMarkdown, renderTable, renderTargets } from '../../bench/format.js';
import type { Machine } from '../../bench/machine.js';
import { evaluateReport, scenarioReport, type Report } from '../../bench/report.js';
import { DEFAULT_PARAMS } from '../../bench/scenarios.js';
import { side } from './fixtures.js';

const machine: Machine = { cpuModel: 'Test CPU', cores: 2, memoryGiB: 4, platform: 'linux', node: '20.20.2', dask: '2022.12.1', loadAtStart: 0.5 };

/** A run of watch alone: memograph only, no Dask side at all (not a failed one). */
function watchReport(): Report {
  const total = 55;
  const samples = { plain: [10, 12], events: [11, 13], progress: [10, 12], dashboard: [20, 18] };
  const answers = { plain: total, events: total, progress: total, dashboard: total, executed: 11 };
  const scenarios = [scenarioReport('watch', { n: 10 }, side('memograph', 'watch', samples, answers), undefined, false)];
  return { ...report(), scenarios, targets: evaluateReport(scenarios, DEFAULT_PARAMS, 2) };
}

function report(): Report {
  const total = 6;
  const scenarios = [
    scenarioReport('wide', { n: 3 }, side('memograph', 'wide', { workers: [0.004], main: [0.004] }, { workers: total, main: total }),
      side('dask', 'wide', { sync: [0.2], threads: [0.2] }, { sync: total, threads: 7 }), true),
  ];
  return {
    date: '2026-01-01T00:00:00.000Z',
    machine,
    quick: false,
    fresh: false,
    repeat: { runs: 1, warmup: 0 },
    scenarios,
    targets: evaluateReport(scenarios, DEFAULT_PARAMS, 2),
    daskMissing: undefined,
    wallSeconds: 12,
  };
}

describe('bench output', () => {
  it('formats numbers to about three significant digits', () => {
    expect(formatNumber(1234.5)).toBe('1,235');
    expect(formatNumber(38.24)).toBe('38.2');
    expect(formatNumber(4.714)).toBe('4.71');
    expect(formatCell({ median: 2, min: 1, max: 3, runs: 3 })).toBe('2.00 (1.00–3.00)');
    expect(formatCell('missing')).toBe('missing');
    expect(formatCell('n/a')).toBe('—');
  });

  it('prints every row with its ratio, target and verdict, and flags disagreeing answers', () => {
    const table = renderTable(report());
    expect(table.split('\n')[0]).toMatch(/^scenario\s+memograph\s+Dask sync\s+Dask threads\s+ratio\s+target\s+met\?$/);
    expect(table).toMatch(/wide · workers, µs\/task \[ANSWERS DISAGREE\]\s+1.00\s+50.0\s+50.0\s+50.0× threads\s+≥ 20×\s+met/);
    expect(table).toMatch(/wide · main thread.*50.0× sync\s+≥ 30×\s+met/);
  });

  it('shows a memograph-only scenario with empty Dask columns and no targets', () => {
    const r = watchReport();
    expect(r.scenarios[0]!.agreement.ok).toBe(true);
    const table = renderTable(r);
    // 11 tasks: 10 ms and 12 ms are 909 and 1,091 µs per task.
    expect(table).toMatch(/^watch · plain \(unwatched\), µs\/task\s+1,000 \(909–1,091\)\s+—\s+—\s+—\s+—\s+—$/m);
    expect(table).toMatch(/^watch · dashboard, no page open, × plain\s+1.75 \(1.50–2.00\)\s+—\s+—\s+—\s+—\s+—$/m);
    expect(table).toMatch(/^watch · no-op onEvent, extra µs\/task\s+90.9\s+—/m);
    expect(table).not.toContain('missing');
    expect(renderTargets(r)).toBe('No targets apply to the scenarios run.');
    const md = renderMarkdown(r);
    expect(md).toContain('| watch · progress, plain lines, × plain | 1.00 | — | — | — | — | — |');
    expect(md).toContain('## Targets: 0 of 0 met\n\nNo targets apply to the scenarios run.\n');
    expect(md).toContain('- watch: memograph only, no Dask side');
    expect(md).not.toContain('DISAGREEMENT');
    expect(md).not.toContain('Dask baseline from the cache');
  });

  it('writes a markdown table, a line per target and the notes', () => {
    const md = renderMarkdown(report());
    expect(md).toContain('on Test CPU, 2 cores, 4 GiB');
    expect(md).toContain('| wide · workers, µs/task [ANSWERS DISAGREE] | 1.00 | 50.0 | 50.0 | 50.0× threads | ≥ 20× | met |');
    expect(md).toContain('## Targets: 2 of 2 met');
    expect(md).toContain('- met: wide on worker threads: at least 20× Dask threads per task — measured 50.0×');
    expect(md).toContain('DISAGREEMENT: dask wide: `threads` is 7, expected 6');
    expect(md).toContain('wide: Dask baseline from the cache, measured 2026-01-01T00:00:00.000Z.');
  });
});
