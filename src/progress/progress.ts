/**
 * Progress of a run in a terminal, like dask's ProgressBar: on a TTY a live line at the
 * bottom of the terminal (a bar, percent, done of total, cached, what is running, failed,
 * elapsed, and an estimate of what is left once there is one), which the process's other
 * output goes above (bottom-line.ts); in CI or when piped, a plain line every few
 * seconds, and always a last line when the run ends. Nothing is drawn before the run
 * knows how many nodes it has. A cluster run has a second line, above the bar, on its
 * workers (cluster-line.ts); a plain log tells it when the workers change and at the end.
 */
import type { Run } from '../run.js';
import type { RunEvent } from '../scheduler/events.js';
import type { RunCounts } from '../scheduler/state.js';
import { BottomLine } from './bottom-line.js';
import { clusterLine, clusterMembers } from './cluster-line.js';

export interface ProgressOptions {
  /**
   * Where to draw.
   * @default process.stderr
   */
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /**
   * Draw a live bar (true) or plain lines (false).
   * @default a bar on a terminal, plain lines in CI (the CI variable is set) or when piped
   */
  interactive?: boolean;
  /**
   * Seconds between plain lines.
   * @default 5
   */
  plainIntervalSeconds?: number;
}

const BAR_WIDTH = 20;
/** Running functions named on the line; the rest are counted. */
const NAMED_RUNNING = 2;
/** An estimate of what is left needs this much of the run behind it. */
const ESTIMATE_AFTER = { seconds: 1, fraction: 0.05 };

/** Show the progress of `run` until it ends. */
export function showProgress(run: Run<unknown[]>, options: ProgressOptions = {}): void {
  const stream = options.stream ?? process.stderr;
  const started = Date.now();
  const seconds = () => (Date.now() - started) / 1000;
  const finished = (counts: RunCounts) => counts.states.done + counts.states.cached + counts.states.failed + counts.states.skipped;
  // What running tasks said of themselves (reportProgress).
  const reported = new Map<string, string>();
  // A cluster run's workers, as its latest `cluster` event told them.
  let cluster: Extract<RunEvent, { type: 'cluster' }>['workers'] | undefined;
  const stopHearing = run.onEvent((event) => {
    if (event.type === 'cluster') cluster = event.workers;
    else if (event.type === 'progress') reported.set(event.cid, `${Math.round(event.fraction * 100)}%${event.message ? ` ${event.message}` : ''}`);
    else if (event.type === 'finished' || event.type === 'failed') reported.delete(event.cid);
  });
  const running = () => {
    const now = run.status().running;
    if (now.length === 0) return 'running 0';
    // Newest first, and calls of one function that say nothing of themselves as one entry: `step ×4`.
    const groups = new Map<string, number>();
    for (const { cid, name } of [...now].reverse()) {
      const label = reported.has(cid) ? `${name} ${reported.get(cid)}` : name;
      groups.set(label, (groups.get(label) ?? 0) + 1);
    }
    const shown = [...groups].slice(0, NAMED_RUNNING);
    const rest = now.length - shown.reduce((n, [, count]) => n + count, 0);
    const named = shown.map(([label, count]) => (count > 1 ? `${label} ×${count}` : label));
    return `running ${now.length}: ${named.join(', ')}${rest > 0 ? ` (+${rest})` : ''}`;
  };
  const line = (counts: RunCounts) => {
    const done = finished(counts);
    const fraction = counts.total === 0 ? 0 : done / counts.total;
    const elapsed = seconds();
    const left =
      done < counts.total && elapsed >= ESTIMATE_AFTER.seconds && fraction >= ESTIMATE_AFTER.fraction
        ? ` | about ${duration((elapsed * (1 - fraction)) / fraction)} left`
        : '';
    return {
      fraction,
      text: `${done}/${counts.total} (${Math.floor(fraction * 100)}%) | cached ${counts.cached} | ${running()} | failed ${counts.failed} | ${elapsed.toFixed(1)}s${left}`,
    };
  };
  const whenSettled = (done: () => void) => {
    const end = () => {
      stopHearing();
      done();
    };
    void run.settled.then(end, end);
  };

  if (options.interactive ?? (stream.isTTY === true && !process.env.CI)) {
    const others = [process.stdout, process.stderr].filter((other) => other !== stream && (other as { isTTY?: boolean }).isTTY);
    let bottom: BottomLine | undefined;
    const draw = (counts: RunCounts) => {
      if (counts.total === 0) return; // not explored yet: no empty bar
      bottom ??= new BottomLine(stream, others);
      const { fraction, text } = line(counts);
      const filled = Math.round(fraction * BAR_WIDTH);
      const bar = `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)} ${text}`;
      bottom.draw(cluster ? [clusterLine(cluster), bar] : [bar]);
    };
    const stop = run.subscribe((snapshot) => draw(snapshot.counts as RunCounts));
    // Between snapshots the clock and the estimate still move.
    const timer = setInterval(() => draw(run.counts), 500);
    timer.unref();
    whenSettled(() => {
      stop();
      clearInterval(timer);
      draw(run.counts);
      bottom?.end();
    });
    return;
  }

  let members: string | undefined;
  const plain = (counts: RunCounts, last = false) => {
    if (counts.total === 0) return;
    if (cluster && (last || clusterMembers(cluster) !== members)) {
      members = clusterMembers(cluster);
      stream.write(`[memograph] ${clusterLine(cluster)}\n`);
    }
    const { text } = line(counts);
    stream.write(`[memograph] ${text.replace(/^(\d+\/\d+)/, '$1 done')}\n`);
  };
  const timer = setInterval(() => plain(run.counts), (options.plainIntervalSeconds ?? 5) * 1000);
  timer.unref();
  whenSettled(() => {
    clearInterval(timer);
    plain(run.counts, true);
  });
}

/** 3s, 2m 05s, 1h 04m. */
function duration(totalSeconds: number): string {
  const s = Math.max(1, Math.round(totalSeconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
