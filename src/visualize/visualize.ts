import { InvalidArgumentError } from '../errors.js';
import type { Delayed } from '../graph/delayed.js';
import type { RunSnapshot } from '../scheduler/snapshots.js';
import { toSvg } from './svg.js';
import { toDot, toMermaid } from './text-formats.js';
import { buildViewGraph, isDelayed } from './view-graph.js';

export type VisualizeFormat = 'mermaid' | 'dot' | 'svg';

export interface VisualizeOptions {
  /** @default 'mermaid' */
  format?: VisualizeFormat;
  /**
   * Colour nodes by their state in this snapshot of a run (`run.snapshot()`):
   * what ran, what came from the cache, what failed. Without it nodes are plain.
   */
  snapshot?: RunSnapshot;
  /**
   * Above this many calls, draw one node per function name instead of one per call.
   * @default 200
   */
  collapseAbove?: number;
}

/**
 * A picture of the graph below `target` (one Delayed or an array of them): Mermaid
 * or Graphviz DOT text, or an SVG. Nodes are labelled with the function's name and
 * a short CID, and coloured by state when a snapshot is given.
 *
 * @example
 * const run = startRun([report]);
 * await run.result;
 * writeFileSync('graph.svg', visualize(report, { format: 'svg', snapshot: run.snapshot() }));
 */
const VISUALIZE_OPTIONS = new Set(['format', 'snapshot', 'collapseAbove']);

export function visualize(target: Delayed<unknown> | readonly Delayed<unknown>[], options: VisualizeOptions = {}): string {
  return drawGraph(target, options, undefined);
}

/** @internal `visualize`, and for a run's picture (Run#visualize), the graphs its tasks returned. */
export function drawGraph(
  target: Delayed<unknown> | readonly Delayed<unknown>[],
  options: VisualizeOptions,
  returnedOf: ((cid: string) => Delayed<unknown> | undefined) | undefined,
): string {
  const targets = Array.isArray(target) ? target : [target];
  targets.forEach((t, i) => {
    if (!isDelayed(t)) throw new InvalidArgumentError(`Expected target ${i} to be a Delayed value, got ${typeof t}`);
  });
  for (const key of Object.keys(options ?? {})) {
    if (!VISUALIZE_OPTIONS.has(key)) throw new InvalidArgumentError(`Unknown visualize option \`${key}\` (known: ${[...VISUALIZE_OPTIONS].join(', ')})`);
  }
  const { format = 'mermaid', collapseAbove = 200 } = options;
  if (!Number.isInteger(collapseAbove) || collapseAbove < 1) {
    throw new InvalidArgumentError(`Expected \`collapseAbove\` to be an integer from 1 and up, got \`${String(collapseAbove)}\``);
  }
  const view = buildViewGraph(targets, { snapshot: options.snapshot, collapseAbove, returnedOf });
  switch (format) {
    case 'mermaid':
      return toMermaid(view);
    case 'dot':
      return toDot(view);
    case 'svg':
      return toSvg(view, { fitPage: true });
    default:
      throw new InvalidArgumentError(`Expected \`format\` to be 'mermaid', 'dot' or 'svg', got \`${String(format)}\``);
  }
}
