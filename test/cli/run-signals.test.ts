// `memograph run` as a wrapper: a signal sent to it reaches the script, it waits
// for the script, exits as the shell expects, and tells what ran before.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { runCli, startCli, type CliResult } from './run-cli.js';

const dir = tempDir();
afterAll(() => dir.remove());

/** Pids of scripts a failing test may have left running. */
const scripts: number[] = [];
afterEach(() => {
  for (const pid of scripts.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL');
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what: string, test: () => boolean, ms = 30_000): Promise<void> {
  for (const end = Date.now() + ms; !test(); await sleep(25)) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
  }
}

/** Run the interruptible script, send `signal` to `memograph run` once its slow task has started. */
async function interrupt(name: string, signal: NodeJS.Signals, env: Record<string, string> = {}): Promise<CliResult & { scriptPid: number }> {
  const marker = `${dir.path}/${name}.started`;
  const pidFile = `${dir.path}/${name}.pid`;
  const cli = startCli(['run', '--no-progress', 'test/fixtures/cli-interruptible.ts'], {
    MEMOGRAPH_CACHE_DIR: `${dir.path}/${name}-cache`,
    MARKER: marker,
    PID_FILE: pidFile,
    ...env,
  });
  await until('the slow task to start', () => existsSync(marker));
  const scriptPid = Number(readFileSync(pidFile, 'utf8'));
  scripts.push(scriptPid);
  expect(scriptPid).not.toBe(cli.pid); // the script has a process of its own to stop
  cli.signal(signal);
  const result = await Promise.race([
    cli.result,
    sleep(30_000).then(() => {
      cli.signal('SIGKILL');
      throw new Error(`memograph run did not end within 30 s of ${signal}`);
    }),
  ]);
  return { ...result, scriptPid };
}

describe('memograph run, interrupted', () => {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    it(`passes ${signal} on to the script, waits for it, exits with 128 + ${constants.signals[signal]}, and tells what finished`, async () => {
      const { code, stderr, scriptPid } = await interrupt(signal, signal);
      expect(alive(scriptPid)).toBe(false);
      expect(code).toBe(128 + constants.signals[signal]);
      expect(stderr).toMatch(new RegExp(`memograph: interrupted by ${signal}; 3 executed, 0 from the cache, 0 deduplicated, 0 failed, 3 stored in `));
    });
  }

  it('exits with the code of a script that handles the signal and exits itself', async () => {
    const { code, stderr, scriptPid } = await interrupt('handled', 'SIGTERM', { HANDLE: 'SIGTERM' });
    expect(alive(scriptPid)).toBe(false);
    expect(code).toBe(7);
    expect(stderr).toMatch(/memograph: interrupted by SIGTERM; 3 executed, 0 from the cache, 0 deduplicated, 0 failed, 3 stored in /);
  });
});

describe('memograph run, a script it cannot run', () => {
  it('says so in one line and exits with 2 when there is no script', async () => {
    const { code, stderr } = await runCli(['run', 'test/fixtures/not-there.ts']);
    expect(code).toBe(2);
    expect(stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^memograph: No script at \/.*test\/fixtures\/not-there\.ts$/)]);
  });

  it('names the file in one line and exits with 2 when the script does not parse', async () => {
    const script = `${dir.path}/broken.ts`;
    writeFileSync(script, "import { delayed } from 'memograph';\nconst x: number = ;\n");
    const { code, stderr } = await runCli(['run', script]);
    expect(code).toBe(2);
    expect(stderr.trimEnd().split('\n')).toEqual([`memograph: Syntax error in ${script}:2:19: Unexpected ";"`]);
  });
});
