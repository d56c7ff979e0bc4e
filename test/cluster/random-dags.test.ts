/**
 * Random DAGs on a cluster give what a local run gives, and each call runs once across
 * the cluster. Two `memograph worker`s and two coordinators (long-lived child processes,
 * test/fixtures/cluster-dag-coordinator.ts) serve every generated graph: one coordinator
 * computes it locally without a cache, then both compute it on the cluster at once (the
 * whole graph and a random choice of its nodes), then one again from the cluster's cache.
 * Every execution appends "<pid> <label>" to a log of the graph's own; its path is an
 * argument of every call, so each graph's calls are new to the cluster's cache.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { haveRedis, noRedisMessage, startRedis, type TestRedis } from '../redis-server.js';
import { spawnScript, type Started } from '../store/cache-processes.js';
import { KINDS, labels, reference, valuesFromJson, type Spec } from '../fixtures/random-dag.js';
import { startWorker, stopWorkers } from './cluster-workers.js';

if (!haveRedis) console.warn(noRedisMessage);
const dir = tempDir('memograph-random-dags-');
const script = new URL('../fixtures/cluster-dag-coordinator.ts', import.meta.url).pathname;

interface Answer {
  values: number[];
  counts: { executed: number; cached: number; deduplicated: number };
  /** Distinct call addresses in the run's graph. */
  cids: number;
}

/** A coordinator child that answers one request at a time. */
class Coordinator {
  readonly process: Started;
  #lines: string[] = [];
  #asked = 0;
  #next: (() => void) | undefined;

  constructor() {
    this.process = spawnScript([script], { stdin: true, limitMs: 600_000 });
    let buffer = '';
    this.process.child.stdout!.on('data', (chunk: string) => {
      buffer += chunk;
      for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 1);
        if (line.startsWith('{')) this.#lines.push(line);
      }
      this.#next?.();
    });
    this.process.child.once('close', () => this.#next?.());
  }

  get pid(): number {
    return this.process.child.pid!;
  }

  async ask(specs: Spec[], log: string, targets: number[], cluster?: string): Promise<Answer> {
    const id = ++this.#asked;
    this.process.child.stdin!.write(JSON.stringify({ id, specs, log, targets, cluster }) + '\n');
    let answer: (Answer & { id: number; error?: string }) | undefined;
    // Answers to earlier requests (of a case that failed before reading them) are skipped.
    while (answer?.id !== id) {
      while (this.#lines.length === 0) {
        if (this.process.child.exitCode !== null || this.process.child.signalCode !== null) throw new Error(`the coordinator ended:\n${this.process.stderr()}`);
        await new Promise<void>((resolve) => (this.#next = resolve));
      }
      answer = JSON.parse(this.#lines.shift()!) as Answer & { id: number; error?: string };
    }
    if (answer.error) throw new Error(`the coordinator's run failed: ${answer.error}\n${this.process.stderr()}`);
    return { ...answer, values: valuesFromJson(answer.values as unknown as string) };
  }

  async end(): Promise<void> {
    this.process.child.stdin!.end();
    await this.process.done;
  }
}

let redis: TestRedis;
let url: string;
let workerPids: Set<number>;
let coordinators: [Coordinator, Coordinator];

beforeAll(async () => {
  if (!haveRedis) return;
  redis = await startRedis();
  url = redis.url;
  const started = await Promise.all([startWorker(url), startWorker(url)]);
  workerPids = new Set(started.map((worker) => worker.pid!));
  coordinators = [new Coordinator(), new Coordinator()];
  await Promise.all(coordinators.map((c) => c.process.started));
}, 120_000);
afterAll(async () => {
  await Promise.all((coordinators ?? []).map((c) => c.end()));
  await stopWorkers();
  await redis?.stop();
  dir.remove();
}, 120_000);

// Small constants and few kinds: equal expressions (one call reached by several paths) are common.
const specArb = (index: number) =>
  fc.record({
    kind: fc.constantFrom(...KINDS),
    inputs: index === 0 ? fc.constant([]) : fc.array(fc.nat(index - 1), { maxLength: 3 }),
    constant: fc.integer({ min: 0, max: 3 }),
  });
/** A DAG and the nodes the second coordinator asks for (repeats allowed). */
const caseArb = fc
  .integer({ min: 1, max: 24 })
  .chain((n) => fc.tuple(fc.tuple(...Array.from({ length: n }, (_, i) => specArb(i))), fc.array(fc.nat(n - 1), { minLength: 1, maxLength: n })))
  .map(([specs, some]) => ({ specs: specs as Spec[], some }));

/** How often each label ran, and the processes that ran each. */
function executions(log: string): Map<string, number[]> {
  const ran = new Map<string, number[]>();
  for (const line of readFileSync(log, 'utf8').split('\n').filter(Boolean)) {
    const [pid, label] = line.split(' ') as [string, string];
    ran.set(label, [...(ran.get(label) ?? []), Number(pid)]);
  }
  return ran;
}

async function settled<T>(a: Promise<T>, b: Promise<T>): Promise<[T, T]> {
  const [x, y] = await Promise.allSettled([a, b]);
  if (x.status === 'rejected') throw x.reason;
  if (y.status === 'rejected') throw y.reason;
  return [x.value, y.value];
}

let graphs = 0;
describe.skipIf(!haveRedis)('random DAGs on a cluster of two workers', () => {
  it('give the local run\'s values, with each call executed once across workers and coordinators', async () => {
    const [first, second] = coordinators;
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ specs, some }) => {
        const graph = graphs++;
        const all = specs.map((_, i) => i);
        const distinct = new Set(labels(specs));

        const local = await first.ask(specs, join(dir.path, `${graph}-local.log`), all);
        expect(local.values).toEqual(reference(specs));
        expect(local.cids).toBe(distinct.size);
        expect(local.counts.executed).toBe(distinct.size);

        const log = join(dir.path, `${graph}-cluster.log`);
        // Both settle before anything is checked: a failing case leaves no run going into the next.
        const [whole, part] = await settled(first.ask(specs, log, all, url), second.ask(specs, log, some, url));
        expect(whole.values).toEqual(local.values);
        expect(part.values).toEqual(some.map((i) => local.values[i]));
        expect(whole.cids).toBe(distinct.size);
        // Every call ran exactly once, counted by its label (its address) in all processes' lines.
        const ran = executions(log);
        expect(new Set(ran.keys())).toEqual(distinct);
        for (const [label, by] of ran) {
          expect(by, label).toHaveLength(1);
          // Main-thread tasks on the coordinator that claimed them, the rest on the workers.
          const where = label.startsWith('sub:') ? new Set([first.pid, second.pid]) : workerPids;
          expect(where.has(by[0]!), `${label} ran in pid ${by[0]}`).toBe(true);
        }
        expect(whole.counts.executed + part.counts.executed, JSON.stringify([whole.counts, part.counts])).toBe(distinct.size);

        // Asked again, the cluster serves the graph from its cache and runs nothing.
        const again = await second.ask(specs, log, all, url);
        expect(again.values).toEqual(local.values);
        expect(again.counts.executed).toBe(0);
        expect([...executions(log).values()].every((by) => by.length === 1)).toBe(true);
      }),
      { numRuns: 12 },
    );
  }, 300_000);
});
