/**
 * A returned graph as plain data: what a task on a worker thread sends back instead of
 * a value, and what the store keeps as that task's result, so that a re-run rebuilds
 * the graph without running the task again.
 *
 *   { format: 'memograph/graph 1',
 *     functions: [{ placement, options }],   // how to rebuild each function
 *     nodes: [{ f, args, paths, inputs }],   // inputs before the nodes that take them
 *     root, paths, inputs }                  // [the returned structure], holes at paths
 *
 * A node's `args` are its arguments with `null` where an input goes (`paths`), and
 * `inputs` names those inputs by their place in `nodes`; `root` holds the returned
 * structure as its only element, in the same way. Functions travel as what a worker can
 * run (self-contained source, or a module's export) with the options they were given:
 * the process that rebuilds them identifies them itself, so every CID is this process's
 * own, computed from the code it would run. A main-thread function (a closure, a command)
 * cannot be rebuilt elsewhere and is refused with its name.
 */
import { InvalidArgumentError } from '../errors.js';
import { Delayed } from './delayed.js';
import { setAtPath, templateOf, type Path } from './fill-inputs.js';
import { gatherFunction } from './gather.js';
import { partFunction } from './parts.js';
import { nodesIn } from './returned-graph.js';
import { describeFunction, type DelayedOptions, type TaskFunction } from './task-function.js';

export const GRAPH_FORMAT = 'memograph/graph 1';

type Placement =
  | { readonly kind: 'source'; readonly expression: string }
  | { readonly kind: 'module'; readonly url: string; readonly exportName: string }
  | { readonly kind: 'builtin'; readonly name: string };

interface FunctionEntry {
  readonly placement: Placement;
  readonly options: DelayedOptions;
}

interface NodeEntry {
  readonly f: number;
  readonly args: unknown[];
  readonly paths: Path[];
  readonly inputs: number[];
}

export interface GraphDescription {
  readonly format: typeof GRAPH_FORMAT;
  readonly functions: FunctionEntry[];
  readonly nodes: NodeEntry[];
  readonly root: unknown[];
  readonly paths: Path[];
  readonly inputs: number[];
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
  const nodes: NodeEntry[] = [];
  // By object, not CID: a call a worker sketched has no CID (the main thread computes them all).
  const nodeIndex = new Map<Delayed<unknown>, number>();
  const found = nodesIn([structure]);
  const rootPaths: Path[] = found.map((link) => link.path);
  const rootNodes: Delayed<unknown>[] = found.map((link) => link.node);
  for (const node of inputsFirst(rootNodes)) {
    let f = functionIndex.get(node.task);
    if (f === undefined) {
      f = functions.length;
      functions.push(describeTask(node.task));
      functionIndex.set(node.task, f);
    }
    const links = node.links;
    const paths = links.map((link) => link.path);
    nodeIndex.set(node, nodes.length);
    nodes.push({ f, args: templateOf(node.args, paths), paths, inputs: links.map((link) => nodeIndex.get(link.node as Delayed<unknown>)!) });
  }
  return {
    format: GRAPH_FORMAT,
    functions,
    nodes,
    root: templateOf([structure], rootPaths),
    paths: rootPaths,
    inputs: rootNodes.map((node) => nodeIndex.get(node)!),
  };
}

/** Every node below `roots`, each after its inputs, each once. Iterative: a returned chain may be long. */
function inputsFirst(roots: readonly Delayed<unknown>[]): Delayed<unknown>[] {
  const order: Delayed<unknown>[] = [];
  const seen = new Set<Delayed<unknown>>();
  const stack: { node: Delayed<unknown>; next: number }[] = [];
  for (const root of roots) {
    if (seen.has(root)) continue;
    seen.add(root);
    stack.push({ node: root, next: 0 });
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const links = top.node.links;
      if (top.next < links.length) {
        const input = links[top.next++]!.node as Delayed<unknown>;
        if (!seen.has(input)) {
          seen.add(input);
          stack.push({ node: input, next: 0 });
        }
        continue;
      }
      stack.pop();
      order.push(top.node);
    }
  }
  return order;
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
  const nodes: Delayed<unknown>[] = [];
  for (const entry of graph.nodes) {
    const args = entry.args;
    entry.paths.forEach((path, k) => setAtPath(args, path, nodes[entry.inputs[k]!]));
    nodes.push(new Delayed(tasks[entry.f]!, args));
  }
  const root = graph.root;
  graph.paths.forEach((path, k) => setAtPath(root, path, nodes[graph.inputs[k]!]));
  return { structure: root[0], nodes };
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
  const fail = (what: string): never => {
    throw new Error(`not a returned graph (${what})`);
  };
  if (typeof value !== 'object' || value === null) fail('not an object');
  const graph = value as GraphDescription;
  if (graph.format !== GRAPH_FORMAT) fail(`format ${String(graph.format)}`);
  if (!Array.isArray(graph.functions) || !Array.isArray(graph.nodes) || !Array.isArray(graph.root) || graph.root.length !== 1) fail('shape');
  const placesOk = (paths: unknown, inputs: unknown, below: number) =>
    Array.isArray(paths) &&
    Array.isArray(inputs) &&
    paths.length === inputs.length &&
    paths.every((path) => Array.isArray(path) && path.length > 0) &&
    inputs.every((input) => Number.isInteger(input) && input >= 0 && input < below);
  graph.functions.forEach((entry, i) => {
    const kind = (entry as FunctionEntry | undefined)?.placement?.kind;
    if (kind !== 'source' && kind !== 'module' && kind !== 'builtin') fail(`function ${i}`);
  });
  graph.nodes.forEach((node, i) => {
    if (!Number.isInteger(node?.f) || node.f < 0 || node.f >= graph.functions.length || !Array.isArray(node.args)) fail(`node ${i}`);
    if (!placesOk(node.paths, node.inputs, i)) fail(`inputs of node ${i}`);
  });
  if (!placesOk(graph.paths, graph.inputs, graph.nodes.length)) fail('root');
  return graph;
}
