import { randomUUID } from 'node:crypto';
import { isMainThread } from 'node:worker_threads';
import { InvalidArgumentError, UnhashableError } from '../errors.js';
import { callAddress, type ArgNote, type Link } from '../hash/call-address.js';
import type { ComputeOptions } from '../options.js';
import { checkNout, partFunction, type PartKey, type PartOf } from './parts.js';
import type { Resolved } from './computed.js';
import { addressedArgs } from './ignore.js';
import { DELAYED_BRAND, ReturnedDelayed, nodesIn } from './returned-graph.js';
import { callSite } from './call-site.js';
import { insideTask, taskContext } from './task-context.js';
import { describeFunction, type DelayedOptions, type TaskFunction } from './task-function.js';

/**
 * A lazy call: a function, its arguments, and the content address (CID) of the
 * pair, fixed when the call is made. Nothing runs until it is computed.
 */
export class Delayed<T> {
  /** Undefined only for a call sketched on a worker thread (see the constructor) until it is asked for. */
  #cid: string | undefined;
  /** @internal */ readonly task: TaskFunction;
  /** @internal */ readonly args: readonly unknown[];
  /**
   * Links when some graph node sits deeper than a whole argument; `undefined` when
   * every node is a whole argument, as in most graphs: `links` then derives them
   * from `args` on demand instead of holding arrays for every node of a
   * million-node graph.
   */
  readonly #nestedLinks: readonly Link[] | undefined;
  /**
   * @internal Large binaries and file values among the arguments, which a run checks
   * again before it trusts this CID (they may have changed since the call was made).
   */
  readonly watched: readonly ArgNote[];
  /**
   * @internal A `cache: false` call is this one or among its inputs, at any depth: its
   * inputs may return something else on every run, so its CID does not name its result
   * and the run looks it up by its inputs' values instead (graph/value-key.ts).
   */
  readonly volatile: boolean;
  /** @internal Marks a phantom use of T so that Delayed<number> and Delayed<string> differ. */
  declare readonly __type?: T;

  /** @internal Use {@link delayed}. */
  constructor(task: TaskFunction, args: readonly unknown[]) {
    this.task = task;
    this.args = args;
    const context = isMainThread ? undefined : taskContext.getStore();
    if (context !== undefined) {
      // A call made by a task on a worker thread, to be returned: the main thread
      // identifies every call of a returned graph itself (graph-description.ts), so
      // it is only sketched here, its CID computed if something asks for it.
      const links: Link[] = nodesIn(args);
      this.watched = NO_NOTES;
      this.volatile = !task.cache || links.some((link) => (link.node as Delayed<unknown>).volatile);
      this.#nestedLinks = links.some((link) => link.path.length > 1) ? links : undefined;
      context.sketched?.(this);
      return;
    }
    const ignore = task.identity.ignore;
    const addressed = ignore === undefined ? args : addressedArgs(args, ignore);
    const { cid, links, notes } = callAddress(task.identity, addressed, linkOf, task.pure ? undefined : randomUUID());
    const nested = links.some((link) => link.path.length > 1);
    if (nested) checkSubstitutable(args, links);
    this.watched = notes.length === 0 ? notes : notes.filter((note) => note.kind !== 'class');
    if (notes.length > 0 && task.placement.kind !== 'main') checkTravels(notes);
    this.volatile = !task.cache || links.some((link) => (link.node as Delayed<unknown>).volatile);
    this.#cid = cid;
    this.#nestedLinks = nested ? links : undefined;
  }

  /** The call's content address: a CIDv1 string, known before anything runs. It cannot be changed. */
  get cid(): string {
    if (this.#cid === undefined) {
      const ignore = this.task.identity.ignore;
      const addressed = ignore === undefined ? this.args : addressedArgs(this.args, ignore);
      this.#cid = callAddress(this.task.identity, addressed, linkOf, this.task.pure ? undefined : randomUUID()).cid;
    }
    return this.#cid;
  }

  /** @internal Graph nodes found inside `args`, each with where it was found. */
  get links(): readonly Link[] {
    if (this.#nestedLinks) return this.#nestedLinks;
    const links: Link[] = [];
    for (let i = 0; i < this.args.length; i++) {
      const arg = this.args[i];
      if (arg instanceof Delayed) links.push({ node: arg, path: [i] });
    }
    return links;
  }

  /** The task's display name. */
  get name(): string {
    return this.task.name;
  }

  /**
   * A part of this value, as a node of its own: a property of an object, an element of an
   * array or tuple, the value of a Map's key. Computed on the main thread from the whole.
   *
   * @example
   * const stats = delayed(summarise)(rows);   // Delayed<{ mean: number; n: number }>
   * const mean = stats.get('mean');           // Delayed<number>
   */
  get<K extends PartKey<T>>(key: K): Delayed<PartOf<T, K>> {
    return new Delayed<PartOf<T, K>>(partFunction(), [this, key]);
  }

  /** Unpacking needs to know how many parts there are: see `nout`. */
  [Symbol.iterator](): Iterator<never> {
    throw new TypeError(
      `${this} cannot be unpacked: pass { nout: N } to delayed() for a function that returns N values, or take parts with .get(i)`,
    );
  }

  /** Compute this value alone; the same as `compute(this, options).then(([v]) => v)`. */
  async compute(options?: ComputeOptions): Promise<T> {
    // The graph layer stands on its own: the runtime is reached only when a value is asked for.
    const { compute } = await import('../compute.js');
    const [value] = await compute(this as Delayed<unknown>, options ?? {});
    return value as T;
  }

  toString(): string {
    return `Delayed(${this.task.name}, ${this.cid})`;
  }

  [Symbol.toPrimitive](hint: string): string {
    if (hint === 'string') return this.toString();
    throw new TypeError(`${this} is lazy and has no value yet: compute it before using it in an expression`);
  }
}

Object.defineProperty(Delayed.prototype, DELAYED_BRAND, { value: true });

const NO_NOTES: readonly ArgNote[] = Object.freeze([]);

/**
 * `await delayedValue` is almost always a mistake (it would silently yield the Delayed
 * itself), so awaiting one fails loudly instead. Inside a task's call it gives a
 * placeholder the task may return (an async task returning a graph: see
 * returned-graph.ts). Defined here, not in the class, so that TypeScript does not take a
 * Delayed for a promise: an async function may then return one, and Awaited leaves it be.
 */
Object.defineProperty(Delayed.prototype, 'then', {
  value: function then(this: Delayed<unknown>, resolve: unknown, reject?: unknown): void {
    if (insideTask() && typeof resolve === 'function') {
      (resolve as (value: unknown) => void)(new ReturnedDelayed(this));
      return;
    }
    const error = new TypeError(`${this} is lazy and cannot be awaited: use \`await x.compute()\` or \`await compute(x)\``);
    if (typeof reject === 'function') (reject as (reason: unknown) => void)(error);
    else throw error;
  },
});

/**
 * A node's value is put into the arguments by path before the call; that works
 * through arrays and plain objects, not through Map keys or Set members. Each
 * container is checked once, however many nodes it holds (a sum over 10,000 calls
 * holds them all in one array), and its place is spelled out only for the error.
 */
function checkSubstitutable(args: readonly unknown[], links: readonly Link[]): void {
  let checked: Set<unknown> | undefined;
  for (const { path } of links) {
    let container: unknown = args;
    for (let depth = 0; depth < path.length - 1; depth++) {
      container = (container as Record<string | number, unknown>)[path[depth]!];
      if (checked?.has(container)) continue;
      const plain = Array.isArray(container) || Object.getPrototypeOf(container) === Object.prototype || Object.getPrototypeOf(container) === null;
      if (!plain) {
        const kind = (container as object)?.constructor?.name ?? typeof container;
        const where = path.slice(0, depth + 1).reduce<string>((at, key) => at + (typeof key === 'number' ? `[${key}]` : `.${key}`), 'args');
        throw new InvalidArgumentError(
          `A Delayed value inside a ${kind} (at ${where}) cannot be passed to a task: put Delayed values in arrays or plain objects`,
        );
      }
      (checked ??= new Set()).add(container);
    }
  }
}

/**
 * An instance of a registered class reaches a worker thread only as what its encoder
 * can rebuild there: refuse now, with its path, rather than let it arrive as a plain
 * object or fail later.
 */
function checkTravels(notes: readonly ArgNote[]): void {
  for (const note of notes) {
    if (note.kind !== 'class') continue;
    const { encoder, path } = note;
    const missing = !encoder.decode ? '`decode`' : encoder.module === undefined ? '`module`' : undefined;
    if (missing === undefined) continue;
    throw new UnhashableError(
      path,
      `instance of \`${encoder.cls.name}\` (registered as "${encoder.name}") cannot travel to a worker thread: its encoder has no ${missing}`,
      'Give registerEncoder `decode` and `module: import.meta.url` (the module that registers it), or run the task with `mainThread: true`',
    );
  }
}

/** Graph nodes among a call's arguments are written as links to their CIDs. */
export function linkOf(value: object): string | undefined {
  return value instanceof Delayed ? value.cid : undefined;
}

/** An argument position: a plain value, a Delayed of it, or a structure holding Delayed values. */
export type MaybeDelayed<T> =
  | T
  | Delayed<T>
  | (T extends readonly (infer E)[]
      ? MaybeDelayed<E>[]
      : T extends (...args: never[]) => unknown
        ? never
        : T extends Map<unknown, unknown> | Set<unknown> | Date | ArrayBufferView
          ? never
          : T extends object
            ? { [K in keyof T]: MaybeDelayed<T[K]> }
            : never);

export type DelayedArgs<A extends readonly unknown[]> = { [K in keyof A]: MaybeDelayed<A[K]> };

/** A function wrapped by {@link delayed}: calling it builds a graph node instead of running. */
/**
 * What a call of a function returning `R` computes to: its resolved value, and for a
 * function that returns a graph (a Delayed, or a structure holding some), that graph's value.
 */
export type ValueOf<R> = Resolved<Awaited<R>>;

export interface DelayedFunction<A extends readonly unknown[], R> {
  (...args: DelayedArgs<A>): Delayed<ValueOf<R>>;
  /** The wrapped function's name, as used in errors and the cache. */
  readonly taskName: string;
}

/**
 * The node of a call made with `nout`: the whole result, and one node per element
 * (`const [train, test] = split(rows)`), each typed from the function's tuple.
 */
export type DelayedTuple<T extends readonly unknown[]> = Delayed<T> & { readonly [I in keyof T]: Delayed<T[I]> } & Iterable<Delayed<T[number]>>;

/** A function wrapped by {@link delayed} with `nout`: its calls unpack into their elements. */
export interface DelayedTupleFunction<A extends readonly unknown[], R extends readonly unknown[]> {
  (...args: DelayedArgs<A>): DelayedTuple<R>;
  readonly taskName: string;
}

/**
 * Wrap a function so that calling it returns a lazy {@link Delayed} node.
 *
 * @example
 * const inc = delayed((x: number) => x + 1);
 * const two = inc(inc(0));      // nothing has run
 * await two.compute();          // 2, computed on worker threads and cached
 */
export function delayed<A extends unknown[], R extends readonly unknown[]>(
  fn: (...args: A) => R | Promise<R>,
  options: DelayedOptions & { nout: R['length'] },
): DelayedTupleFunction<A, R>;
export function delayed<A extends unknown[], R>(fn: (...args: A) => R, options?: DelayedOptions & { nout?: undefined }): DelayedFunction<A, R>;
export function delayed<A extends unknown[], R>(
  fn: (...args: A) => R,
  options?: DelayedOptions,
): DelayedFunction<A, R> {
  const nout = checkNout(options?.nout);
  // Only the main thread's functions run on workers from their source: a worker's own calls are rebuilt there.
  const task = describeFunction(fn, options, isMainThread ? () => callSite(delayed) : undefined);
  const call =
    nout === undefined
      ? (...args: unknown[]) => new Delayed<ValueOf<R>>(task, args)
      : ((Tuple) => (...args: unknown[]) => new Tuple(task, args))(tupleClass(nout));
  Object.defineProperty(call, 'taskName', { value: task.name });
  Object.defineProperty(call, 'name', { value: task.name });
  return call as unknown as DelayedFunction<A, R>;
}

/** The elements of a call made with `nout`, in order (see tupleClass). */
class PartsIterator implements IterableIterator<Delayed<unknown>> {
  #next = 0;

  constructor(
    readonly node: { part(i: number): Delayed<unknown> },
    readonly nout: number,
  ) {}

  next(): IteratorResult<Delayed<unknown>> {
    return this.#next < this.nout ? { value: this.node.part(this.#next++), done: false } : { value: undefined, done: true };
  }

  [Symbol.iterator](): IterableIterator<Delayed<unknown>> {
    return this;
  }
}

/**
 * The class of calls made with `nout`: a Delayed whose elements are nodes, by index
 * and by unpacking. One class per `nout`, made once, with the elements' getters on its
 * prototype: a call then costs what a plain one does, not a property definition each.
 */
const tupleClasses = new Map<number, new (task: TaskFunction, args: readonly unknown[]) => Delayed<unknown>>();

function tupleClass(nout: number): new (task: TaskFunction, args: readonly unknown[]) => Delayed<unknown> {
  let cls = tupleClasses.get(nout);
  if (cls !== undefined) return cls;
  class DelayedTupleNode extends Delayed<unknown[]> {
    #parts: Delayed<unknown>[] | undefined;

    /** @internal Element `i`, made once. */
    part(i: number): Delayed<unknown> {
      const parts = (this.#parts ??= []);
      return (parts[i] ??= this.get(i));
    }

  }
  // `const [a, b] = f(x)` runs once per call made: an iterator of its own closures for
  // each cost a third as much again as the call, a PartsIterator next to nothing.
  Object.defineProperty(DelayedTupleNode.prototype, Symbol.iterator, {
    value: function (this: DelayedTupleNode): IterableIterator<Delayed<unknown>> {
      return new PartsIterator(this, nout);
    },
  });
  for (let i = 0; i < nout; i++) {
    Object.defineProperty(DelayedTupleNode.prototype, i, {
      get(this: DelayedTupleNode) {
        return this.part(i);
      },
    });
  }
  cls = DelayedTupleNode as unknown as new (task: TaskFunction, args: readonly unknown[]) => Delayed<unknown>;
  tupleClasses.set(nout, cls);
  return cls;
}
