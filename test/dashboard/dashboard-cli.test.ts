import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { root, runCli } from '../cli/run-cli.js';

const cli = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

describe('memograph run --dashboard', () => {
  it("shows a script's runs on a dashboard whose address it prints, and the script still ends by itself", async () => {
    // --dashboard-port asks for the dashboard by itself.
    const result = await runCli(['run', '--dashboard-port', '0', '--no-progress', 'test/fixtures/dashboard-script.ts']);
    expect(result.stderr).toMatch(/memograph: dashboard at http:\/\/127\.0\.0\.1:\d+\//);
    expect(result.stdout).toContain('RESULT 14 STATE {"status":"succeeded","executed":4}');
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/memograph: 4 executed/);
  });

  it('refuses a malformed port with a usage error (exit code 2)', async () => {
    for (const port of ['abc', '-1', '70000', '80.5']) {
      const result = await runCli(['run', '--dashboard', '--dashboard-port', port, 'test/fixtures/dashboard-script.ts']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`Expected --dashboard-port to be a port number from 0 to 65535, got \`${port}\``);
      expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace without --verbose
    }
  });

  it('with --keep-dashboard, serves the finished run until interrupted, then prints the summary', async () => {
    // Its own process group, so that an interrupt reaches it and the script as Ctrl-C would.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', cli, 'run', '--keep-dashboard', '--dashboard-port', '0', '--no-progress', 'test/fixtures/dashboard-script.ts'],
      { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await expect.poll(() => stderr, { timeout: 60_000 }).toMatch(/the dashboard stays at (\S+) until interrupted/);
    const url = /the dashboard stays at (\S+) until interrupted/.exec(stderr)![1]!;
    const state = (await (await fetch(`${url}api/state`)).json()) as { status: string };
    expect(state.status).toBe('succeeded');
    process.kill(-child.pid!, 'SIGINT');
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/memograph: interrupted by SIGINT; 4 executed/); // exit 0: the repeated SIGINT closed it once
    await expect(fetch(`${url}api/state`)).rejects.toThrow();
  });
});
