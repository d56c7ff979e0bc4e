/**
 * The run's results as text: the table printed on stdout and latest.md. Both
 * show the same rows; the markdown adds a line per target (met or missed, with
 * the figure it was judged on) and where the figures came from.
 */
import { isFigure, type Cell, type Row } from './rows.js';
import type { Report } from './report.js';
import { isFailure } from './side-result.js';
import type { TargetResult } from './targets.js';

/** Three significant digits or so, thousands grouped: 38.2, 4.71, 1,234. */
export function formatNumber(value: number): string {
  const magnitude = Math.abs(value);
  const digits = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : 2;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function formatCell(cell: Cell): string {
  if (!isFigure(cell)) return cell === 'missing' ? 'missing' : '—';
  if (cell.runs === 1 || cell.min === cell.max) return formatNumber(cell.median);
  return `${formatNumber(cell.median)} (${formatNumber(cell.min)}–${formatNumber(cell.max)})`;
}

export function formatRatio(row: Row): string {
  if (row.baseline === undefined) return '—';
  return row.ratio === undefined ? 'missing' : `${formatNumber(row.ratio)}× ${row.baselineName}`;
}

function formatTargetValue(target: TargetResult, row: Row | undefined): string {
  if (target.value === undefined) return 'no figure';
  if (target.on === 'ratio' || row?.unit === '×') return `${formatNumber(target.value)}×`;
  return `${formatNumber(target.value)} ${row?.unit ?? ''}`.trim();
}

/** A run of scenarios without targets (watch alone) says so, instead of an empty list. */
const NO_TARGETS = 'No targets apply to the scenarios run.';

const HEADER = ['scenario', 'memograph', 'Dask sync', 'Dask threads', 'ratio', 'target', 'met?'];

function tableCells(report: Report): string[][] {
  return report.scenarios.flatMap((s) =>
    s.rows.map((row) => {
      const own = report.targets.filter((t) => t.rowId === row.id);
      const label = s.agreement.ok ? row.label : `${row.label} [ANSWERS DISAGREE]`;
      return [
        label,
        formatCell(row.memograph),
        formatCell(row.daskSync),
        formatCell(row.daskThreads),
        formatRatio(row),
        own.map((t) => t.short).join('; ') || '—',
        own.map((t) => t.status).join('; ') || '—',
      ];
    }),
  );
}

export function renderTable(report: Report): string {
  const rows = [HEADER, ...tableCells(report)];
  const widths = HEADER.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** The lines after the table: the legend, and anything that qualifies the figures. */
export function notes(report: Report): string[] {
  const out = [
    'Figures are the median of the timed runs, with min–max. The ratio is how many times better memograph is than the named baseline (above 1: memograph wins).',
    'rerun: the Dask sync column is a warm joblib.Memory call (per call); hash: dask.base.tokenize; build: building the same graph with dask.delayed(pure=True); big: Dask runs a smaller tree, compared per node.',
  ];
  if (report.scenarios.some((s) => ['wide', 'tree', 'rerun', 'hash', 'build'].includes(s.scenario))) {
    out.push(
      'floor rows: what the machine costs with no engine around it, measured in turns with the engine figure in the same repeats (bench/floors.ts): ' +
        'wide and tree, the same count of tiny tasks on a bare piscina pool of as many threads, 100 tasks a message, all messages in flight at once; ' +
        'hash, node:crypto sha256 of the same bytes on one core; build and rerun, one sha256 of a 100-byte record per node (rerun: in its fresh process, ' +
        'after the re-run, beside a LevelDB getMany of 10,000 keys). "× floor" is the engine figure over the floor, run by run.',
    );
  }
  if (report.scenarios.some((s) => s.scenario === 'rerun')) {
    out.push(
      'rerun · what value keys add: the filled cache copied twice, as it is and without the records stored under value keys, both compacted; ' +
        'each run re-runs the tree from both in fresh processes, and the figure is the difference per node.',
    );
  }
  if (report.scenarios.some((s) => s.scenario === 'watch')) {
    out.push(
      'watch: memograph only, no Dask side: the wide graph on worker threads, unwatched and under each watcher; ' +
        'each watcher is compared with the unwatched run of the same repeat.',
    );
  }
  if (report.scenarios.some((s) => s.scenario === 'shared')) {
    out.push(
      'shared: memograph only, no Dask side: the tree on worker threads, computed by 1, 2 and 4 processes at once on one fresh cache directory, ' +
        'each process its own tree and then all of them the same tree; timed from the first process starting to compute to the last one finishing ' +
        '(process start-up excluded), and compared with the single process of the same repeat.',
    );
  }
  if (report.scenarios.some((s) => s.scenario === 'dynamic')) {
    out.push(
      'dynamic: memograph only, no Dask side: graphs of .get nodes, of unpacked nodes and of nodes a worker task returned, each per node against the plain graph ' +
        'of its size in the same repeat (build and run, no cache); and the tree re-run from a filled cache in the same process, found by its call, ' +
        'and over a cache: false input, where every node is looked up by its inputs\u2019 values.',
    );
  }
  if (report.scenarios.some((s) => s.scenario === 'cluster')) {
    out.push(
      'cluster: two `memograph worker` processes of one slot each over a loopback Redis, against Dask distributed\u2019s LocalCluster of two one-thread worker ' +
        'processes (its figures in the Dask threads column; Dask runs smaller wide and tree graphs, compared per task); chain: once inc is known to be short the coordinator fuses steps into batches, and the unfused row is a chain of incs with a time limit, each of which travels alone: one batch per step; cpu: the same tasks on one local thread, ' +
        'or Dask sync, against the cluster; recovery: from kill -9 of the worker running a task (the other idle) to the task starting on the other; ' +
        'duplicates: tasks the workers report running beyond those the coordinator counted, over every run without a fault.',
    );
  }
  if (report.daskMissing) out.push(`Dask columns are missing: ${report.daskMissing}.`);
  for (const s of report.scenarios) {
    for (const side of [s.memograph, s.dask]) if (isFailure(side)) out.push(`${side.side} ${s.scenario} failed: ${side.error}`);
    for (const problem of s.agreement.problems) out.push(`DISAGREEMENT: ${problem}`);
    if (s.daskFromCache && s.dask && !isFailure(s.dask)) out.push(`${s.scenario}: Dask baseline from the cache, measured ${s.dask.measuredAt}.`);
  }
  return out;
}

function targetLine(target: TargetResult, report: Report): string {
  const row = report.scenarios.flatMap((s) => s.rows).find((r) => r.id === target.rowId);
  const mark = target.status === 'met' ? 'met' : target.status === 'missed' ? '**missed**' : 'no data';
  return `- ${mark}: ${target.text} — measured ${formatTargetValue(target, row)}`;
}

export function renderMarkdown(report: Report): string {
  const m = report.machine;
  const versions = [`Node ${m.node}`, m.dask ? `Dask ${m.dask}` : 'Dask missing', m.joblib && `joblib ${m.joblib}`, m.python && `Python ${m.python}`]
    .filter(Boolean)
    .join(', ');
  const rows = tableCells(report);
  const table = [
    `| ${HEADER.join(' | ')} |`,
    `|${HEADER.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((cells) => `| ${cells.join(' | ')} |`),
  ];
  const met = report.targets.filter((t) => t.status === 'met').length;
  return [
    '# memograph vs Dask: benchmark results',
    '',
    `Run ${report.date} on ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB (${m.platform}); ${versions}.`,
    `Load average when the run started: ${m.loadAtStart}. ${report.quick ? '`--quick` parameters. ' : ''}` +
      `${report.repeat.runs} timed runs after ${report.repeat.warmup} warm-up; the run took ${Math.round(report.wallSeconds)} s.`,
    'Produced by `npm run bench` (bench/run.ts); the raw samples are in the JSON file next to this one.',
    '',
    ...table,
    '',
    `## Targets: ${met} of ${report.targets.length} met`,
    '',
    ...(report.targets.length === 0 ? [NO_TARGETS] : report.targets.map((t) => targetLine(t, report))),
    '',
    '## Notes',
    '',
    ...notes(report).map((n) => `- ${n}`),
    '',
  ].join('\n');
}

export function renderTargets(report: Report): string {
  if (report.targets.length === 0) return NO_TARGETS;
  return report.targets.map((t) => targetLine(t, report).replaceAll('**', '')).join('\n');
}
