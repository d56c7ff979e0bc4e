/**
 * The machine's floor under each engine figure, measured in the same repeats as the
 * figure it bounds, so that a reader sees how close the engine gets:
 *
 *   piscina    the same count of tiny tasks on a bare piscina pool (as many threads as
 *              the engine's), 100 tasks a message, every message in flight at once:
 *              what moving work to threads and back costs with no engine around it
 *   sha256     one core's node:crypto sha256 over the same bytes the hash scenario hashes
 *   record     sha256 of one 100-byte record per node: the least identifying a node costs
 *   getMany    LevelDB (classic-level) getMany of 10,000 stored keys: what reading the
 *              cache costs per key, with no engine around it
 */
import { createHash, hash as oneShot } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { Piscina } from 'piscina';

/** Tasks a message carries: the reference point for the floor. */
export const TASKS_PER_MESSAGE = 100;

export class PiscinaFloor {
  readonly #pool = new Piscina({
    filename: new URL('./floor-worker.mjs', import.meta.url).href,
    minThreads: availableParallelism(),
    maxThreads: availableParallelism(),
  });

  /** ms to run inc(i) for i < tasks, TASKS_PER_MESSAGE a message; the sum of the results is checked. */
  async run(tasks: number): Promise<{ ms: number }> {
    const messages: number[][] = [];
    for (let from = 0; from < tasks; from += TASKS_PER_MESSAGE) {
      messages.push(Array.from({ length: Math.min(TASKS_PER_MESSAGE, tasks - from) }, (_, i) => from + i));
    }
    const started = performance.now();
    const sums = (await Promise.all(messages.map((message) => this.#pool.run(message)))) as number[];
    const ms = performance.now() - started;
    const total = sums.reduce((a, b) => a + b, 0);
    if (total !== (tasks * (tasks + 1)) / 2) throw new Error(`the piscina floor computed ${total}, not the sum of inc(i) for i < ${tasks}`);
    return { ms };
  }

  close(): Promise<void> {
    return this.#pool.destroy();
  }
}

/** ms for one sha256 of `bytes` on this thread. */
export function sha256Floor(bytes: Uint8Array): number {
  const started = performance.now();
  createHash('sha256').update(bytes).digest();
  return performance.now() - started;
}

/** ms for `count` sha256 digests of distinct 100-byte records (the size of a small call's canonical bytes). */
export function recordHashFloor(count: number): number {
  const record = new Uint8Array(100);
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    record[0] = i & 0xff;
    record[1] = (i >> 8) & 0xff;
    record[2] = (i >> 16) & 0xff;
    oneShot('sha256', record, 'binary');
  }
  return performance.now() - started;
}

/** A LevelDB holding `keys` keys of 100-byte values, for timing getMany over all of them. */
export class GetManyFloor {
  readonly #dir = mkdtempSync(join(tmpdir(), 'memograph-bench-floor-'));
  readonly #db = new ClassicLevel<string, Uint8Array>(this.#dir, { valueEncoding: 'view' });
  readonly #keys: string[];

  private constructor(keys: number) {
    this.#keys = Array.from({ length: keys }, (_, i) => `c/bafyrei${String(i).padStart(51, '0')}`);
  }

  static async open(keys: number): Promise<GetManyFloor> {
    const floor = new GetManyFloor(keys);
    await floor.#db.open();
    const batch = floor.#db.batch();
    for (const key of floor.#keys) batch.put(key, new Uint8Array(100).fill(key.length));
    await batch.write();
    return floor;
  }

  /** ms for one getMany of every key; each must be there. */
  async run(): Promise<{ ms: number }> {
    const started = performance.now();
    const values = await this.#db.getMany(this.#keys);
    const ms = performance.now() - started;
    if (values.some((value) => value === undefined)) throw new Error('the getMany floor missed a key it had written');
    return { ms };
  }

  get keys(): number {
    return this.#keys.length;
  }

  async close(): Promise<void> {
    await this.#db.close();
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
