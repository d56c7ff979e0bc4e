/**
 * What the dashboard knows of a process's runs, read out as a page's worth of
 * JSON: a full picture for a page that just connected, then updates with only
 * what is new since the last one. The task stream, workers and failures come
 * from the runs' events; counts, per-function rows and the graph's colours are
 * read from the runs themselves when a message is built. Counts,
 * per-function rows, the task stream, workers and failures add up over every
 * run the process showed; the graph is the latest run's.
 *
 * Everything it keeps is bounded whatever the size of the run: per function and
 * per worker tallies, the latest STREAM_KEEP finished tasks, the first
 * FAILURES_KEEP failures. An update carries at most STREAM_PER_UPDATE new task
 * bars (the newest; the rest are counted as dropped), so a run of 100,000 quick
 * tasks sends the page a few hundred bars per update, not 100,000.
 */
import type { Delayed } from '../graph/delayed.js';
import type { Run } from '../run.js';
import type { RunEvent } from '../scheduler/events.js';
import type { NodeState, RunCounts } from '../scheduler/state.js';
import { GraphStates, type FunctionRows } from './graph-states.js';
import type { CallDetail, TaskDetail } from './task-detail.js';

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
  /** A worker's thread id; 0 is the main thread. */
  readonly id: number;
  readonly tasks: number;
  readonly busyMs: number;
  /** Busy share of the last few seconds, from 0 to 1. */
  readonly utilisation: number;
  /** V8 heap in use after its latest batch (worker threads only). */
  readonly heapBytes?: number;
}

/** What the page is sent: `full` replaces everything it shows; an update adds to its stream and failures. */
export interface BoardMessage {
  readonly full: boolean;
  /** `idle` before the first run; then whether a run is going on, and if none, whether any failed. */
  readonly status: 'idle' | 'running' | 'succeeded' | 'failed';
  /** `failed`: runs that ended with failures. `status` is the latest run's. */
  readonly runs: { readonly total: number; readonly running: number; readonly failed: number };
  /** Which run's graph `graph` colours (runs are numbered from 1 in the order they started). */
  readonly graphRun: number;
  /** Changes when the latest run's picture does (a task returned a graph): fetch it again. */
  readonly graphVersion: number;
  readonly startedAt: number;
  readonly endedAt?: number;
  readonly now: number;
  readonly counts: RunCounts;
  readonly functions: Readonly<FunctionRows>;
  /** Running tasks, with what each last said of its progress (reportProgress). */
  readonly running: readonly { readonly name: string; readonly since: number; readonly fraction?: number; readonly message?: string }[];
  readonly workers: readonly WorkerView[];
  readonly memory: { readonly rssBytes: number; readonly heapUsedBytes: number; readonly peakWorkerHeapBytes: number };
  readonly stream: readonly StreamBar[];
  /** Finished tasks that this message leaves out to stay small (counted since the page connected). */
  readonly streamDropped: number;
  readonly failures: readonly FailureView[];
  readonly failuresTotal: number;
  /** The state that colours each node of the graph picture, by the picture's node id. */
  readonly graph: Readonly<Record<string, NodeState | 'unknown'>>;
}

interface WorkerTally {
  tasks: number;
  busyMs: number;
  heapBytes?: number;
  /** Busy ms by whole second (ms since the epoch / 1000), for recent seconds only. */
  readonly bySecond: Map<number, number>;
}

interface Watched {
  readonly number: number;
  readonly run: Run<unknown[]>;
  readonly graph: GraphStates;
}

export class Board {
  /** Runs going on now. */
  readonly #active = new Set<Watched>();
  /** The latest run to start: its graph is the picture. Not the run itself, which must not outlive its end here. */
  #latest: Pick<Watched, 'number' | 'graph'> | undefined;
  #runs = 0;
  #failedRuns = 0;
  /** Whether the latest run to end had failures: the header tells of it, not of every run the process made. */
  #latestFailed = false;
  #startedAt: number | undefined;
  #endedAt: number | undefined;
  /** Counts and rows of the runs that have ended, added up. */
  readonly #past = { counts: zeroCounts(), rows: {} as FunctionRows, peakWorkerHeapBytes: 0 };
  readonly #workers = new Map<number, WorkerTally>();
  /** Worker threads by number, 1 to n in the order they first ran a task (0 is the main thread), not by thread id. */
  readonly #workerNumbers = new Map<number, number>([[0, 0]]);
  readonly #stream: StreamBar[] = [];
  /** Bars finished since the last update, newest last. */
  #fresh: StreamBar[] = [];
  #freshDropped = 0;
  readonly #failures: FailureView[] = [];
  #failuresTotal = 0;
  #failuresSent = 0;
  #dirty = true;
  /** Details of the calls of ended runs, newest last, so that a bar of an earlier run still tells its point and arguments. */
  readonly #callDetails = new Map<string, CallDetail>();
  /** What running tasks last said of their progress, by CID. */
  readonly #progress = new Map<string, { fraction: number; message?: string }>();

  /**
   * Follow `run` from now on; call before it starts, so that no event is missed.
   * `onEnd` is called when it has ended, so that pages hear of it at once.
   */
  watch(run: Run<unknown[]>, targets: readonly Delayed<unknown>[], onEnd: () => void): void {
    const watched = { number: ++this.#runs, run, graph: new GraphStates(targets, run) };
    this.#active.add(watched);
    this.#latest = { number: watched.number, graph: watched.graph };
    this.#startedAt ??= Date.now();
    this.#endedAt = undefined;
    this.#dirty = true;
    const stop = run.onEvent((event) => this.#hear(watched, event));
    const ended = (failed: boolean) => {
      stop();
      this.#active.delete(watched);
      addCounts(this.#past.counts, run.counts);
      watched.graph.ended();
      for (const [cid, detail] of watched.graph.keptDetails ?? []) {
        this.#callDetails.delete(cid);
        this.#callDetails.set(cid, detail);
      }
      // As many as the stream keeps bars: the oldest go first.
      for (const cid of this.#callDetails.keys()) {
        if (this.#callDetails.size <= STREAM_KEEP) break;
        this.#callDetails.delete(cid);
      }
      watched.graph.addRowsTo(this.#past.rows);
      this.#past.peakWorkerHeapBytes = Math.max(this.#past.peakWorkerHeapBytes, run.status().peakWorkerHeapBytes);
      if (failed) this.#failedRuns++;
      if (watched.number === this.#latest?.number) this.#latestFailed = failed;
      if (this.#active.size === 0) this.#endedAt = Date.now();
      this.#dirty = true;
      onEnd();
    };
    // Called before the run starts, which is also before it has its `settled` promise.
    queueMicrotask(() =>
      void run.settled.then(
        ({ available, failures }) => ended(!available.every(Boolean) || failures.length > 0),
        () => ended(true),
      ),
    );
  }

  /** Whether anything may have changed since the last message. */
  get dirty(): boolean {
    return this.#dirty || this.#active.size > 0;
  }

  get latestGraph(): GraphStates | undefined {
    return this.#latest?.graph;
  }

  #hear(watched: Watched, event: RunEvent): void {
    this.#dirty = true;
    if (event.type === 'expanded') watched.graph.expanded();
    if (event.type === 'progress') this.#progress.set(event.cid, { fraction: event.fraction, ...(event.message === undefined ? {} : { message: event.message }) });
    else if (event.type !== 'graph' && event.type !== 'started' && event.type !== 'queued') this.#progress.delete(event.cid);
    if (event.type === 'finished' && !event.shared) {
      this.#ran(event, event.workerId ?? 0, watched.graph.functionOf(event.cid) ?? event.name, event.heapUsedBytes);
    }
    if ((event.type === 'failed' || event.type === 'retried') && event.workerId !== undefined) {
      this.#ran(event, event.workerId, watched.graph.functionOf(event.cid) ?? event.name, undefined, true);
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
   * A task attempt ended on `worker`: it counts towards the worker's work and has a bar
   * in the stream, failed or not. The bar runs from when the call began on its thread;
   * `at - durationMs` is only a fallback, since a batch's tasks all arrive at once.
   */
  #ran(event: Attempt, threadId: number, fn: string, heapBytes?: number, failed?: true): void {
    let worker = this.#workerNumbers.get(threadId);
    if (worker === undefined) {
      worker = this.#workerNumbers.size; // the main thread holds 0
      this.#workerNumbers.set(threadId, worker);
    }
    const durationMs = event.durationMs ?? 0;
    const start = event.startedAt ?? event.at - durationMs;
    const end = start + durationMs;
    const tally = this.#workers.get(worker) ?? { tasks: 0, busyMs: 0, bySecond: new Map<number, number>() };
    tally.tasks++;
    tally.busyMs += durationMs;
    if (heapBytes !== undefined) tally.heapBytes = heapBytes;
    const second = Math.floor(end / 1000);
    tally.bySecond.set(second, (tally.bySecond.get(second) ?? 0) + durationMs);
    this.#workers.set(worker, tally);
    // Two plain literals, not a spread: this runs for every task of a watched run.
    const bar: StreamBar = failed ? { cid: event.cid, name: event.name, fn, worker, start, end, failed } : { cid: event.cid, name: event.name, fn, worker, start, end };
    this.#stream.push(bar);
    if (this.#stream.length > STREAM_KEEP * 2) this.#stream.splice(0, this.#stream.length - STREAM_KEEP);
    this.#fresh.push(bar);
    if (this.#fresh.length > STREAM_PER_UPDATE * 2) {
      this.#freshDropped += this.#fresh.length - STREAM_PER_UPDATE;
      this.#fresh = this.#fresh.slice(-STREAM_PER_UPDATE);
    }
  }

  /** One task, for a page that asks after a bar: undefined if the board knows nothing of it. */
  task(cid: string): TaskDetail | undefined {
    const bars = this.#stream.filter((bar) => bar.cid === cid);
    const failure = this.#failures.find((f) => f.cid === cid);
    const call = [...this.#active].map(({ graph }) => graph.detailOf(cid)).find(Boolean) ?? this.#latest?.graph.detailOf(cid) ?? this.#callDetails.get(cid);
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

  /** Everything, for a page that has just connected. */
  full(): BoardMessage {
    return this.#message(true, this.#stream.slice(-STREAM_KEEP), 0, this.#failures);
  }

  /** What changed since the last update; call once per update interval. */
  update(): BoardMessage {
    const fresh = this.#fresh.slice(-STREAM_PER_UPDATE);
    const dropped = this.#freshDropped + this.#fresh.length - fresh.length;
    const failures = this.#failures.slice(this.#failuresSent);
    this.discard();
    return this.#message(false, fresh, dropped, failures);
  }

  /** Forget what changed since the last update, with no page to tell: a page that comes later gets `full()`. */
  discard(): void {
    this.#fresh = [];
    this.#freshDropped = 0;
    this.#failuresSent = this.#failures.length;
    this.#dirty = false;
  }

  #message(full: boolean, stream: StreamBar[], streamDropped: number, failures: readonly FailureView[]): BoardMessage {
    const now = Date.now();
    const counts = structuredClone(this.#past.counts);
    const functions = structuredClone(this.#past.rows);
    const running: BoardMessage['running'][number][] = [];
    let peakWorkerHeapBytes = this.#past.peakWorkerHeapBytes;
    for (const { run, graph } of this.#active) {
      const status = run.status();
      addCounts(counts, status.counts);
      graph.refresh();
      graph.addRowsTo(functions);
      for (const { cid, name, since } of status.running) running.push({ name, since, ...this.#progress.get(cid) });
      peakWorkerHeapBytes = Math.max(peakWorkerHeapBytes, status.peakWorkerHeapBytes);
    }
    const memory = process.memoryUsage();
    return {
      full,
      status: this.#active.size > 0 ? 'running' : this.#runs === 0 ? 'idle' : this.#latestFailed ? 'failed' : 'succeeded',
      runs: { total: this.#runs, running: this.#active.size, failed: this.#failedRuns },
      graphRun: this.#latest?.number ?? 0,
      graphVersion: this.#latest?.graph.version ?? 0,
      startedAt: this.#startedAt ?? now,
      ...(this.#endedAt !== undefined && { endedAt: this.#endedAt }),
      now,
      counts,
      functions,
      running: running.slice(0, 20),
      workers: this.#workerViews(now),
      memory: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, peakWorkerHeapBytes },
      stream,
      streamDropped,
      // Stacks are long: a page gets one when it asks after that task.
      failures: failures.map(({ stack: _, ...failure }) => failure),
      failuresTotal: this.#failuresTotal,
      graph: this.#latest?.graph.viewStates() ?? {},
    };
  }

  /** Utilisation: over the last few seconds while runs go on, over the whole time once they have ended. */
  #workerViews(now: number): WorkerView[] {
    const current = Math.floor(now / 1000);
    const elapsedMs = Math.max(1, (this.#endedAt ?? now) - (this.#startedAt ?? now));
    const ended = this.#active.size === 0;
    return [...this.#workers]
      .sort(([a], [b]) => a - b)
      .map(([id, tally]) => {
        let recent = 0;
        for (const [second, ms] of tally.bySecond) {
          if (second <= current - UTILISATION_SECONDS) tally.bySecond.delete(second);
          else recent += ms;
        }
        const share = ended ? tally.busyMs / elapsedMs : recent / Math.min(elapsedMs, UTILISATION_SECONDS * 1000);
        const utilisation = Math.min(1, share);
        return { id, tasks: tally.tasks, busyMs: tally.busyMs, utilisation, ...(tally.heapBytes !== undefined && { heapBytes: tally.heapBytes }) };
      });
  }
}

function zeroCounts(): RunCounts {
  const states = { waiting: 0, ready: 0, running: 0, done: 0, cached: 0, failed: 0, skipped: 0 };
  return { total: 0, executed: 0, cached: 0, deduplicated: 0, failed: 0, skipped: 0, retried: 0, savedMs: 0, savedExact: true, states };
}

function addCounts(into: RunCounts, from: RunCounts): void {
  for (const key of ['total', 'executed', 'cached', 'deduplicated', 'failed', 'skipped', 'retried', 'savedMs'] as const) into[key] += from[key];
  into.savedExact &&= from.savedExact;
  for (const state of Object.keys(into.states) as NodeState[]) into.states[state] += from.states[state];
}
