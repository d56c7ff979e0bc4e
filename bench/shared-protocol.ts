/**
 * What the harness and a process of the `shared` scenario (shared-child.ts)
 * say to each other. Apart from the child, which runs as soon as it is
 * imported: the harness needs these names without becoming a child itself.
 *
 *   child → harness  READY_LINE         started, warm, and joined to the cache
 *   harness → child  GO_LINE            build and compute now
 *   child → harness  RESULT_PREFIX {…}  a SharedChildResult
 *   harness → child  end of stdin       every result is in: leave the cache
 *
 * The harness lets the followers leave first and the leader last, each once
 * the one before has exited: nobody then has to take over from a leader that
 * left, which is not what the scenario measures.
 */

export const READY_LINE = 'READY';
export const GO_LINE = 'GO';

export interface SharedChildJob {
  readonly cacheDir: string;
  readonly leaves: number;
  /** The first leaf's input: processes given different `from` share no call. */
  readonly from: number;
}

export interface SharedChildResult {
  /** When the build started and the run ended, in ms since the epoch (performance.timeOrigin + now: comparable across processes). */
  readonly startedAt: number;
  readonly endedAt: number;
  readonly executed: number;
  readonly cached: number;
  /** The tree's value with the offset taken back out: sumOfIncs(leaves) for every process. */
  readonly value: number;
  /** Whether this process held the cache's LevelDB and served the others. */
  readonly leads: boolean;
}
