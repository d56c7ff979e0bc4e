import type { Delayed } from './delayed.js';

/** The structure `S` with each Delayed<T> in it replaced by T. */
export type Computed<S> =
  S extends Delayed<infer T>
    ? T
    : S extends readonly unknown[]
      ? { -readonly [I in keyof S]: Computed<S[I]> }
      : S extends (...args: never[]) => unknown
        ? S
        : S extends Map<unknown, unknown> | Set<unknown> | Date | RegExp | ArrayBufferView | ArrayBuffer
          ? S
          : S extends object
            ? { -readonly [K in keyof S]: Computed<S[K]> }
            : S;

/**
 * Whether `S` holds a Delayed where a run looks for one: itself, or inside arrays and
 * plain objects, down to a few levels (deeper nodes in a returned structure are rare, and
 * an unbounded look would never end on a recursive type such as a tree).
 */
type HoldsDelayed<S, Depth extends unknown[] = []> = Depth['length'] extends 4
  ? false
  : S extends Delayed<unknown>
    ? true
    : S extends readonly (infer E)[]
      ? HoldsDelayed<E, [...Depth, unknown]>
      : S extends (...args: never[]) => unknown
        ? false
        : S extends Map<unknown, unknown> | Set<unknown> | Date | RegExp | ArrayBufferView | ArrayBuffer
          ? false
          : S extends object
            ? true extends { [K in keyof S]-?: HoldsDelayed<S[K], [...Depth, unknown]> }[keyof S]
              ? true
              : false
            : false;

/**
 * What a task returning `S` computes to: `S` itself, or, where `S` is (or holds) graph
 * nodes, the graph's value. Types that hold no node are left exactly as they are.
 */
export type Resolved<S> = S extends unknown ? (HoldsDelayed<S> extends false ? S : Computed<S>) : never;
