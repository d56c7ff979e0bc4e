/** One palette for every format, by node state: what ran, what came from the cache, what failed. */
import type { NodeState } from '../scheduler/state.js';

export const FILL: Record<NodeState | 'unknown', string> = {
  done: '#b7e4c7', // ran in this run
  cached: '#a9d6f5', // served from the cache
  failed: '#f4a6a6',
  skipped: '#e0e0e0',
  running: '#ffe08a',
  ready: '#fff3c4',
  waiting: '#f7f7f7',
  unknown: '#ffffff', // not run yet: no snapshot given
};

export const STROKE = '#555555';
