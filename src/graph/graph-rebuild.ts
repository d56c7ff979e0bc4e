/**
 * The main thread's side of a returned graph (graph-description.ts): the nodes a
 * description stands for, each built here, so that every CID is this process's own,
 * computed from the code it would run. A graph sent in chunks is rebuilt chunk by chunk
 * as they come; a description whole is one chunk and its root.
 */
import { Delayed } from './delayed.js';
import type { Path } from './fill-inputs.js';
import { gatherFunction } from './gather.js';
import { GRAPH_FORMAT, type FunctionEntry, type GraphChunk, type GraphDescription } from './graph-description.js';
import { partFunction } from './parts.js';
import { describeFunction, type TaskFunction } from './task-function.js';

/** The structure a description stands for, with nodes built (and identified) by this process; `nodes` lists them all. */
export function rebuildGraph(description: unknown): Promise<{ structure: unknown; nodes: Delayed<unknown>[] }> {
  return new GraphRebuilder().finish(description);
}

/** Rebuilds the chunks of one graph in order (`add`), then its last chunk and root (`finish`). */
export class GraphRebuilder {
  readonly nodes: Delayed<unknown>[] = [];
  readonly #tasks: TaskFunction[] = [];
  readonly #paths: Path[] = [];

  /** Build the calls of a chunk, whose inputs are calls of this chunk or of earlier ones. Imports modules, so it waits. */
  async add(value: unknown): Promise<void> {
    const chunk = checkedChunk(value, this.#tasks.length);
    this.#tasks.push(...(await Promise.all(chunk.functions.map(rebuildFunction))));
    this.#paths.push(...chunk.paths);
    const { calls, arity, args, links } = chunk;
    const tasks = this.#tasks;
    const nodes = this.nodes;
    const place = new Placer(links, this.#paths);
    let next = 0;
    for (let c = 0; c < calls.length; c++) {
      const n = arity[c]!;
      if (n < 0 || next + n > args.length) malformed(`arguments of call ${nodes.length}`);
      // Copied by hand: for the one or two arguments most calls have, slice costs more.
      const callArgs: unknown[] = new Array(n);
      for (let i = 0; i < n; i++) callArgs[i] = args[next + i];
      next += n;
      place.inputs(callArgs, nodes, nodes.length);
      nodes.push(new Delayed(tasks[calls[c]!]!, callArgs));
    }
    if (next !== args.length || place.at !== links.length) malformed('columns of different lengths');
  }

  /** The last chunk, and the structure its root stands for. */
  async finish(value: unknown): Promise<{ structure: unknown; nodes: Delayed<unknown>[] }> {
    const graph = checkedRoot(value);
    await this.add(graph);
    const rootPlace = new Placer(graph.rootLinks, this.#paths);
    const root = graph.root.slice();
    rootPlace.inputs(root, this.nodes, -1);
    if (rootPlace.at !== graph.rootLinks.length) malformed('root');
    return { structure: root[0], nodes: this.nodes };
  }
}

/**
 * Reads a links column, putting each call's inputs into its arguments. The description
 * is left as it was (the store may keep it yet): the containers an input goes into are
 * copied first, each once.
 */
class Placer {
  at = 0;
  constructor(
    readonly links: Int32Array,
    readonly paths: readonly Path[],
  ) {}

  /** `target`: the call's own copy of its arguments; `call`: its index, or -1 for the root (for errors). */
  inputs(target: unknown[], nodes: readonly Delayed<unknown>[], call: number): void {
    const { links } = this;
    const count = links[this.at++];
    if (count === undefined || count < 0 || this.at + 3 * count > links.length) malformed(inputsOf(call));
    let copied: Set<unknown> | undefined;
    for (let k = 0; k < count!; k++) {
      const input = nodes[links[this.at]!];
      const a = links[this.at + 1]!;
      const b = links[this.at + 2]!;
      this.at += 3;
      if (input === undefined) malformed(inputsOf(call));
      if (a >= 0 && a < target.length && b === -1) {
        target[a] = input;
        continue;
      }
      copied ??= new Set([target]);
      if (a >= 0 && b >= 0 && Array.isArray(target[a]) && b < (target[a] as unknown[]).length) placeAt(target, [a, b], input, copied);
      else if (a <= -2 && this.paths[-2 - a] !== undefined) placeAt(target, this.paths[-2 - a]!, input, copied);
      else malformed(inputsOf(call));
    }
  }
}

/** Put `value` at `path` in `target`, copying each container on the way that is not a copy yet. */
function placeAt(target: unknown[], path: Path, value: unknown, copied: Set<unknown>): void {
  let container = target as unknown as Record<string | number, unknown>;
  for (let i = 0; i < path.length - 1; i++) {
    const child = container[path[i]!];
    if (typeof child !== 'object' || child === null) malformed('a path through a value that holds nothing');
    if (!copied.has(child)) {
      const copy = Array.isArray(child) ? child.slice() : { ...(child as object) };
      copied.add(copy);
      container[path[i]!] = copy;
      container = copy as Record<string | number, unknown>;
    } else container = child as Record<string | number, unknown>;
  }
  container[path[path.length - 1]!] = value;
}

function inputsOf(call: number): string {
  return call < 0 ? 'root' : `inputs of call ${call}`;
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

/** The chunk, or an error saying what is wrong with it (bytes from the store may be damaged or foreign). */
function checkedChunk(value: unknown, functionsBefore: number): GraphChunk {
  if (typeof value !== 'object' || value === null) malformed('not an object');
  const chunk = value as GraphChunk;
  const columns = [chunk.calls, chunk.arity, chunk.links];
  if (!columns.every((column) => column instanceof Int32Array) || chunk.calls.length !== chunk.arity.length) malformed('columns');
  if (!Array.isArray(chunk.functions) || !Array.isArray(chunk.args) || !Array.isArray(chunk.paths)) malformed('shape');
  chunk.functions.forEach((entry, i) => {
    const kind = (entry as FunctionEntry | undefined)?.placement?.kind;
    if (kind !== 'source' && kind !== 'module' && kind !== 'builtin') malformed(`function ${functionsBefore + i}`);
  });
  const functions = functionsBefore + chunk.functions.length;
  if (!chunk.calls.every((f) => f >= 0 && f < functions)) malformed('calls');
  if (!chunk.paths.every((path) => Array.isArray(path) && path.length > 0)) malformed('paths');
  return chunk;
}

function checkedRoot(value: unknown): GraphDescription {
  if (typeof value !== 'object' || value === null) malformed('not an object');
  const graph = value as GraphDescription;
  if (graph.format !== GRAPH_FORMAT) malformed(`format ${String(graph.format)}`);
  if (!(graph.rootLinks instanceof Int32Array) || !Array.isArray(graph.root) || graph.root.length !== 1) malformed('shape');
  return graph;
}
