/**
 * A call's CID is fixed when the call is made, from its arguments as they were then.
 * Two kinds of argument can change afterwards without the CID noticing: a large
 * binary value changed in place (its digest is memoised per object), and a file or
 * directory edited on disk. A run checks them before it trusts the CID — before it
 * reads the cache or runs the task — and files again before it stores the result, so
 * neither is served, nor stored, a result computed for other contents.
 */
import type { Delayed } from '../graph/delayed.js';
import { changedOnDisk } from '../files/file-value.js';
import { rehashLargeBinary } from '../hash/large-binary.js';

export class ArgumentChecks {
  /** Large binaries already re-hashed by this run, with their digest now: each is hashed once per run. */
  readonly #binaries = new WeakMap<object, Uint8Array>();

  /** Why the call's arguments are no longer what its CID was computed from, or undefined. */
  beforeRun(delayed: Delayed<unknown>): string | undefined {
    for (const note of delayed.watched) {
      if (note.kind === 'binary') {
        let now = this.#binaries.get(note.object);
        if (now === undefined) {
          now = rehashLargeBinary(note.object, note.elementSize);
          this.#binaries.set(note.object, now);
        }
        if (Buffer.compare(now, note.digest) !== 0) return `its argument ${note.path} was changed in place after the call was made: build the graph again (arguments must not be mutated once passed)`;
      } else if (note.kind === 'file') {
        const why = changedOnDisk(note.value);
        if (why) return `its argument ${note.path}: ${why}: build the graph again`;
      }
    }
    return undefined;
  }

  /** Files only: a task that ran while its input file changed must not have its result stored. */
  beforeStore(delayed: Delayed<unknown>): string | undefined {
    for (const note of delayed.watched) {
      if (note.kind !== 'file') continue;
      const why = changedOnDisk(note.value);
      if (why) return `its argument ${note.path}: ${why} (while the task ran); its result was not stored`;
    }
    return undefined;
  }
}
