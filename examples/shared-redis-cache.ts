// One cache for every machine: results and the futures table live in a Redis, so a
// second process (another terminal, another machine, a colleague) gets what the first
// computed, and a call both reach at once runs once. Tasks still run on this machine.
//
//   redis-server --port 6379 --requirepass secret &
//   MEMOGRAPH_EXAMPLE_REDIS=redis://:secret@localhost:6379 npx tsx examples/shared-redis-cache.ts   # twice
import { delayed, RedisStore, shutdown, startRun } from 'memograph';

const url = process.env.MEMOGRAPH_EXAMPLE_REDIS ?? 'redis://localhost:6379';

const simulate = delayed(function simulate(seed: number, steps: number) {
  let x = seed;
  for (let i = 0; i < steps; i++) x = (x * 1103515245 + 12345) % 2147483648;
  return x / 2147483648;
});
const mean = delayed((...xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length, { name: 'mean' });

const store = await RedisStore.open(url);
const run = startRun([mean(...Array.from({ length: 16 }, (_, seed) => simulate(seed, 200_000)))], { store });
const [value] = await run.result;
console.log(`mean ${value.toFixed(6)}: ${run.counts.executed} executed, ${run.counts.cached} from the cache in ${store.location}`);
await store.close();
await shutdown();
