import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('the stack of a task that failed on a worker thread', () => {
  it('names the function and the line of the user file it was made in, not a worker eval', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'test/fixtures/stack-script.ts'], { cwd: root });
    const frame = stdout.split('\n').find((line) => line.trim().startsWith('at '));
    const file = pathToFileURL(`${root}test/fixtures/stack-script.ts`).href;
    // tsx compiles the function onto one line: the frame says the line of its delayed(), 4.
    expect(frame?.trim()).toMatch(new RegExp(`^at step \\(${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:\\d+\\)$`));
    expect(stdout).not.toContain('eval at');
    expect(stdout).toMatch(/^Error: step 2 is too far$/m);
    // Nothing of the worker that ran it follows: the user's frame is the last.
    expect(stdout.trim().split('\n').at(-1)).toBe(frame);
    expect(stdout).not.toMatch(/executors\/|piscina|async_hooks/);
    expect(stdout).toMatch(/^names: whoAmI whoAmI whoAmI$/m);
  });

  it('gives the line of the throw itself in plain JavaScript, which no loader compiles', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'test/fixtures/stack-script.mjs'], { cwd: root });
    const frame = stdout.split('\n').find((line) => line.trim().startsWith('at '));
    expect(frame?.trim()).toBe(`at step (${pathToFileURL(`${root}test/fixtures/stack-script.mjs`).href}:6:11)`);
  });
});
