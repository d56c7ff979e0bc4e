/**
 * A returned graph as plain data: what a task on a worker thread sends back instead of
 * a value, and what the store keeps as that task's result, so that a re-run rebuilds
 * the graph without running the task again. Columns, not an object per call, so that
 * a graph of many calls costs little to encode and decode:
 *
 *   { format: 'memograph/graph 2',
 *     functions: [{ placement, options }],  // how to rebuild each function
 *     calls: Int32Array,                    // per call, its function; inputs come first
 *     arity: Int32Array,                    // per call, how many arguments it has
 *     args: [...],                          // every call's arguments, one after another,
 *                                           //   with null where an input goes
 *     links: Int32Array,                    // per call: how many inputs, then for each
 *                                           //   [input's call, a, b] (below)
 *     paths: [...],                         // the paths no (a, b) pair can say
 *     root: [structure], rootLinks: Int32Array }
 *
 * An input goes at argument `a` when `b` is -1, at element `b` of argument `a` when both
 * are indexes (an array of nodes), and at `paths[-2 - a]` otherwise. `root` holds the
 * returned structure as its only element, filled the same way. Functions travel as what
 * a worker can run (self-contained source, or a module's export) with the options they
 * were given: the process that rebuilds them identifies them itself, so every CID is
 * this process's own, computed from the code it would run. A main-thread function (a
 * closure, a command) cannot be rebuilt elsewhere and is refused with its name.
 *
 * A description can also be cut into chunks ({@link GraphChunk}: the same columns, for
 * the calls one after another, without the root): a worker sends the calls of a large
 * graph in chunks while its task is still making them, so that the main thread rebuilds
 * them meanwhile (executors/graph-sender.ts, graph-receiver.ts). Indexes of calls, functions and paths run
 * on from one chunk to the next, so chunks joined are one description.
 */
import { InvalidArgumentError } from '../errors.js';
import type { Link } from '../hash/call-address.js';
import type { Delayed } from './delayed.js';
import { templateOf, type Path } from './fill-inputs.js';
import { isDelayed, nodesIn } from './returned-graph.js';
import type { DelayedOptions, TaskFunction } from './task-function.js';

export const GRAPH_FORMAT = 'memograph/graph 2';

export type Placement =
  | { readonly kind: 'source'; readonly expression: string }
  | { readonly kind: 'module'; readonly url: string; readonly exportName: string }
  | { readonly kind: 'builtin'; readonly name: string };

export interface FunctionEntry {
  readonly placement: Placement;
  readonly options: DelayedOptions;
}

/** Calls one after another, as columns: a whole description's, or a run of them (see above). */
export interface GraphChunk {
  /** The functions first called in this chunk; `calls` counts from the first chunk's. */
  readonly functions: FunctionEntry[];
  readonly calls: Int32Array;
  readonly arity: Int32Array;
  readonly args: unknown[];
  readonly links: Int32Array;
  /** The paths first used in this chunk; `links` counts from the first chunk's. */
  readonly paths: Path[];
}

export interface GraphDescription extends GraphChunk {
  readonly format: typeof GRAPH_FORMAT;
  readonly root: unknown[];
  readonly rootLinks: Int32Array;
}

/** The description of a structure, or undefined when a function in it cannot be rebuilt (a main-thread call). */
export function describableGraph(structure: unknown): GraphDescription | undefined {
  try {
    return describeGraph(structure);
  } catch {
    return undefined;
  }
}

/** Options that are data; the others (validate, retry.retryIf) are code and cannot travel. */
const DATA_OPTIONS = ['name', 'version', 'ignore', 'env', 'outputs', 'cache', 'pure', 'expiresAfterMs', 'priority', 'resources', 'timeoutMs', 'memoryLimitMb'] as const;

/** A structure holding graph nodes, as plain data. Throws an InvalidArgumentError naming a function that cannot be rebuilt. */
export function describeGraph(structure: unknown): GraphDescription {
  return new GraphDescriber().finish(structure);
}

/**
 * Describes calls chunk by chunk: `add` the calls as they are made, `take` what was
 * added since the last chunk, and `finish` with the structure returned, which describes
 * whatever of it is not yet described, and the root. Each call is described once, after
 * its inputs, and only calls added or under the structure are described.
 */
export class GraphDescriber {
  readonly #functionIndex = new Map<TaskFunction, number>();
  // By object, not CID: a call a worker sketched has no CID (the main thread computes them all).
  readonly #callIndex = new Map<Delayed<unknown>, number>();
  #pathCount = 0;
  #chunk = emptyColumns();

  /** Describe `nodes`, each after whatever of its inputs is not described yet. */
  add(nodes: readonly Delayed<unknown>[]): void {
    const { order, linksOf } = inputsFirst(nodes, this.#callIndex);
    for (let i = 0; i < order.length; i++) this.#describe(order[i]!, linksOf[i]!);
  }

  /** The calls described since the last chunk was taken. */
  take(): GraphChunk {
    const chunk = this.#chunk;
    this.#chunk = emptyColumns();
    return { functions: chunk.functions, calls: Int32Array.from(chunk.calls), arity: Int32Array.from(chunk.arity), args: chunk.args, links: Int32Array.from(chunk.links), paths: chunk.paths };
  }

  /** The last chunk: the calls of `structure` not yet described, and `structure` as the root. */
  finish(structure: unknown): GraphDescription {
    const found = nodesIn([structure]);
    this.add(found.map((link) => link.node));
    const rootLinks: number[] = [];
    this.#addLinks(rootLinks, found);
    return { format: GRAPH_FORMAT, ...this.take(), root: templateOf([structure], found.map((link) => link.path)), rootLinks: Int32Array.from(rootLinks) };
  }

  #describe(node: Delayed<unknown>, inputs: readonly Link[]): void {
    const chunk = this.#chunk;
    let f = this.#functionIndex.get(node.task);
    if (f === undefined) {
      const entry = describeTask(node.task);
      f = this.#functionIndex.size;
      chunk.functions.push(entry);
      this.#functionIndex.set(node.task, f);
    }
    chunk.calls.push(f);
    const template = inputs.some((link) => link.path.length > 1) ? templateOf(node.args, inputs.map((link) => link.path)) : node.args;
    chunk.arity.push(template.length);
    // A whole-argument input is left out here: its place in `links` says where it goes.
    for (let i = 0; i < template.length; i++) chunk.args.push(isDelayed(template[i]) ? null : template[i]);
    this.#addLinks(chunk.links, inputs);
    this.#callIndex.set(node, this.#callIndex.size);
  }

  /** Append to `links` a call's inputs: their count, then [input's call, a, b] each (see GraphDescription). */
  #addLinks(links: number[], inputs: readonly { node: unknown; path: Path }[]): void {
    links.push(inputs.length);
    for (const { node, path } of inputs) {
      const [a, b] = path;
      const at = this.#callIndex.get(node as Delayed<unknown>)!;
      if (path.length === 1 && typeof a === 'number') links.push(at, a, -1);
      else if (path.length === 2 && typeof a === 'number' && typeof b === 'number') links.push(at, a, b);
      else {
        links.push(at, -2 - this.#pathCount++, 0);
        this.#chunk.paths.push(path);
      }
    }
  }
}

function emptyColumns() {
  return { functions: [] as FunctionEntry[], calls: [] as number[], arity: [] as number[], args: [] as unknown[], links: [] as number[], paths: [] as Path[] };
}

/** Chunks and the last one (`finish`'s) joined: the description of the whole graph. */
export function joinChunks(chunks: readonly GraphChunk[], last: GraphDescription): GraphDescription {
  const all = [...chunks, last];
  const join = (column: (chunk: GraphChunk) => Int32Array) => {
    const joined = new Int32Array(all.reduce((n, chunk) => n + column(chunk).length, 0));
    let at = 0;
    for (const chunk of all) {
      joined.set(column(chunk), at);
      at += column(chunk).length;
    }
    return joined;
  };
  return {
    ...last,
    functions: all.flatMap((chunk) => chunk.functions),
    calls: join((chunk) => chunk.calls),
    arity: join((chunk) => chunk.arity),
    args: all.flatMap((chunk) => chunk.args),
    links: join((chunk) => chunk.links),
    paths: all.flatMap((chunk) => chunk.paths),
  };
}

/**
 * Every node below `roots` that `described` lacks, each after its inputs, each once, with
 * its links. Iterative: a returned chain may be long.
 */
function inputsFirst(roots: readonly Delayed<unknown>[], described: ReadonlyMap<Delayed<unknown>, number>): { order: Delayed<unknown>[]; linksOf: (readonly Link[])[] } {
  const order: Delayed<unknown>[] = [];
  const linksOf: (readonly Link[])[] = [];
  const seen = new Set<Delayed<unknown>>();
  const known = (node: Delayed<unknown>) => described.has(node) || seen.has(node);
  const stack: { node: Delayed<unknown>; links: readonly Link[]; next: number }[] = [];
  for (const root of roots) {
    if (known(root)) continue;
    seen.add(root);
    stack.push({ node: root, links: root.links, next: 0 });
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const links = top.links;
      if (top.next < links.length) {
        const input = links[top.next++]!.node as Delayed<unknown>;
        if (!known(input)) {
          seen.add(input);
          stack.push({ node: input, links: input.links, next: 0 });
        }
        continue;
      }
      stack.pop();
      order.push(top.node);
      linksOf.push(top.links);
    }
  }
  return { order, linksOf };
}

function describeTask(task: TaskFunction): FunctionEntry {
  if (task.builtin !== undefined) return { placement: { kind: 'builtin', name: task.builtin }, options: {} };
  const { placement } = task;
  if (placement.kind === 'main') {
    throw new InvalidArgumentError(
      `"${task.name}" runs on the main thread (mainThread: true, or a command), so a call of it cannot be returned from a task on a worker thread or rebuilt from the cache: ` +
        'make it an exported function of a module ({ module: import.meta.url }) or self-contained',
    );
  }
  const options: Record<string, unknown> = {};
  for (const key of DATA_OPTIONS) if (task.options[key] !== undefined) options[key] = task.options[key];
  if (task.options.validate !== undefined) throw cannotTravel(task, '`validate`');
  const retry = task.options.retry;
  if (typeof retry === 'object' && retry !== null) {
    if (retry.retryIf !== undefined) throw cannotTravel(task, '`retry.retryIf`');
    options.retry = { attempts: retry.attempts, delayMs: retry.delayMs, backoff: retry.backoff };
  } else if (retry !== undefined) options.retry = retry;
  if (placement.kind === 'module') return { placement: { kind: 'module', url: placement.url, exportName: placement.exportName }, options };
  return { placement: { kind: 'source', expression: placement.expression }, options };
}

function cannotTravel(task: TaskFunction, what: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `"${task.name}" has a ${what} option, which is code: a call of it cannot be returned from a task on a worker thread or rebuilt from the cache`,
  );
}

