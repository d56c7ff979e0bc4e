import { describe, expect, it } from 'vitest';
import { CaptureChangedError, MemoryStore, UnhashableError, compute, delayed, startRun } from '../../src/index.js';

function makeAdder(n: number) {
  return (x: number) => x + n;
}

describe('main-thread closures in a run', () => {
  it('two closures of one source with different captured values give their own results', async () => {
    const add10 = delayed(makeAdder(10), { mainThread: true, name: 'add' });
    const add20 = delayed(makeAdder(20), { mainThread: true, name: 'add' });
    expect(await compute(add10(1), add20(1), { store: new MemoryStore() })).toEqual([11, 21]);
  });

  it('a captured let reassigned after delayed() fails the task, naming the variable', async () => {
    let offset = 1;
    const add = (x: number) => x + offset;
    const shift = delayed(add, { mainThread: true, name: 'shift' });
    const node = shift(1);
    offset = 2;
    const run = startRun([node], { store: new MemoryStore(), onFailure: 'continue' });
    const outcome = await run.settled;
    expect(outcome.failures).toHaveLength(1);
    const error = await compute(node, { store: new MemoryStore() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CaptureChangedError);
    expect((error as CaptureChangedError).code).toBe('MEMOGRAPH_CAPTURE_CHANGED');
    expect((error as Error).message).toMatch(/captured value `offset` changed.*after delayed\(\)/);
    // Built again, the function's identity describes the new value and runs.
    const again = delayed(add, { mainThread: true, name: 'shift' });
    expect(again(1).cid).not.toBe(node.cid);
    expect(await compute(again(1), { store: new MemoryStore() })).toEqual([3]);
  });

  it('a captured object mutated after delayed() fails the task', async () => {
    const config = { factor: 2 };
    const node = delayed((x: number) => x * config.factor, { mainThread: true, name: 'times' })(3);
    config.factor = 5;
    await expect(compute(node, { store: new MemoryStore() })).rejects.toThrow(/captured value `config` changed/);
  });

  it('an unhashable captured value is refused at delayed(), with the variable’s name', () => {
    const socket = new (class Socket {})();
    expect(() => delayed((x: number) => [x, socket], { mainThread: true })).toThrow(UnhashableError);
    expect(() => delayed((x: number) => [x, socket], { mainThread: true })).toThrow(/captured variable `socket`/);
  });
});
