// Estimate π by Monte Carlo in independent chunks, on worker threads, cached on disk.
// Run it twice: the second run finds the final result in the cache and runs nothing.
//
//   npm run example
import { delayed, shutdown, startRun } from 'memograph';

/** Count how many of `samples` seeded random points fall inside the unit circle. */
const countInside = delayed(function countInside(seed: number, samples: number) {
  // xorshift32: a tiny seeded generator, so each chunk is reproducible (and so cacheable).
  let state = seed || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  let inside = 0;
  for (let i = 0; i < samples; i++) {
    const x = next();
    const y = next();
    if (x * x + y * y <= 1) inside++;
  }
  return { inside, samples };
});

const estimatePi = delayed(function estimatePi(...chunks: { inside: number; samples: number }[]) {
  const inside = chunks.reduce((sum, c) => sum + c.inside, 0);
  const samples = chunks.reduce((sum, c) => sum + c.samples, 0);
  return (4 * inside) / samples;
});

const chunks = Array.from({ length: 8 }, (_, seed) => countInside(seed + 1, 5_000_000));
const pi = estimatePi(...chunks);
console.log(`target ${pi}`);

const started = performance.now();
const run = startRun([pi]);
const [estimate] = await run.result;
const { executed, cached, total } = run.counts;
console.log(`π ≈ ${estimate.toFixed(5)} in ${(performance.now() - started).toFixed(0)} ms`);
console.log(`${total} node(s) looked at: ${executed} executed, ${cached} from the cache`);
await shutdown();
