/**
 * What the dashboard knows of one run, kept up to date from the run's events
 * and read out as a page's worth of JSON: a full picture for a page that just
 * connected, then updates with only what is new since the last one.
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
import { GraphStates } from './graph-states.js';

export const STREAM_KEEP = 2000;
export const STREAM_PER_UPDATE = 500;
export const FAILURES_KEEP = 50;
/** Worker utilisation is measured over this many most recent whole seconds. */
const UTILISATION_SECONDS = 5;

/** One finished task in the task stream: which worker ran it, from when to when (ms since the epoch). */
export interface StreamBar {
  readonly name: string;
  readonly worker: number;
  readonly start: number;
  readonly end: number;
}

export interface FailureView {
  readonly cid: string;
  readonly name: string;
  readonly code: string;
  readonly message: string;
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
  readonly run: number;
  readonly full: boolean;
  readonly status: 'running' | 'succeeded' | 'failed';
  readonly startedAt: number;
  readonly endedAt?: number;
  readonly now: number;
  readonly counts: RunCounts;
  readonly functions: Readonly<Record<string, { readonly total: number; readonly states: Partial<Record<NodeState, number>> }>>;
  readonly running: readonly { readonly name: string; readonly since: number }[];
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

/** Which event puts a node in which state. */
const STATE_OF: Partial<Record<RunEvent['type'], NodeState>> = {
  queued: 'ready',
  started: 'running',
  finished: 'done',
  cached: 'cached',
  failed: 'failed',
  skipped: 'skipped',
  retried: 'waiting',
};

interface WorkerTally {
  tasks: number;
  busyMs: number;
  heapBytes?: number;
  /** Busy ms by whole second (ms since the epoch / 1000), for recent seconds only. */
  readonly bySecond: Map<number, number>;
}

export class RunBoard {
  readonly graph: GraphStates;
  readonly #run: Run<unknown[]>;
  readonly #number: number;
  readonly #startedAt = Date.now();
  #endedAt: number | undefined;
  #outcome: 'succeeded' | 'failed' = 'failed';
  readonly #workers = new Map<number, WorkerTally>();
  readonly #stream: StreamBar[] = [];
  /** Bars finished since the last update, newest last. */
  #fresh: StreamBar[] = [];
  #freshDropped = 0;
  readonly #failures: FailureView[] = [];
  #failuresTotal = 0;
  #failuresSent = 0;
  #dirty = true;

  /** `onEnd` is called when the run has ended, so that the page hears of it without waiting for the next update. */
  constructor(run: Run<unknown[]>, targets: readonly Delayed<unknown>[], number: number, onEnd: () => void) {
    this.#run = run;
    this.#number = number;
    this.graph = new GraphStates(targets);
    run.onEvent((event) => this.#hear(event));
    const ended = (outcome: 'succeeded' | 'failed') => {
      this.#endedAt = Date.now();
      this.#outcome = outcome;
      this.#dirty = true;
      onEnd();
    };
    // A board is made before its run starts (so that it hears every event), which is
    // also before the run has its `settled` promise.
    queueMicrotask(() =>
      void run.settled.then(
        ({ available, failures }) => ended(available.every(Boolean) && failures.length === 0 ? 'succeeded' : 'failed'),
        () => ended('failed'),
      ),
    );
  }

  get ended(): boolean {
    return this.#endedAt !== undefined;
  }

  /** Whether anything changed since the last message. */
  get dirty(): boolean {
    return this.#dirty || !this.ended;
  }

  #hear(event: RunEvent): void {
    this.#dirty = true;
    if (event.type === 'graph') return;
    const state = STATE_OF[event.type];
    if (state) this.graph.set(event.cid, event.name, state);
    if (event.type === 'finished' && !event.shared) this.#finished(event);
    if (event.type === 'failed') {
      this.#failuresTotal++;
      if (this.#failures.length < FAILURES_KEEP) {
        this.#failures.push({ cid: event.cid, name: event.name, code: event.error.code, message: event.error.message });
      }
    }
  }

  #finished(event: Extract<RunEvent, { type: 'finished' }>): void {
    const worker = event.workerId ?? 0;
    const tally = this.#workers.get(worker) ?? { tasks: 0, busyMs: 0, bySecond: new Map<number, number>() };
    tally.tasks++;
    tally.busyMs += event.durationMs;
    if (event.heapUsedBytes !== undefined) tally.heapBytes = event.heapUsedBytes;
    const second = Math.floor(event.at / 1000);
    tally.bySecond.set(second, (tally.bySecond.get(second) ?? 0) + event.durationMs);
    this.#workers.set(worker, tally);
    const bar = { name: event.name, worker, start: event.at - event.durationMs, end: event.at };
    this.#stream.push(bar);
    if (this.#stream.length > STREAM_KEEP * 2) this.#stream.splice(0, this.#stream.length - STREAM_KEEP);
    this.#fresh.push(bar);
    if (this.#fresh.length > STREAM_PER_UPDATE * 2) {
      this.#freshDropped += this.#fresh.length - STREAM_PER_UPDATE;
      this.#fresh = this.#fresh.slice(-STREAM_PER_UPDATE);
    }
  }

  /** Everything, for a page that has just connected. */
  full(): BoardMessage {
    return this.#message(true, this.#stream.slice(-STREAM_KEEP), 0, this.#failures);
  }

  /** What changed since the last update; call once per update interval. */
  update(): BoardMessage {
    const fresh = this.#fresh.slice(-STREAM_PER_UPDATE);
    const dropped = this.#freshDropped + this.#fresh.length - fresh.length;
    this.#fresh = [];
    this.#freshDropped = 0;
    const failures = this.#failures.slice(this.#failuresSent);
    this.#failuresSent = this.#failures.length;
    this.#dirty = false;
    return this.#message(false, fresh, dropped, failures);
  }

  #message(full: boolean, stream: StreamBar[], streamDropped: number, failures: readonly FailureView[]): BoardMessage {
    const status = this.#run.status();
    const now = Date.now();
    const memory = process.memoryUsage();
    return {
      run: this.#number,
      full,
      status: this.#endedAt === undefined ? 'running' : this.#outcome,
      startedAt: this.#startedAt,
      ...(this.#endedAt !== undefined && { endedAt: this.#endedAt }),
      now,
      counts: status.counts,
      functions: this.graph.functions(),
      running: status.running.slice(0, 20).map(({ name, since }) => ({ name, since })),
      workers: this.#workerViews(now),
      memory: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, peakWorkerHeapBytes: status.peakWorkerHeapBytes },
      stream,
      streamDropped,
      failures,
      failuresTotal: this.#failuresTotal,
      graph: this.graph.viewStates(),
    };
  }

  /** Utilisation: over the last few seconds while the run goes on, over the whole run once it has ended. */
  #workerViews(now: number): WorkerView[] {
    const current = Math.floor(now / 1000);
    const elapsedMs = Math.max(1, (this.#endedAt ?? now) - this.#startedAt);
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
        return { id, tasks: tally.tasks, busyMs: tally.busyMs, utilisation, ...(tally.heapBytes !== undefined && { heapBytes: tally.heapBytes }) };
      });
  }
}
