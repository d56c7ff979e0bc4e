// The README's tour, as one program: every snippet there is here, and runs.
//   npx tsx examples/tour.ts
import {
  compute,
  delayed,
  MemoryStore,
  NotSelfContainedError,
  shutdown,
  startRun,
  TaskError,
  tokenize,
  UnhashableError,
} from 'memograph';
import { checksumTask } from './checksums.js';

// --- Build a graph: nothing runs yet, but every node already has its CID. ----
const load = delayed(function load(n: number) {
  return Array.from({ length: n }, (_, i) => i);
});
const total = delayed((xs: number[]) => xs.reduce((a, b) => a + b, 0));
const t = total(load(1_000));
console.log('cid before running:', t.cid);

// --- Compute: on worker threads, cached in .memograph/ (or MEMOGRAPH_CACHE_DIR). -
const [v] = await compute(t);
console.log('total =', v);
console.log('again, from the cache =', await t.compute());

// --- Several targets in one run share their common inputs. -------------------
const inc = delayed((x: number) => x + 1);
const shared = inc(10);
console.log('two targets:', await compute(inc(shared), inc(inc(shared)), { cache: false }));

// --- Delayed values may sit inside arrays and plain objects. -----------------
const report = delayed((r: { name: string; values: number[] }) => `${r.name}: ${r.values.join(', ')}`);
console.log(await report({ name: 'incs', values: [inc(1), inc(2), 99] }).compute({ cache: false }));

// --- Where functions run. ------------------------------------------------------
const offset = 100;
try {
  delayed((x: number) => x + offset); // closes over `offset`: a worker would not have it
} catch (error) {
  if (error instanceof NotSelfContainedError) console.log('refused:', error.message.split('.')[0]);
}
const shift = delayed((x: number) => x + offset, { mainThread: true });
console.log('main thread:', await shift(1).compute({ cache: false }));
console.log('module function on a worker:', await checksumTask('hello').compute({ cache: false }));

// --- A run: counts and immutable snapshots. -----------------------------------
const run = startRun([total(load(2_000))], { store: new MemoryStore() });
await run.result;
console.log('counts:', run.counts.executed, 'executed,', run.counts.cached, 'cached');
console.log('states:', Object.values(run.snapshot().nodes).map((n) => `${n.name}=${n.state}`).join(' '));

// --- Errors carry stable codes. -------------------------------------------------
const explode = delayed(function explode(x: number): number {
  throw new Error(`no ${x}`);
});
try {
  await compute(explode(1), { cache: false });
} catch (error) {
  if (error instanceof TaskError) console.log(error.code, error.taskName, error.originalMessage);
}
try {
  inc({ cb: () => 1 } as never);
} catch (error) {
  if (error instanceof UnhashableError) console.log(error.code, error.path);
}

// --- Failures under 'continue', retries, events and status. ---------------------
const shaky = delayed(
  function shaky(x: number) {
    if (x < 0) throw new Error('negative');
    return x;
  },
  { retry: 2 },
);
const shakyRun = startRun([shaky(1), shaky(-1)], { cache: false, onFailure: 'continue' });
let finishedEvents = 0;
shakyRun.onEvent((event) => {
  if (event.type === 'finished') finishedEvents++;
});
const { values, failures, completion } = await shakyRun.settled;
console.log('continue:', values, failures.map((f) => f.originalMessage), 'retried', shakyRun.counts.retried);
console.log('events: finished', finishedEvents, '| completion', completion, '| functions', Object.keys(shakyRun.status().functions));

// --- Hash any value the way arguments are hashed. -------------------------------
console.log('tokenize equal for any key order:', tokenize({ a: 1, b: 2 }) === tokenize({ b: 2, a: 1 }));

await shutdown();
