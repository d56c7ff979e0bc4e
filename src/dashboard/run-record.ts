/**
 * What the dashboard keeps of one run: its task stream, failures, workers (and a
 * cluster run's `memograph worker`s) and, once it has ended, its counts; its rows and graph colours are its GraphStates'.
 * While the run goes on, counts and rows are read from the run when a message is
 * built; when it ends they are kept and the run is let go, so that a record
 * never keeps a run alive.
 *
 * Everything it keeps is bounded whatever the size of the run: per function and
 * per worker tallies, the latest STREAM_KEEP finished tasks, the first
 * FAILURES_KEEP failures. Bars finished since the last update are kept for it
 * apart, at most STREAM_PER_UPDATE of them (the newest; the rest are counted as
 * dropped), so a run of 100,000 quick tasks sends a page a few hundred bars per
 * update, not 100,000.
 */
import type { ClusterWorker } from '../cluster/run-workers.js';
import type { Delayed } from '../graph/delayed.js';
import type { Run } from '../run.js';
import type { RunEvent } from '../scheduler/events.js';
import type { RunCounts } from '../scheduler/state.js';
import { GraphStates, type FunctionRows } from './graph-states.js';
import type { TaskDetail } from './task-detail.js';

export const STREAM_KEEP = 2000;
export const STREAM_PER_UPDATE = 500;
export const FAILURES_KEEP = 50;
/** Worker utilisation is measured over this many most recent whole seconds. */
const UTILISATION_SECONDS = 5;

/** One task attempt in the task stream: which worker ran it, from when to when (ms since the epoch). */
export interface StreamBar {
  readonly cid: string;
  /** The task's display name. */
  readonly name: string;
  /** Its function, which colours the bar. */
  readonly fn: string;
  readonly worker: number;
  readonly start: number;
  readonly end: number;
  /** The attempt failed (for good, or before a retry). */
  readonly failed?: true;
}

/** What the stream needs of a `finished`, `failed` or `retried` event. */
interface Attempt {
  readonly cid: string;
  readonly name: string;
  readonly at: number;
  readonly durationMs?: number;
  readonly startedAt?: number;
}

export interface FailureView {
  readonly cid: string;
  readonly name: string;
  readonly code: string;
  readonly message: string;
  /** Where it was thrown, as the task's thread saw it: sent only in a task's detail. */
  readonly stack?: string;
}

export interface WorkerView {
  /** A worker's number (1 to n over the process, in the order they first ran a task); 0 is the main thread. */
  readonly id: number;
  /** Tasks of this run it ran, and for how long. */
  readonly tasks: number;
  readonly busyMs: number;
  /** Busy share of the last few seconds while the run goes on, of the whole run once it has ended; from 0 to 1. */
  readonly utilisation: number;
  /** V8 heap in use after its latest batch of this run (worker threads only). */
  readonly heapBytes?: number;
  /** On a cluster, the machine and pid of the `memograph worker` it is a thread of: `host-a pid 4711`. */
  readonly machine?: string;
}

export type RunStatusName = 'running' | 'succeeded' | 'failed';

/** A run as the page's run selector lists it. */
export interface RunSummary {
  /** Runs are numbered from 1 in the order they started. */
  readonly number: number;
  readonly status: RunStatusName;
  /** Distinct nodes the run looked at so far. */
  readonly nodes: number;
  readonly startedAt: number;
  readonly endedAt?: number;
}

/** Everything a page is told of one run. */
export interface RunView {
  readonly status: RunStatusName;
  readonly startedAt: number;
  readonly endedAt?: number;
  readonly counts: RunCounts;
  readonly functions: Readonly<FunctionRows>;
  /** Running tasks, with what each last said of its progress (reportProgress). */
  readonly running: readonly { readonly name: string; readonly since: number; readonly fraction?: number; readonly message?: string }[];
  readonly workers: readonly WorkerView[];
  readonly peakWorkerHeapBytes: number;
  readonly stream: readonly StreamBar[];
  /** Finished tasks of the run that this message leaves out to stay small: in a full message, all those not kept or not sent; in an update, those since the last. */
  readonly streamDropped: number;
  readonly failures: readonly FailureView[];
  readonly failuresTotal: number;
  /** A cluster run's `memograph worker`s, as its latest `cluster` event told them; absent for a run on this machine. */
  readonly cluster?: readonly ClusterWorker[];
}

interface WorkerTally {
  /** The thread id its task events give it, which a cluster worker's entry lists. */
  readonly threadId: number;
  tasks: number;
  busyMs: number;
  heapBytes?: number;
  /** Busy ms by whole second (ms since the epoch / 1000), for recent seconds only. */
  readonly bySecond: Map<number, number>;
}

export class RunRecord {
  readonly number: number;
  readonly startedAt = Date.now();
  readonly graph: GraphStates;
  /** The run while it goes on; let go when it ends. */
  #run: Run<unknown[]> | undefined;
  #endedAt: number | undefined;
  #failed = false;
  /** Counts and the largest worker heap when the run ended; read from the run before. */
  #finalCounts: RunCounts | undefined;
  #peakWorkerHeapBytes = 0;
  /** Worker numbers over the process: the board's, shared by every run. */
  readonly #workerNumber: (threadId: number) => number;
  readonly #workers = new Map<number, WorkerTally>();
  readonly #stream: StreamBar[] = [];
  /** Bars the run has had in all, kept or not. */
  #bars = 0;
  /** Bars finished since the last update, newest last. */
  #fresh: StreamBar[] = [];
  #freshDropped = 0;
  readonly #failures: FailureView[] = [];
  #failuresTotal = 0;
  #failuresSent = 0;
  /** What running tasks last said of their progress, by CID. */
  readonly #progress = new Map<string, { fraction: number; message?: string }>();
  /** A cluster run's workers (the latest `cluster` event), kept after the run ends. */
  #cluster: readonly ClusterWorker[] | undefined;

  constructor(number: number, run: Run<unknown[]>, targets: readonly Delayed<unknown>[], workerNumber: (threadId: number) => number) {
    this.number = number;
    this.#run = run;
    this.graph = new GraphStates(targets, run);
    this.#workerNumber = workerNumber;
  }

  get status(): RunStatusName {
    return this.#run ? 'running' : this.#failed ? 'failed' : 'succeeded';
  }

  get ended(): boolean {
    return this.#run === undefined;
  }

  get counts(): RunCounts {
    return this.#finalCounts ?? this.#run!.counts;
  }

  summary(): RunSummary {
    return {
      number: this.number,
      status: this.status,
      nodes: this.counts.total,
      startedAt: this.startedAt,
      ...(this.#endedAt !== undefined && { endedAt: this.#endedAt }),
    };
  }

  /** The run has ended: keep what the page shows of it, and let the run go. */
  end(failed: boolean): void {
    const run = this.#run;
    if (!run) return;
    this.#finalCounts = run.counts;
    this.#peakWorkerHeapBytes = run.status().peakWorkerHeapBytes;
    this.#failed = failed;
    this.#endedAt = Date.now();
    this.#progress.clear();
    // Utilisation of an ended run is over its whole time: the per-second tallies are done with.
    for (const tally of this.#workers.values()) tally.bySecond.clear();
    this.graph.ended();
    // Its stream grows no more: only what a page is sent of it is kept.
    if (this.#stream.length > STREAM_KEEP) this.#stream.splice(0, this.#stream.length - STREAM_KEEP);
    this.#run = undefined;
  }

  hear(event: RunEvent): void {
    if (event.type === 'cluster') {
      this.#cluster = event.workers;
      return;
    }
    if (event.type === 'expanded') this.graph.expanded();
    if (event.type === 'progress') this.#progress.set(event.cid, { fraction: event.fraction, ...(event.message === undefined ? {} : { message: event.message }) });
    else if (event.type !== 'graph' && event.type !== 'started' && event.type !== 'queued') this.#progress.delete(event.cid);
    if (event.type === 'finished' && !event.shared) {
      this.#ran(event, event.workerId ?? 0, this.graph.functionOf(event.cid) ?? event.name, event.heapUsedBytes);
    }
    if ((event.type === 'failed' || event.type === 'retried') && event.workerId !== undefined) {
      this.#ran(event, event.workerId, this.graph.functionOf(event.cid) ?? event.name, undefined, true);
    }
    if (event.type === 'failed') {
      this.#failuresTotal++;
      if (this.#failures.length < FAILURES_KEEP) {
        const stack = event.error.originalStack ?? event.error.stack;
        this.#failures.push({ cid: event.cid, name: event.name, code: event.error.code, message: event.error.message, ...(stack === undefined ? {} : { stack }) });
      }
    }
  }

  /**
   * A task attempt ended on a thread: it counts towards the worker's work and has a bar
   * in the stream, failed or not. The bar runs from when the call began on its thread;
   * `at - durationMs` is only a fallback, since a batch's tasks all arrive at once.
   */
  #ran(event: Attempt, threadId: number, fn: string, heapBytes?: number, failed?: true): void {
    const worker = this.#workerNumber(threadId);
    const durationMs = event.durationMs ?? 0;
    const start = event.startedAt ?? event.at - durationMs;
    const end = start + durationMs;
    let tally = this.#workers.get(worker);
    if (!tally) this.#workers.set(worker, (tally = { threadId, tasks: 0, busyMs: 0, bySecond: new Map<number, number>() }));
    tally.tasks++;
    tally.busyMs += durationMs;
    if (heapBytes !== undefined) tally.heapBytes = heapBytes;
    const second = Math.floor(end / 1000);
    tally.bySecond.set(second, (tally.bySecond.get(second) ?? 0) + durationMs);
    // Two plain literals, not a spread: this runs for every task of a watched run.
    const bar: StreamBar = failed ? { cid: event.cid, name: event.name, fn, worker, start, end, failed } : { cid: event.cid, name: event.name, fn, worker, start, end };
    this.#stream.push(bar);
    this.#bars++;
    if (this.#stream.length > STREAM_KEEP * 2) this.#stream.splice(0, this.#stream.length - STREAM_KEEP);
    this.#fresh.push(bar);
    if (this.#fresh.length > STREAM_PER_UPDATE * 2) {
      this.#freshDropped += this.#fresh.length - STREAM_PER_UPDATE;
      this.#fresh = this.#fresh.slice(-STREAM_PER_UPDATE);
    }
  }

  /** Whether this run knows anything of the task of this CID. */
  knows(cid: string): boolean {
    return this.#stream.some((bar) => bar.cid === cid) || this.#failures.some((f) => f.cid === cid) || this.graph.detailOf(cid) !== undefined;
  }

  /** One task of this run, for a page that asks after a bar: undefined if the record knows nothing of it. */
  task(cid: string): TaskDetail | undefined {
    const bars = this.#stream.filter((bar) => bar.cid === cid);
    const failure = this.#failures.find((f) => f.cid === cid);
    const call = this.graph.detailOf(cid);
    if (bars.length === 0 && !failure && !call) return undefined;
    const attempts = bars.map((bar) => ({ worker: bar.worker, start: bar.start, durationMs: bar.end - bar.start, failed: bar.failed === true }));
    const name = bars[0]?.name ?? failure?.name ?? call!.function;
    return {
      cid,
      name,
      ...(call ?? { function: bars[0]?.fn ?? name }),
      attempts,
      ...(failure && { failure: { code: failure.code, message: failure.message, ...(failure.stack === undefined ? {} : { stack: failure.stack }) } }),
    };
  }

  /** Everything, for a page that has just turned to this run. */
  full(now: number): RunView {
    const stream = this.#stream.slice(-STREAM_KEEP);
    return this.#view(now, stream, this.#bars - stream.length, this.#failures);
  }

  /** What changed since the last update or discard; call once per update interval. */
  update(now: number): RunView {
    const fresh = this.#fresh.slice(-STREAM_PER_UPDATE);
    const dropped = this.#freshDropped + this.#fresh.length - fresh.length;
    const failures = this.#failures.slice(this.#failuresSent);
    this.discard();
    return this.#view(now, fresh, dropped, failures);
  }

  /** Forget what changed since the last update, with no page to tell: a page that comes later gets `full()`. */
  discard(): void {
    this.#fresh = [];
    this.#freshDropped = 0;
    this.#failuresSent = this.#failures.length;
  }

  #view(now: number, stream: StreamBar[], streamDropped: number, failures: readonly FailureView[]): RunView {
    const run = this.#run;
    const status = run?.status();
    this.graph.refresh();
    const functions: FunctionRows = {};
    this.graph.addRowsTo(functions);
    const running = (status?.running ?? []).slice(0, 20).map(({ cid, name, since }) => ({ name, since, ...this.#progress.get(cid) }));
    return {
      status: this.status,
      startedAt: this.startedAt,
      ...(this.#endedAt !== undefined && { endedAt: this.#endedAt }),
      counts: status?.counts ?? structuredClone(this.#finalCounts!),
      functions,
      running,
      workers: this.#workerViews(now),
      peakWorkerHeapBytes: status?.peakWorkerHeapBytes ?? this.#peakWorkerHeapBytes,
      stream,
      streamDropped,
      // Stacks are long: a page gets one when it asks after that task.
      failures: failures.map(({ stack: _, ...failure }) => failure),
      failuresTotal: this.#failuresTotal,
      ...(this.#cluster && { cluster: this.#cluster }),
    };
  }

  /** Utilisation: over the last few seconds while the run goes on, over its whole time once it has ended. */
  #workerViews(now: number): WorkerView[] {
    const current = Math.floor(now / 1000);
    const elapsedMs = Math.max(1, (this.#endedAt ?? now) - this.startedAt);
    const machines = new Map<number, string>();
    for (const worker of this.#cluster ?? []) for (const thread of worker.threads) machines.set(thread, `${worker.host} pid ${worker.pid}`);
    return [...this.#workers]
      .sort(([a], [b]) => a - b)
      .map(([id, tally]) => {
        let recent = 0;
        for (const [second, ms] of tally.bySecond) {
          if (second <= current - UTILISATION_SECONDS) tally.bySecond.delete(second);
          else recent += ms;
        }
        const share = this.ended ? tally.busyMs / elapsedMs : recent / Math.min(elapsedMs, UTILISATION_SECONDS * 1000);
        const utilisation = Math.min(1, share);
        const machine = machines.get(tally.threadId);
        return {
          id,
          tasks: tally.tasks,
          busyMs: tally.busyMs,
          utilisation,
          ...(tally.heapBytes !== undefined && { heapBytes: tally.heapBytes }),
          ...(machine !== undefined && { machine }),
        };
      });
  }
}
