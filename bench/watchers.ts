/**
 * The watch scenario's variants: the same run, unwatched (`plain`) and under
 * each way memograph offers to watch one. The report shows each watcher against
 * the `plain` run of the same repeat, as a ratio and as extra µs per task.
 *
 * Each watcher does as little of its own as it can, so that what is measured
 * is the engine's side of watching: the listener does nothing, progress writes
 * to a stream that discards, and no page connects to the dashboard.
 */
import { Writable } from 'node:stream';
import type { ComputeOptions } from '../src/index.js';

export const WATCHERS = ['events', 'progress', 'dashboard'] as const;
export type Watcher = (typeof WATCHERS)[number];

/** The variants in the order they take turns within a repeat: `plain` first, as the one the others are compared with. */
export const WATCH_VARIANTS = ['plain', ...WATCHERS] as const;
export type WatchVariant = (typeof WATCH_VARIANTS)[number];

/** What each watcher is, for the table. */
export const WATCHER_LABELS: Record<Watcher, string> = {
  events: 'no-op onEvent',
  progress: 'progress, plain lines',
  dashboard: 'dashboard, no page open',
};

/** The options that add `variant`'s watcher to a run; new objects each time, so that no run hands state to the next. */
export function watcherOptions(variant: WatchVariant): ComputeOptions {
  switch (variant) {
    case 'plain':
      return {};
    case 'events':
      return { onEvent: () => undefined };
    case 'progress':
      return { progress: { interactive: false, stream: discard() } };
    case 'dashboard':
      // One server per process: the first dashboard run starts it on a free port, later ones join it.
      return { dashboard: { port: 0 } };
  }
}

function discard(): Writable {
  return new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });
}
