/**
 * The cluster as one run sees it: the shared executor of a Redis (cluster-executor.ts)
 * serves every run of the process, so each run's worker lane is a view of its own that
 * counts which workers ran this run's tasks (from the threads its replies name) beside
 * what their heartbeats say of them (or a reply, which carries its worker's beat and is
 * fresher). It tells its listener when the workers are first counted, when a worker
 * replies to this run for the first time (before the outcomes that name its threads),
 * and on later counts (once a second) when anything changed: never once per batch.
 */
import type { ExecutableTask, Executor, Outcome, ProgressListener } from '../executors/executor.js';
import type { ClusterExecutor } from './cluster-executor.js';
import type { WorkerBeat } from './cluster-names.js';

/** One `memograph worker` as a run sees it (the `cluster` event's entries). */
export interface ClusterWorker {
  /** Its id, as `memograph workers` lists it. */
  readonly id: string;
  /** Its machine's host name. */
  readonly host: string;
  readonly pid: number;
  /** Batches it runs at once (its `--concurrency`). */
  readonly slots: number;
  /** Tasks it has run since it started, for every coordinator, and the time it spent running batches: as its latest heartbeat or reply said. */
  readonly tasks: number;
  readonly busyMs: number;
  /** False once its heartbeat has lapsed (it stopped, or was cut off): kept because it ran some of this run's tasks. */
  readonly live: boolean;
  /** This run's tasks it ran (failed attempts too), and their time. */
  readonly thisRun: { readonly tasks: number; readonly busyMs: number };
  /** The `workerId`s that this run's task events give its threads. */
  readonly threads: readonly number[];
}

/** Who hears of the run's workers; `active` says whether anyone listens right now. */
export interface ClusterListener {
  readonly active: boolean;
  heard(workers: readonly ClusterWorker[]): void;
}

interface Tally {
  tasks: number;
  busyMs: number;
  readonly threads: Set<number>;
}

export class ClusterRunView implements Executor {
  readonly #executor: ClusterExecutor;
  readonly #listener: ClusterListener;
  readonly #stop: () => void;
  /** Each worker's latest heartbeat, kept after it lapses if the worker ran this run's tasks. */
  readonly #beats = new Map<string, WorkerBeat>();
  #live = new Set<string>();
  readonly #ran = new Map<string, Tally>();
  /** Nothing is told before the workers have been counted once. */
  #counted = false;
  /** What the listener was last told, to tell it only of changes. */
  #told: string | undefined;

  constructor(executor: ClusterExecutor, listener: ClusterListener) {
    this.#executor = executor;
    this.#listener = listener;
    // Told at once of the executor's last count, if another run made one: a run that
    // starts later knows the workers before its first reply, as the first run does.
    this.#stop = executor.watch((beats) => this.#heard(beats));
  }

  get slots(): number {
    return this.#executor.slots;
  }

  onMoreSlots(listener: () => void): () => void {
    return this.#executor.onMoreSlots(listener);
  }

  async run(tasks: readonly ExecutableTask[], signal?: AbortSignal, onProgress?: ProgressListener): Promise<Outcome[]> {
    const outcomes = await this.#executor.run(tasks, signal, onProgress);
    let newThread = false;
    for (const outcome of outcomes) {
      if (!('workerId' in outcome) || outcome.workerId === undefined) continue;
      const by = this.#executor.ownerOf(outcome.workerId);
      if (by === undefined) continue;
      let tally = this.#ran.get(by);
      if (!tally) this.#ran.set(by, (tally = { tasks: 0, busyMs: 0, threads: new Set() }));
      const beat = this.#executor.repliedBeat(by);
      if (beat) {
        this.#keep(beat);
        // It replied since the last count: alive, whether that count knew it yet or not.
        this.#live.add(by);
      }
      tally.tasks++;
      tally.busyMs += outcome.durationMs;
      if (!tally.threads.has(outcome.workerId)) {
        tally.threads.add(outcome.workerId);
        newThread = true;
      }
    }
    if (newThread) this.flush();
    return outcomes;
  }

  /** Tell the listener what changed since it was last told, now (the run is about to end, say). */
  flush(): void {
    if (!this.#counted || !this.#listener.active) return;
    const workers = this.workers();
    const told = JSON.stringify(workers);
    if (told === this.#told) return;
    this.#told = told;
    this.#listener.heard(workers);
  }

  /** The live workers, and those gone that ran this run's tasks, by machine and pid. */
  workers(): ClusterWorker[] {
    const shown: ClusterWorker[] = [];
    for (const [id, beat] of this.#beats) {
      const live = this.#live.has(id);
      const ran = this.#ran.get(id);
      if (!live && !ran) continue;
      shown.push({
        id,
        host: beat.host,
        pid: beat.pid,
        slots: beat.slots,
        tasks: beat.tasks,
        busyMs: Math.round(beat.busyMs),
        live,
        thisRun: { tasks: ran?.tasks ?? 0, busyMs: Math.round(ran?.busyMs ?? 0) },
        threads: ran ? [...ran.threads].sort((a, b) => a - b) : [],
      });
    }
    return shown.sort((a, b) => a.host.localeCompare(b.host) || a.pid - b.pid);
  }

  /** The run is over: hear no more counts. */
  close(): void {
    this.#stop();
  }

  /** The fresher of what a heartbeat and a reply said of a worker: the one that counts more batches. */
  #keep(beat: WorkerBeat): void {
    const known = this.#beats.get(beat.id);
    if (!known || beat.batches >= known.batches) this.#beats.set(beat.id, beat);
  }

  #heard(beats: readonly WorkerBeat[]): void {
    this.#live = new Set(beats.map((beat) => beat.id));
    for (const beat of beats) this.#keep(beat);
    // Lapsed workers that did nothing for this run are let go: a long run must not keep every worker ever seen.
    for (const id of this.#beats.keys()) if (!this.#live.has(id) && !this.#ran.has(id)) this.#beats.delete(id);
    this.#counted = true;
    this.flush();
  }
}
