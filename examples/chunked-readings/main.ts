// A data-dependent fan-out, with results as they finish.
//
// Each station's readings are split into chunks of whole days; how many chunks a station
// needs is known only once its data has been read, so the task that reads it returns the
// graph that analyses them (see tasks.ts). Stations finish in whatever order their chunks
// allow, and `run.asCompleted()` prints each one as soon as it has its summary.
//
// Run it twice: the second run finds every split and every summary in the cache.
//
//   npx tsx examples/chunked-readings/main.ts
import { shutdown, startRun } from 'memograph';
import { plan } from './tasks.js';

const stations = ['helsinki', 'tartu', 'riga', 'vilnius', 'gdansk'];
const run = startRun(stations.map((station) => plan(station, 400)));

for await (const done of run.asCompleted()) {
  if (!done.ok) {
    console.log(`${stations[done.index]}: failed: ${done.error.message}`);
    continue;
  }
  const { station, chunks, readings, mean, max } = done.value;
  console.log(`${station.padEnd(9)} ${String(chunks).padStart(2)} chunks, ${readings} readings, mean ${mean.toFixed(2)} °C, max ${max} °C${done.cached ? ' (cached)' : ''}`);
}

const { executed, cached, total } = run.counts;
console.log(`${total} node(s) looked at: ${executed} executed, ${cached} from the cache`);
await shutdown();
