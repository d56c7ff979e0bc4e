/**
 * A process killed with SIGKILL at any moment loses at most the writes in
 * flight: the next process on the same cache opens it, serves only correct
 * values from it, computes the rest, and a process after that finds everything.
 * Bounded: a handful of kills at spread-out moments of one run.
 */
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { shutdown, startRun } from '../../src/index.js';
import { buildKillGraph } from '../fixtures/kill-graph.js';
import { tempDir } from '../helpers.js';

const dir = tempDir();
afterAll(async () => {
  await shutdown();
  dir.remove();
});

const script = new URL('../fixtures/kill-script.ts', import.meta.url).pathname;

/** Start the script; kill it `afterMs` after it says it started, or let it finish when undefined. */
function runScript(cacheDir: string, afterMs?: number): Promise<{ killed: boolean; report?: { value: number; counts: { executed: number; cached: number; total: number } } }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, cacheDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
      if (afterMs !== undefined && !killed && stdout.includes('started\n')) {
        killed = true;
        setTimeout(() => child.kill('SIGKILL'), afterMs);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL' && killed) return resolve({ killed: true });
      if (code !== 0) return reject(new Error(`kill script exited with ${code ?? signal}\n${stderr}`));
      const line = stdout.trim().split('\n').pop()!;
      resolve({ killed: false, report: JSON.parse(line) });
    });
  });
}

describe('a process killed with SIGKILL', () => {
  it('leaves a cache the next process opens and serves only correct values from', async () => {
    const [expected] = await startRun([buildKillGraph()], { cache: false }).result;
    const cacheDir = `${dir.path}/cache`;
    // Spread over the run: right at the start, early, in the middle, late (a run takes a few seconds).
    let killedRuns = 0;
    for (const afterMs of [0, 150, 600, 1500]) {
      const outcome = await runScript(cacheDir, afterMs);
      if (outcome.killed) killedRuns++;
      else expect(outcome.report!.value, `a run that finished before its kill at ${afterMs} ms`).toBe(expected);
    }
    expect(killedRuns, 'at least one run was really killed mid-way').toBeGreaterThan(0);

    const after = await runScript(cacheDir);
    expect(after.report!.value).toBe(expected);
    const again = await runScript(cacheDir);
    expect(again.report!.value).toBe(expected);
    expect(again.report!.counts.executed, 'everything is in the cache now').toBe(0);
  });
});
