// The tasks of examples/chunked-readings/main.ts, in a module of their own: the worker
// threads import it to run them (a script's own top level would start the run again).
import { delayed } from 'memograph';

export interface Reading {
  readonly day: number;
  readonly celsius: number;
}

export interface ChunkStats {
  readonly firstDay: number;
  readonly lastDay: number;
  readonly readings: number;
  readonly mean: number;
  readonly max: number;
}

/** A station's readings: reproducible from its name, and as many as it happened to record. */
export function readingsOf(station: string): Reading[] {
  let state = [...station].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7) || 1;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const days = 20 + Math.floor(random() * 60);
  const readings: Reading[] = [];
  for (let day = 0; day < days; day++) {
    const perDay = 24 + Math.floor(random() * 48);
    for (let i = 0; i < perDay; i++) readings.push({ day, celsius: Math.round((10 + 8 * Math.sin(day / 9) + 4 * (random() - 0.5)) * 10) / 10 });
  }
  return readings;
}

/** Statistics of one chunk, on a worker thread. */
export function analyse(chunk: Reading[]): ChunkStats {
  let sum = 0;
  let max = -Infinity;
  for (const { celsius } of chunk) {
    sum += celsius;
    max = Math.max(max, celsius);
  }
  return { firstDay: chunk[0]!.day, lastDay: chunk[chunk.length - 1]!.day, readings: chunk.length, mean: sum / chunk.length, max };
}

/** One summary over a station's chunks. */
export function combine(station: string, chunks: ChunkStats[]) {
  const readings = chunks.reduce((n, c) => n + c.readings, 0);
  const mean = chunks.reduce((s, c) => s + c.mean * c.readings, 0) / readings;
  return { station, chunks: chunks.length, readings, mean: Math.round(mean * 100) / 100, max: Math.max(...chunks.map((c) => c.max)) };
}

export const analyseChunk = delayed(analyse, { module: import.meta.url });
export const combineChunks = delayed(combine, { module: import.meta.url });

/**
 * Reads a station's data and decides how to split it: whole days, at most `maxRows`
 * readings a chunk. How many chunks there are is known only once the data is read, so
 * this task returns the graph that analyses them; the run computes it, and the value of
 * this call is the summary. A re-run finds this split in the cache and does not read the
 * data again.
 */
export function planStation(station: string, maxRows: number) {
  const chunks = splitByDay(readingsOf(station), maxRows); // how many: known only now
  return combineChunks(station, chunks.map((chunk) => analyseChunk(chunk)));
}

/** Whole days, at most `maxRows` readings a chunk (a day with more is a chunk of its own). */
export function splitByDay(readings: Reading[], maxRows: number): Reading[][] {
  const chunks: Reading[][] = [];
  let current: Reading[] = [];
  for (let start = 0; start < readings.length; ) {
    let end = start;
    while (end < readings.length && readings[end]!.day === readings[start]!.day) end++;
    if (current.length > 0 && current.length + (end - start) > maxRows) {
      chunks.push(current);
      current = [];
    }
    current.push(...readings.slice(start, end));
    start = end;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

export const plan = delayed(planStation, { module: import.meta.url });
