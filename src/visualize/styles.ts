/** One palette for every format, by node state: what ran, what came from the cache, what failed, what will run. */
import type { NodeState } from '../scheduler/state.js';

export const FILL: Record<NodeState | 'unknown', string> = {
  done: '#b7e4c7', // ran in this run
  cached: '#a9d6f5', // served from the cache
  failed: '#f4a6a6',
  skipped: '#e0e0e0',
  running: '#ffe08a',
  ready: '#fff3c4',
  waiting: '#ffd8a8', // will run once its inputs have
  unknown: '#ffffff', // not looked at (below a cached node), or no run to colour by
};

/** What each colour means, as the legend says it. */
export const MEANING: Record<NodeState | 'unknown', string> = {
  done: 'ran',
  cached: 'from the cache',
  failed: 'failed',
  skipped: 'skipped (an input failed)',
  running: 'running',
  ready: 'ready to run',
  waiting: 'will run (waits for its inputs)',
  unknown: 'not looked at',
};

/** Legend order: what happened, then what is to come. */
export const LEGEND_ORDER: readonly (NodeState | 'unknown')[] = ['done', 'cached', 'failed', 'skipped', 'running', 'ready', 'waiting', 'unknown'];

export const STROKE = '#555555';
