import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { afterAll, describe, expect, it } from 'vitest';
import { compute, delayed, InvalidArgumentError, shutdown, startRun, TaskError } from '../../src/index.js';
import { packValue } from '../../src/store/value-codec.js';
import { tempDir } from '../helpers.js';

const dir = tempDir();
afterAll(async () => {
  await shutdown();
  dir.remove();
});

describe('output files declared by a TypeScript task', () => {
  const out = join(dir.path, 'out', 'table.csv');
  const writeTable = delayed(
    (path: string, rows: number) => {
      const fs = process.getBuiltinModule('node:fs');
      fs.mkdirSync(process.getBuiltinModule('node:path').dirname(path), { recursive: true });
      fs.writeFileSync(path, Array.from({ length: rows }, (_, i) => `${i},${i * i}`).join('\n'));
      return rows;
    },
    { outputs: [out], name: 'writeTable' },
  );
  const cacheDir = join(dir.path, 'cache');

  it('are stored with the result and written back on a cache hit when missing or changed', async () => {
    expect(await compute(writeTable(out, 5), { cacheDir })).toEqual([5]);
    const written = readFileSync(out, 'utf8');

    rmSync(out);
    const restored = startRun([writeTable(out, 5)], { cacheDir });
    expect(await restored.result).toEqual([5]);
    expect(restored.counts).toMatchObject({ executed: 0, cached: 1 });
    expect(readFileSync(out, 'utf8')).toBe(written);

    writeFileSync(out, 'edited by hand');
    const again = startRun([writeTable(out, 5)], { cacheDir });
    await again.result;
    expect(again.counts.executed).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(written);
  });

  it('make the hit a miss when their stored bytes are corrupt: the task runs again', async () => {
    const db = new ClassicLevel<string, Uint8Array>(cacheDir, { valueEncoding: 'view' });
    await db.open();
    // Every stored byte string, the output file's included, now holds something else.
    for (const key of await db.keys({ gte: 'r/', lt: 'r0' }).all()) await db.put(key, packValue('garbage'));
    await db.close();
    rmSync(out);
    const run = startRun([writeTable(out, 5)], { cacheDir });
    expect(await run.result).toEqual([5]);
    expect(run.counts.executed).toBe(1);
    expect(existsSync(out)).toBe(true);
  });

  it('fail a task that does not write one, naming it', async () => {
    const forgetful = delayed((n: number) => n, { outputs: [join(dir.path, 'never.txt')], name: 'forgetful' });
    const error = await compute(forgetful(1), { cacheDir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskError);
    expect((error as Error).message).toMatch(/declared the output file .*never\.txt but did not write it/);
    expect(() => delayed((n: number) => n, { outputs: [''] })).toThrow(InvalidArgumentError);
  });
});
