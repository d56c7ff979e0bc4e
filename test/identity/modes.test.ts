import { runInThisContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { MemoryStore, compute, delayed } from '../../src/index.js';

// One text, compiled as sloppy-mode script code and as strict (module) code.
const sloppyKind = runInThisContext('(function kind() { return this === undefined ? "undefined" : typeof this; })') as () => string;
function kind(this: unknown) {
  return this === undefined ? 'undefined' : typeof this;
}

describe('sloppy and strict mode', () => {
  it('are two identities, and a worker runs each in its own mode', async () => {
    const sloppy = delayed(sloppyKind);
    const strict = delayed(kind);
    expect(sloppy().task.identity.sloppy).toBe(true);
    expect(strict().task.identity.sloppy).toBeUndefined();
    // The worker's compile cache is keyed by the identity: one cannot be served the other's compilation.
    expect(sloppy().task.key).not.toBe(strict().task.key);
    expect(await compute(strict(), sloppy(), { store: new MemoryStore(), workers: 1 })).toEqual(['undefined', 'object']);
  });
});

describe("a task's this", () => {
  it('is undefined on the main thread and on workers, never an engine object', async () => {
    const onMain = delayed(kind, { mainThread: true, name: 'main-kind' });
    const onWorker = delayed(kind, { name: 'worker-kind' });
    expect(await compute(onMain(), onWorker(), { store: new MemoryStore() })).toEqual(['undefined', 'undefined']);
  });
});
