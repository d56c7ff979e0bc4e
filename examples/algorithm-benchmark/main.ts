// A benchmark harness: algorithms × sizes × seeds, every cell a cached task.
//
// Each algorithm is its own delayed function, so its cells are addressed by its
// source: edit one algorithm and only its cells are measured again; the inputs
// and every other algorithm's cells come from the cache.
//
//   npx tsx examples/algorithm-benchmark/main.ts
import { delayed, grid, shutdown, startRun, sweep } from 'memograph';

/** A reproducible random array (xorshift32), shared by every algorithm's cell. */
const input = delayed(function input(size: number, seed: number) {
  let state = seed * 2654435761 >>> 0 || 1;
  return Array.from({ length: size }, () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  });
});

// Each cell sorts a copy, times it, and checks the answer.
const insertionSort = delayed(function insertionSort(xs: number[]) {
  const a = xs.slice();
  const started = performance.now();
  for (let i = 1; i < a.length; i++) {
    const x = a[i]!;
    let j = i - 1;
    while (j >= 0 && a[j]! > x) a[j + 1] = a[j--]!;
    a[j + 1] = x;
  }
  const ms = performance.now() - started;
  return { ms, sorted: a.every((v, i) => i === 0 || a[i - 1]! <= v) };
});

const mergeSort = delayed(function mergeSort(xs: number[]) {
  const started = performance.now();
  let a = xs.slice();
  let b = new Array<number>(a.length);
  for (let width = 1; width < a.length; width *= 2) {
    for (let lo = 0; lo < a.length; lo += 2 * width) {
      const mid = Math.min(lo + width, a.length);
      const hi = Math.min(lo + 2 * width, a.length);
      let i = lo;
      let j = mid;
      for (let k = lo; k < hi; k++) b[k] = i < mid && (j >= hi || a[i]! <= a[j]!) ? a[i++]! : a[j++]!;
    }
    [a, b] = [b, a];
  }
  const ms = performance.now() - started;
  return { ms, sorted: a.every((v, i) => i === 0 || a[i - 1]! <= v) };
});

const builtinSort = delayed(function builtinSort(xs: number[]) {
  const a = xs.slice();
  const started = performance.now();
  a.sort((x, y) => x - y);
  const ms = performance.now() - started;
  return { ms, sorted: a.every((v, i) => i === 0 || a[i - 1]! <= v) };
});

const algorithms = { insertionSort, mergeSort, builtinSort };
const cells = sweep(
  grid({ algorithm: Object.keys(algorithms), size: [500, 4_000], seed: [1, 2, 3] }),
  (p) => algorithms[p.algorithm as keyof typeof algorithms](input(p.size, p.seed)),
  { name: 'cell' },
);

const run = startRun([cells.collect()]);
const [rows] = await run.result;
if (!rows.every((row) => row.value.sorted)) throw new Error('an algorithm gave a wrong answer');

// Median time per algorithm and size.
const table = new Map<string, number[]>();
for (const { point, value } of rows) {
  const key = `${point.algorithm} | ${point.size}`;
  table.set(key, [...(table.get(key) ?? []), value.ms]);
}
console.log('| algorithm | size | median ms |\n|---|---|---|');
for (const [key, times] of table) {
  const sorted = times.sort((a, b) => a - b);
  console.log(`| ${key} | ${sorted[Math.floor(sorted.length / 2)]!.toFixed(3)} |`);
}
const { total, executed, cached } = run.counts;
console.log(`${total} node(s) looked at: ${executed} executed, ${cached} from the cache`);
await shutdown();
