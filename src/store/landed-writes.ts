/**
 * Who hears that a store landed a batch of results: the process's run report
 * (run-report.ts) counts what was stored. The store announces, the layer above
 * listens, so the store never depends on the runs that use it.
 */
type Listener = (records: number) => void;

const listeners = new Set<Listener>();

/** Hear of every batch a store of this process lands; returns how to stop. */
export function onLandedWrites(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** A batch holding `records` results (0: only marks of use, which follow cache hits) is on disk. */
export function landedWrites(records: number): void {
  for (const listener of listeners) listener(records);
}
