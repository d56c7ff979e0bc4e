/**
 * The cpu scenario's reference: the same spin tasks on plain worker_threads,
 * no engine. On a shared machine the cores are not always all ours; what this
 * reaches is the speedup the machine had to give at that moment, which tells a
 * missed cpu target caused by the engine from one caused by a busy neighbour.
 */
import { Worker } from 'node:worker_threads';
import { spin } from './cpu-work.js';

export class BareThreads {
  readonly #workers: Worker[];

  constructor(threads: number) {
    const source = `
      const { parentPort } = require('node:worker_threads');
      const spin = ${spin.toString()};
      parentPort.on('message', ([seed, iters]) => parentPort.postMessage(spin(seed, iters)));`;
    this.#workers = Array.from({ length: threads }, () => new Worker(source, { eval: true }));
  }

  /** spin(seed, iters) for every seed, each worker taking the next seed as it finishes. */
  async run(seeds: readonly number[], iters: number): Promise<number[]> {
    const results: number[] = new Array(seeds.length);
    let next = 0;
    await Promise.all(
      this.#workers.map(async (worker) => {
        while (next < seeds.length) {
          const i = next++;
          results[i] = await new Promise<number>((resolve, reject) => {
            worker.once('message', resolve);
            worker.once('error', reject);
            worker.postMessage([seeds[i], iters]);
          });
          worker.removeAllListeners('error');
        }
      }),
    );
    return results;
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((worker) => worker.terminate()));
  }
}
