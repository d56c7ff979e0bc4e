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
 */
import { InvalidArgumentError } from '../errors.js';
import type { Link } from '../hash/call-address.js';
import { Delayed } from './delayed.js';
import { setAtPath, templateOf, type Path } from './fill-inputs.js';
import { gatherFunction } from './gather.js';
import { partFunction } from './parts.js';
import { isDelayed, nodesIn } from './returned-graph.js';
import { describeFunction, type DelayedOptions, type TaskFunction } from './task-function.js';

export const GRAPH_FORMAT = 'memograph/graph 2';

type Placement =
  | { readonly kind: 'source'; readonly expression: string }
  | { readonly kind: 'module'; readonly url: string; readonly exportName: string }
  | { readonly kind: 'builtin'; readonly name: string };

interface FunctionEntry {
  readonly placement: Placement;
  readonly options: DelayedOptions;
}

export interface GraphDescription {
  readonly format: typeof GRAPH_FORMAT;
  readonly functions: FunctionEntry[];
  readonly calls: Int32Array;
  readonly arity: Int32Array;
  readonly args: unknown[];
  readonly links: Int32Array;
  readonly paths: Path[];
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
  const functions: FunctionEntry[] = [];
  const functionIndex = new Map<TaskFunction, number>();
  // By object, not CID: a call a worker sketched has no CID (the main thread computes them all).
  const callIndex = new Map<Delayed<unknown>, number>();
  const found = nodesIn([structure]);
  const { order, linksOf } = inputsFirst(found.map((link) => link.node));
  const calls = new Int32Array(order.length);
  const arity = new Int32Array(order.length);
  const args: unknown[] = [];
  const links: number[] = [];
  const paths: Path[] = [];
  order.forEach((node, c) => {
    let f = functionIndex.get(node.task);
    if (f === undefined) {
      f = functions.length;
      functions.push(describeTask(node.task));
      functionIndex.set(node.task, f);
    }
    calls[c] = f;
    const inputs = linksOf[c]!;
    const template = inputs.some((link) => link.path.length > 1) ? templateOf(node.args, inputs.map((link) => link.path)) : node.args;
    arity[c] = template.length;
    // A whole-argument input is left out here: its place in `links` says where it goes.
    for (let i = 0; i < template.length; i++) args.push(isDelayed(template[i]) ? null : template[i]);
    addLinks(links, inputs, callIndex, paths);
    callIndex.set(node, c);
  });
  const rootLinks: number[] = [];
  addLinks(rootLinks, found, callIndex, paths);
  return {
    format: GRAPH_FORMAT,
    functions,
    calls,
    arity,
    args,
    links: Int32Array.from(links),
    paths,
    root: templateOf([structure], found.map((link) => link.path)),
    rootLinks: Int32Array.from(rootLinks),
  };
}

/** Append to `links` a call's inputs: their count, then [input's call, a, b] each (see GraphDescription). */
function addLinks(links: number[], inputs: readonly { node: unknown; path: Path }[], callIndex: Map<Delayed<unknown>, number>, paths: Path[]): void {
  links.push(inputs.length);
  for (const { node, path } of inputs) {
    const [a, b] = path;
    const at = callIndex.get(node as Delayed<unknown>)!;
    if (path.length === 1 && typeof a === 'number') links.push(at, a, -1);
    else if (path.length === 2 && typeof a === 'number' && typeof b === 'number') links.push(at, a, b);
    else {
      links.push(at, -2 - paths.length, 0);
      paths.push(path);
    }
  }
}

/** Every node below `roots`, each after its inputs, each once, with its links. Iterative: a returned chain may be long. */
function inputsFirst(roots: readonly Delayed<unknown>[]): { order: Delayed<unknown>[]; linksOf: (readonly Link[])[] } {
  const order: Delayed<unknown>[] = [];
  const linksOf: (readonly Link[])[] = [];
  const seen = new Set<Delayed<unknown>>();
  const stack: { node: Delayed<unknown>; links: readonly Link[]; next: number }[] = [];
  for (const root of roots) {
    if (seen.has(root)) continue;
    seen.add(root);
    stack.push({ node: root, links: root.links, next: 0 });
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const links = top.links;
      if (top.next < links.length) {
        const input = links[top.next++]!.node as Delayed<unknown>;
        if (!seen.has(input)) {
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

/** The structure a description stands for, with nodes built (and identified) by this process; `nodes` lists them all. */
export async function rebuildGraph(description: unknown): Promise<{ structure: unknown; nodes: Delayed<unknown>[] }> {
  const graph = checked(description);
  const tasks = await Promise.all(graph.functions.map(rebuildFunction));
  const { calls, arity, args, links, paths } = graph;
  const nodes: Delayed<unknown>[] = [];
  const place = new Placer(links, paths);
  let next = 0;
  for (let c = 0; c < calls.length; c++) {
    const n = arity[c]!;
    if (n < 0 || next + n > args.length) malformed(`arguments of call ${c}`);
    const callArgs = args.slice(next, next + n);
    next += n;
    place.inputs(callArgs, nodes, `inputs of call ${c}`);
    nodes.push(new Delayed(tasks[calls[c]!]!, callArgs));
  }
  if (next !== args.length || place.at !== links.length) malformed('columns of different lengths');
  const rootPlace = new Placer(graph.rootLinks, paths);
  rootPlace.inputs(graph.root, nodes, 'root');
  if (rootPlace.at !== graph.rootLinks.length) malformed('root');
  return { structure: graph.root[0], nodes };
}

/** Reads a links column, putting each call's inputs into its arguments. */
class Placer {
  at = 0;
  constructor(
    readonly links: Int32Array,
    readonly paths: Path[],
  ) {}

  inputs(target: unknown[], nodes: readonly Delayed<unknown>[], what: string): void {
    const { links } = this;
    const count = links[this.at++];
    if (count === undefined || count < 0 || this.at + 3 * count > links.length) malformed(what);
    for (let k = 0; k < count!; k++) {
      const input = nodes[links[this.at]!];
      const a = links[this.at + 1]!;
      const b = links[this.at + 2]!;
      this.at += 3;
      if (input === undefined) malformed(what);
      if (a >= 0 && a < target.length && b === -1) target[a] = input;
      else if (a >= 0 && b >= 0 && Array.isArray(target[a]) && b < (target[a] as unknown[]).length) (target[a] as unknown[])[b] = input;
      else if (a <= -2 && this.paths[-2 - a] !== undefined) setAtPath(target, this.paths[-2 - a]!, input);
      else malformed(what);
    }
  }
}

function malformed(what: string): never {
  throw new Error(`not a returned graph (${what})`);
}

/** Rebuilt functions by what describes them: one identity per function, however many nodes call it. */
const rebuilt = new Map<string, Promise<TaskFunction>>();

function rebuildFunction(entry: FunctionEntry): Promise<TaskFunction> {
  const key = JSON.stringify(entry);
  let task = rebuilt.get(key);
  if (!task) {
    task = functionOf(entry);
    rebuilt.set(key, task);
    task.catch(() => rebuilt.delete(key));
  }
  return task;
}

async function functionOf({ placement, options }: FunctionEntry): Promise<TaskFunction> {
  if (placement.kind === 'builtin') {
    if (placement.name === 'get') return partFunction();
    if (placement.name === 'gather') return gatherFunction();
    throw new Error(`no built-in function named ${placement.name}`);
  }
  if (placement.kind === 'source') {
    // The same compilation a worker thread makes of it (executors/worker.ts).
    const fn = new Function(`return (${placement.expression}\n);`)() as (...args: never[]) => unknown;
    return describeFunction(fn, options);
  }
  const module = (await import(placement.url)) as Record<string, unknown>;
  const fn = module[placement.exportName];
  if (typeof fn !== 'function') throw new Error(`module ${placement.url} has no exported function \`${placement.exportName}\``);
  return describeFunction(fn, { ...options, module: placement.url, exportName: placement.exportName });
}

/** The description, or an error saying what is wrong with it (bytes from the store may be damaged or foreign). */
function checked(value: unknown): GraphDescription {
  if (typeof value !== 'object' || value === null) malformed('not an object');
  const graph = value as GraphDescription;
  if (graph.format !== GRAPH_FORMAT) malformed(`format ${String(graph.format)}`);
  const columns = [graph.calls, graph.arity, graph.links, graph.rootLinks];
  if (!columns.every((column) => column instanceof Int32Array) || graph.calls.length !== graph.arity.length) malformed('columns');
  if (!Array.isArray(graph.functions) || !Array.isArray(graph.args) || !Array.isArray(graph.paths) || !Array.isArray(graph.root) || graph.root.length !== 1) malformed('shape');
  graph.functions.forEach((entry, i) => {
    const kind = (entry as FunctionEntry | undefined)?.placement?.kind;
    if (kind !== 'source' && kind !== 'module' && kind !== 'builtin') malformed(`function ${i}`);
  });
  if (!graph.calls.every((f) => f >= 0 && f < graph.functions.length)) malformed('calls');
  if (!graph.paths.every((path) => Array.isArray(path) && path.length > 0)) malformed('paths');
  return graph;
}
