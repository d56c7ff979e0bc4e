/**
 * What the dashboard knows of a process's runs, read out one run at a time as a
 * page's worth of JSON: a full picture for a page that has just turned to a run,
 * then updates with only what is new since the last one. Each run has a record
 * of its own (run-record.ts), so a run's counts, per-function rows, task stream,
 * workers, failures and graph colours are that run's alone: a study and its
 * re-run are two runs of 24 points each, not one of 48. Over the whole process
 * there are only the list of runs, the totals (every run's counts added up,
 * labelled as such on the page) and the process's memory.
 *
 * Records are kept for the latest RUNS_KEEP runs, and for every run going on.
 */
import type { Delayed } from '../graph/delayed.js';
import type { Run } from '../run.js';
import type { NodeState, RunCounts } from '../scheduler/state.js';
import type { GraphStates } from './graph-states.js';
import { RunRecord, type RunStatusName, type RunSummary, type RunView } from './run-record.js';
import type { TaskDetail } from './task-detail.js';

export { FAILURES_KEEP, STREAM_KEEP, STREAM_PER_UPDATE, type FailureView, type RunSummary, type StreamBar, type WorkerView } from './run-record.js';

/**
 * A page looks back over a few runs (a study and its re-runs, a script's
 * stages); a program that runs in a loop (a watch mode, a benchmark) must not
 * make the board grow with every run. A record of an ended run is at most its
 * STREAM_KEEP bars, FAILURES_KEEP failures and a small picture, so twenty of
 * them stay within a few megabytes.
 */
export const RUNS_KEEP = 20;

/** What the page is sent of one run: `full` replaces everything it shows; an update adds to its stream and failures. */
export interface BoardMessage extends Omit<RunView, 'status' | 'peakWorkerHeapBytes'> {
  readonly full: boolean;
  /** The run shown, numbered from 1 in the order runs started; 0 before the first. */
  readonly run: number;
  /** `idle` before the first run; then the shown run's: going on, or ended with or without failures. */
  readonly status: 'idle' | RunStatusName;
  /**
   * Over the process: how many runs started, go on, and ended with failures; and the
   * runs kept (the latest RUNS_KEEP and every one going on), oldest first, which a page can turn to.
   */
  readonly runs: { readonly total: number; readonly running: number; readonly failed: number; readonly kept: readonly RunSummary[] };
  /** Every run's counts added up, kept runs or not. */
  readonly totals: RunCounts;
  /** Changes when the shown run's picture does (a task returned a graph): fetch it again. */
  readonly graphVersion: number;
  /** Whether the shown run's picture was kept (see GraphStates.superseded). */
  readonly graphKept: boolean;
  readonly now: number;
  readonly memory: { readonly rssBytes: number; readonly heapUsedBytes: number; readonly peakWorkerHeapBytes: number };
  /** The state that colours each node of the shown run's picture, by the picture's node id. */
  readonly graph: Readonly<Record<string, NodeState | 'unknown'>>;
}

export class Board {
  /** Oldest first; the last is the latest run to start. A record lets its run go when the run ends. */
  readonly #records: RunRecord[] = [];
  #runs = 0;
  #failedRuns = 0;
  /** The counts of every run that has ended, added up, whether its record is still kept or not. */
  readonly #endedCounts = zeroCounts();
  /** Worker threads by number, 1 to n in the order they first ran a task (0 is the main thread), not by thread id. */
  readonly #workerNumbers = new Map<number, number>([[0, 0]]);
  #dirty = true;

  /**
   * Follow `run` from now on; call before it starts, so that no event is missed.
   * `onEnd` is called when it has ended, so that pages hear of it at once.
   */
  watch(run: Run<unknown[]>, targets: readonly Delayed<unknown>[], onEnd: () => void): void {
    const record = new RunRecord(++this.#runs, run, targets, this.#workerNumber);
    this.#records.at(-1)?.graph.superseded();
    this.#records.push(record);
    this.#forgetOldRuns();
    this.#dirty = true;
    const stop = run.onEvent((event) => {
      this.#dirty = true;
      record.hear(event);
    });
    const ended = (failed: boolean) => {
      stop();
      record.end(failed);
      addCounts(this.#endedCounts, record.counts);
      if (failed) this.#failedRuns++;
      this.#forgetOldRuns();
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

  /**
   * A thread's worker number. Made once for the board, not in `watch`: a closure made there
   * would share its scope with those that hold the run, and keep it alive with the record.
   */
  readonly #workerNumber = (threadId: number): number => {
    let worker = this.#workerNumbers.get(threadId);
    if (worker === undefined) {
      worker = this.#workerNumbers.size; // the main thread holds 0
      this.#workerNumbers.set(threadId, worker);
    }
    return worker;
  };

  /** Drop the oldest ended runs past RUNS_KEEP; the latest run, and a run going on, keep their records whatever their age. */
  #forgetOldRuns(): void {
    let excess = this.#records.length - RUNS_KEEP;
    for (let i = 0; excess > 0 && i < this.#records.length - 1; ) {
      if (this.#records[i]!.ended) {
        this.#records.splice(i, 1);
        excess--;
      } else i++;
    }
  }

  /** Whether anything may have changed since the last message. */
  get dirty(): boolean {
    return this.#dirty || this.#records.some((record) => !record.ended);
  }

  /** The number of the latest run to start; 0 before the first. */
  get latest(): number {
    return this.#records.at(-1)?.number ?? 0;
  }

  /** Whether the board still keeps run `number`. */
  has(number: number): boolean {
    return this.#record(number) !== undefined;
  }

  /** Run `number`'s graph, if the board still keeps it. */
  graphOf(number: number): GraphStates | undefined {
    return this.#record(number)?.graph;
  }

  #record(number: number): RunRecord | undefined {
    return this.#records.find((record) => record.number === number);
  }

  /**
   * One task, for a page that asks after a bar: of run `number`, or without it of the
   * latest kept run that knows of it (a CID can be in several runs). Undefined if none does.
   */
  task(cid: string, number?: number): TaskDetail | undefined {
    if (number !== undefined) return this.#record(number)?.task(cid);
    return this.#records.findLast((record) => record.knows(cid))?.task(cid);
  }

  /** Everything of run `number` (the latest without it), for a page that has just turned to it. */
  full(number = this.latest): BoardMessage {
    const now = Date.now();
    const record = this.#record(number);
    return this.#message(true, record, record?.full(now), now);
  }

  /**
   * What changed in each of `numbers`' runs since the last update; call once per update
   * interval. Every other run's changes are discarded: a page that turns to one later gets its `full()`.
   */
  updates(numbers: ReadonlySet<number>): Map<number, BoardMessage> {
    const now = Date.now();
    const messages = new Map<number, BoardMessage>();
    for (const number of numbers) {
      const record = this.#record(number);
      messages.set(number, this.#message(false, record, record?.update(now), now));
    }
    this.discard();
    return messages;
  }

  /** Forget what changed since the last update, with no page to tell. */
  discard(): void {
    for (const record of this.#records) record.discard();
    this.#dirty = false;
  }

  #message(full: boolean, record: RunRecord | undefined, view: RunView | undefined, now: number): BoardMessage {
    const { status, peakWorkerHeapBytes, ...shown } = view ?? idleView(now);
    const totals = structuredClone(this.#endedCounts);
    const going = this.#records.filter((r) => !r.ended);
    for (const r of going) addCounts(totals, r.counts);
    const memory = process.memoryUsage();
    return {
      full,
      run: record?.number ?? 0,
      status,
      runs: { total: this.#runs, running: going.length, failed: this.#failedRuns, kept: this.#records.map((r) => r.summary()) },
      totals,
      graphVersion: record?.graph.version ?? 0,
      graphKept: record?.graph.pictureKept ?? true,
      now,
      memory: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, peakWorkerHeapBytes },
      ...shown,
      graph: record?.graph.viewStates() ?? {},
    };
  }
}

function idleView(now: number): Omit<RunView, 'status'> & { status: 'idle' } {
  return { status: 'idle', startedAt: now, counts: zeroCounts(), functions: {}, running: [], workers: [], peakWorkerHeapBytes: 0, stream: [], streamDropped: 0, failures: [], failuresTotal: 0 };
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
