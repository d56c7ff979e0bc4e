// What a graph of N tiny tasks costs to build and to run, per node.
//   npx tsx bench/graph-costs.ts [nodes]
// The full side-by-side harness against Dask is planned separately; this is the
// quick look at the engine's own overhead.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { delayed, shutdown, startRun, type Delayed } from '../src/index.js';

const nodes = Number(process.argv[2] ?? 10_000);
const inc = delayed((x: number) => x + 1);
const incMain = delayed((x: number) => x + 1, { mainThread: true });
const sum = delayed((...xs: number[]) => xs.reduce((a, b) => a + b, 0));

function wide(task: typeof inc): Delayed<number> {
  return sum(...Array.from({ length: nodes }, (_, i) => task(i)));
}

function perNode(ms: number): string {
  return `${((ms * 1000) / nodes).toFixed(2)} µs/node`;
}

async function timed(label: string, make: () => Delayed<number>, options: Parameters<typeof startRun>[1]): Promise<void> {
  const target = make();
  const started = performance.now();
  const run = startRun([target], options);
  await run.result;
  const ms = performance.now() - started;
  const { executed, cached } = run.counts;
  console.log(`${label.padEnd(34)} ${ms.toFixed(1).padStart(8)} ms  ${perNode(ms).padStart(14)}  (executed ${executed}, cached ${cached})`);
}

const dir = mkdtempSync(join(tmpdir(), 'memograph-costs-'));
try {
  let started = performance.now();
  wide(inc);
  console.log(`${'build (CIDs of every node)'.padEnd(34)} ${(performance.now() - started).toFixed(1).padStart(8)} ms  ${perNode(performance.now() - started).padStart(14)}`);
  started = performance.now();
  wide(inc);
  console.log(`${'build again (warm JIT)'.padEnd(34)} ${(performance.now() - started).toFixed(1).padStart(8)} ms  ${perNode(performance.now() - started).padStart(14)}`);

  await timed('warm-up run (starts the workers)', () => sum(inc(-1), inc(-2)), { cache: false });
  await timed('workers, no cache', () => wide(inc), { cache: false });
  await timed('main thread, no cache', () => wide(incMain), { cache: false });
  await timed('workers, LevelDB cache (cold)', () => wide(inc), { cacheDir: dir });
  await timed('same graph again (target cached)', () => wide(inc), { cacheDir: dir });
} finally {
  await shutdown();
  rmSync(dir, { recursive: true, force: true });
}
