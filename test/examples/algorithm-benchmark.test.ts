import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';

const exec = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const example = join(root, 'examples/algorithm-benchmark/main.ts');
const cache = tempDir();
// An edited copy must sit inside the project, where 'memograph' resolves.
mkdirSync(join(root, 'test-artifacts'), { recursive: true });
const scratch = mkdtempSync(join(root, 'test-artifacts', 'algorithm-benchmark-'));
afterAll(() => {
  cache.remove();
  rmSync(scratch, { recursive: true, force: true });
});

async function run(file: string): Promise<{ executed: number; cached: number; output: string }> {
  const { stdout } = await exec(process.execPath, ['--import', 'tsx', file], {
    cwd: root,
    env: { ...process.env, MEMOGRAPH_CACHE_DIR: cache.path },
  });
  const counts = /(\d+) executed, (\d+) from the cache/.exec(stdout)!;
  return { executed: Number(counts[1]), cached: Number(counts[2]), output: stdout };
}

describe('examples/algorithm-benchmark', () => {
  it('measures every cell once, serves a re-run from the cache, and re-measures only an edited algorithm', async () => {
    const first = await run(example);
    expect(first.executed).toBe(25); // 3 algorithms × 2 sizes × 3 seeds, 6 inputs, 1 table
    expect(first.output).toMatch(/\| mergeSort \| 4000 \| \d+\.\d{3} \|/);

    const second = await run(example);
    expect(second).toMatchObject({ executed: 0, cached: 1 });

    // Edit one token of mergeSort: only its 6 cells (and the table over all cells) run again.
    const source = readFileSync(example, 'utf8');
    const edited = source.replace('width *= 2', 'width = width * 2');
    expect(edited).not.toBe(source);
    const copy = join(scratch, 'main.ts');
    writeFileSync(copy, edited);
    const third = await run(copy);
    expect(third.executed).toBe(7);
    expect(third.cached).toBe(18); // the other 12 cells and the 6 inputs the edited cells read
  });
});
