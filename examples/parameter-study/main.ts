// A parameter study: a 24-point sweep of a small simulation, an analysis over
// every point that completed, and one point that fails — handled with
// onFailure: 'continue', so the other 23 still run and are cached.
//
//   simulate   Metropolis Monte Carlo of a 1D Ising ring (worker threads), one task
//              per point: simulate[temp=1.5,seed=2]
//   analyse    mean |magnetisation| and energy per temperature, over the completed points
//
// The grid is temperatures × seeds (23 points) plus one explicit point at temp=0,
// where the Metropolis rule is undefined: that task fails, is reported with its
// parameters, and the analysis runs over the rest. Run it twice: the second run
// finds all 23 good points and the analysis in the cache (the failed point, never
// cached, is tried again and fails again).
//
//   npx tsx examples/parameter-study/main.ts
import { delayed, grid, shutdown, startRun, sweep } from 'memograph';

const simulate = delayed(function simulate(temp: number, seed: number, spins: number, sweeps: number) {
  if (!(temp > 0)) throw new Error(`temperature must be positive, got ${temp}`);
  let state = seed * 2654435761 >>> 0 || 1; // xorshift32, seeded: the result is reproducible, so cacheable
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const s: number[] = Array.from({ length: spins }, () => (random() < 0.5 ? -1 : 1));
  let magnetisation = 0;
  let energy = 0;
  for (let step = 0; step < sweeps * spins; step++) {
    const i = Math.floor(random() * spins);
    const dE = 2 * s[i]! * (s[(i + 1) % spins]! + s[(i + spins - 1) % spins]!);
    if (dE <= 0 || random() < Math.exp(-dE / temp)) s[i] = -s[i]!;
    if (step >= (sweeps * spins) / 2 && step % spins === 0) {
      magnetisation += Math.abs(s.reduce((a, b) => a + b, 0)) / spins;
      energy += -s.reduce((a, si, j) => a + si * s[(j + 1) % spins]!, 0) / spins;
    }
  }
  const samples = sweeps / 2;
  return { magnetisation: magnetisation / samples, energy: energy / samples };
});

const analyse = delayed(function analyse(temps: number[], results: { magnetisation: number; energy: number }[]) {
  const byTemp = new Map<number, { m: number[]; e: number[] }>();
  results.forEach((r, i) => {
    const slot = byTemp.get(temps[i]!) ?? { m: [], e: [] };
    slot.m.push(r.magnetisation);
    slot.e.push(r.energy);
    byTemp.set(temps[i]!, slot);
  });
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return [...byTemp]
    .sort(([a], [b]) => a - b)
    .map(([temp, { m, e }]) => ({ temp, points: m.length, magnetisation: mean(m), energy: mean(e) }));
});

const SPINS = 64;
const SWEEPS = 400;
const points = grid({ temp: [0.25, 0.5, 1, 1.5, 2, 3], seed: [1, 2, 3, 4] }, { points: [{ temp: 0, seed: 1 }] }).filter(
  // 6 × 4 = 24 grid points; drop one so the explicit failing point makes 24 in all.
  (p) => !(p.temp === 3 && p.seed === 4),
);
const study = sweep(points, (p) => simulate(p.temp, p.seed, SPINS, SWEEPS));

// Phase 1: every point; a failure does not stop the others.
const run = startRun(study.nodes, { onFailure: 'continue' });
const { completed, failed } = study.partition(await run.settled);
console.log(`sweep: ${points.length} points, ${completed.length} completed, ${failed.length} failed ` +
  `(${run.counts.executed} executed, ${run.counts.cached} from the cache)`);
for (const f of failed) console.log(`failed: ${f.label}: ${f.error.originalMessage}`);

// Phase 2: the analysis over what completed. Its inputs are the completed points'
// nodes (already cached by phase 1), so it is addressed by exactly those results.
const done = study.entries.filter((e) => completed.some((c) => c.label === e.label));
const analysis = startRun([analyse(done.map((e) => e.point.temp), done.map((e) => e.node))]);
const [table] = await analysis.result;
console.log('temp  points  <|m|>   <e>');
for (const t of table) {
  console.log(`${t.temp.toFixed(2).padStart(4)}  ${String(t.points).padStart(6)}  ${t.magnetisation.toFixed(3)}  ${t.energy.toFixed(3)}`);
}
console.log(`analysis: ${analysis.counts.executed} executed, ${analysis.counts.cached} from the cache`);
await shutdown();
