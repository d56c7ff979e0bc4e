import { afterEach, describe, expect, it } from 'vitest';
import { delayed } from '../../src/index.js';

const scope = globalThis as Record<string, unknown>;
const entries = (node: { task: { identity: { code?: { entries: readonly (readonly string[])[] } } } }) =>
  node.task.identity.code?.entries ?? [];

afterEach(() => {
  delete scope.memographTestScale;
});

describe('globals a main-thread function reads', () => {
  it('are captured entries of module globalThis, by value, whether read by name or as globalThis.NAME', () => {
    const byName = () =>
      delayed(() => ((globalThis as Record<string, unknown>).memographTestScale as number) * 2, { mainThread: true, name: 'g' })();
    // A captured alias of the global object reads globals too.
    const aliased = () => delayed(() => (scope.memographTestScale as number) * 2, { mainThread: true, name: 'g' })();
    // A free name that is neither declared nor standard is looked up on globalThis.
    const free = () =>
      delayed(new Function('return memographTestScale * 2') as () => number, { mainThread: true, name: 'g' })();
    scope.memographTestScale = 2;
    const [entry] = entries(free());
    expect(entry!.slice(0, 3)).toEqual(['captured', 'globalThis', 'memographTestScale']);
    expect(entries(aliased())).toEqual(entries(byName()));
    const before = [byName().cid, free().cid, aliased().cid];
    scope.memographTestScale = 3;
    expect([byName().cid, free().cid, aliased().cid].filter((cid, i) => cid === before[i])).toEqual([]);
  });

  it('tells an absent global from one that is set', () => {
    const free = () => delayed(new Function('return memographTestScale') as () => unknown, { mainThread: true, name: 'g' })();
    expect(entries(free())).toEqual([['captured', 'globalThis', 'memographTestScale', 'absent']]);
    scope.memographTestScale = undefined;
    expect(entries(free())[0]![3]).not.toBe('absent');
  });

  it('are not entries when they are standard globals, unless a closure shadows one', () => {
    expect(entries(delayed((x: number) => Math.max(x, JSON.parse('1') as number), { mainThread: true })(1))).toEqual([]);
    const shadow = (Math: { max: (a: number, b: number) => number }) => (x: number) => Math.max(x, 1);
    const a = delayed(shadow({ max: (a, b) => a + b }), { mainThread: true, name: 's' })(1);
    const b = delayed(shadow({ max: (a, b) => a * b }), { mainThread: true, name: 's' })(1);
    expect(a.cid).not.toBe(b.cid);
  });
});
