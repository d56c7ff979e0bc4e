/**
 * The value of a structure a task returned (`return { model: m, scores: [s1, s2] }`): one
 * node that takes the structure as its argument and gives it back with values in place
 * of the nodes, as the run fills any argument. A task that returns a single Delayed needs
 * no such node: its value is that node's.
 *
 * Like a part (parts.ts), it is a small built-in function on the main thread with a fixed
 * identity: what gathering means must not change with memograph's own code.
 */
import { Delayed } from './delayed.js';
import { isDelayed } from './returned-graph.js';
import { describeFunction, type TaskFunction } from './task-function.js';

const GATHER_VERSION = 'memograph/gather 1';

function gather(structure: unknown): unknown {
  return structure;
}

let gatherTask: TaskFunction | undefined;

export function gatherFunction(): TaskFunction {
  gatherTask ??= { ...describeFunction(gather, { name: 'gather', version: GATHER_VERSION, mainThread: true }), builtin: 'gather' };
  return gatherTask;
}

/** The node whose value is the returned structure's. */
export function finalNode(structure: unknown): Delayed<unknown> {
  return isDelayed(structure) ? structure : new Delayed(gatherFunction(), [structure]);
}
