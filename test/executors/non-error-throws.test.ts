import { afterAll, describe, expect, it } from 'vitest';
import { compute, delayed, shutdown, TaskError } from '../../src/index.js';

afterAll(() => shutdown());

/** Throws a value that is not an Error, of the kind asked for. */
function throwsKind(kind: string): never {
  if (kind === 'object') throw { code: 42, reason: 'disk on fire' };
  if (kind === 'string') throw 'text';
  if (kind === 'number') throw 42;
  if (kind === 'null') throw null;
  if (kind === 'undefined') throw undefined;
  if (kind === 'cycle') {
    const cycle: { self?: unknown } = {};
    cycle.self = cycle;
    throw cycle;
  }
  throw new Error(`unknown kind ${kind}`);
}

const EXPECTED: readonly (readonly [string, string])[] = [
  ['object', 'non-Error thrown: {"code":42,"reason":"disk on fire"}'],
  ['string', 'non-Error thrown: "text"'],
  ['number', 'non-Error thrown: 42'],
  ['null', 'non-Error thrown: null'],
  ['undefined', 'non-Error thrown: undefined'],
  ['cycle', 'non-Error thrown: <ref *1> { self: [Circular *1] }'],
];

describe('a task that throws a value that is not an Error', () => {
  for (const [where, options] of [
    ['a worker thread', {}],
    ['the main thread', { mainThread: true }],
  ] as const) {
    it(`keeps what it threw in the message, on ${where}`, async () => {
      const task = delayed(throwsKind, options);
      const messages: string[] = [];
      for (const [kind] of EXPECTED) {
        const error = await compute(task(kind), { cache: false, workers: 1 }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TaskError);
        messages.push((error as TaskError).originalMessage);
      }
      expect(messages).toEqual(EXPECTED.map(([, message]) => message));
    });
  }
});
