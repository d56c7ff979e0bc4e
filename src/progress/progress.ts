/**
 * Progress of a run in a terminal, like dask's ProgressBar: on a TTY a live bar
 * (done of total, cached, running, failed, elapsed) drawn by cli-progress; in
 * CI or when piped, a plain line every few seconds, and always a last line when
 * the run ends.
 */
import cliProgress from 'cli-progress';
import type { Run } from '../run.js';
import type { RunCounts } from '../scheduler/state.js';

export interface ProgressOptions {
  /**
   * Where to draw.
   * @default process.stderr
   */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
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

/** Show the progress of `run` until it ends. */
export function showProgress(run: Run<unknown[]>, options: ProgressOptions = {}): void {
  const stream = options.stream ?? process.stderr;
  const started = Date.now();
  const elapsed = () => ((Date.now() - started) / 1000).toFixed(1);
  const finished = (counts: RunCounts) => counts.states.done + counts.states.cached + counts.states.failed + counts.states.skipped;
  // What running tasks said of themselves (reportProgress), newest last.
  const reported = new Map<string, string>();
  const stopHearing = run.onEvent((event) => {
    if (event.type === 'progress') {
      reported.delete(event.cid);
      reported.set(event.cid, `${event.name} ${Math.round(event.fraction * 100)}%${event.message ? ` ${event.message}` : ''}`);
    } else if (event.type === 'finished' || event.type === 'failed') reported.delete(event.cid);
  });
  const said = () => {
    if (reported.size === 0) return '';
    const last = [...reported.values()].pop()!;
    return ` | ${last}${reported.size > 1 ? ` (+${reported.size - 1} more)` : ''}`;
  };
  const details = (counts: RunCounts) =>
    `cached ${counts.cached} | running ${counts.states.running} | failed ${counts.failed}${counts.states.running > 0 ? said() : ''}`;

  const whenSettled = (done: () => void) => {
    const end = () => {
      stopHearing();
      done();
    };
    void run.settled.then(end, end);
  };
  if (options.interactive ?? (stream.isTTY === true && !process.env.CI)) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: '{bar} {value}/{total} | {details} | {elapsed}s',
        hideCursor: true,
        clearOnComplete: false,
        fps: 10,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(0, 0, { details: '', elapsed: '0.0' });
    const stop = run.subscribe((snapshot) => {
      bar.setTotal(snapshot.counts.total);
      bar.update(finished(snapshot.counts as RunCounts), { details: details(snapshot.counts as RunCounts), elapsed: elapsed() });
    });
    whenSettled(() => {
      stop();
      const counts = run.counts;
      bar.setTotal(counts.total);
      bar.update(finished(counts), { details: details(counts), elapsed: elapsed() });
      bar.stop();
    });
    return;
  }

  const line = (counts: RunCounts) => stream.write(`[memograph] ${finished(counts)}/${counts.total} done | ${details(counts)} | ${elapsed()}s\n`);
  const timer = setInterval(() => line(run.counts), (options.plainIntervalSeconds ?? 5) * 1000);
  timer.unref();
  whenSettled(() => {
    clearInterval(timer);
    line(run.counts);
  });
}
