import { existsSync, readFileSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import {
  command,
  CommandExitError,
  compute,
  file,
  MemoryStore,
  ResourceLimitError,
  shutdown,
  startRun,
  TaskError,
  TimeoutError,
} from '../../src/index.js';
import { bytesCid } from '../../src/files/file-hash.js';
import { cidOf, RAW } from '../../src/hash/cid.js';
import { packValue, unpackValue } from '../../src/store/value-codec.js';
import { tempDir } from '../helpers.js';

const tmp = tempDir();
afterAll(async () => {
  await shutdown();
  tmp.remove();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A node one-liner that appends `tag` to the log file given as its first argument. */
const logged = (tag: string, body = '') =>
  `const fs = require('fs'); fs.appendFileSync(process.argv[1], ${JSON.stringify(tag + '\n')}); ${body}`;
const lines = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').trim().split('\n').filter(Boolean) : []);

describe('command()', () => {
  it('passes every parameter as one literal argv entry: nothing reaches a shell', async () => {
    const cwd = join(tmp.path, 'inject');
    const hostile = ["'; rm -rf ~'", '$(touch pwned)', '`touch pwned2`', '&& touch pwned3 ;', '"quoted" \\ back', '-e'];
    const echo = command(['node', '-e', 'process.stdout.write(JSON.stringify(process.argv.slice(1)))', ...hostile], { cwd });
    const result = await echo.compute({ store: new MemoryStore() });
    expect(JSON.parse(result.stdout)).toEqual(hostile);
    for (const name of ['pwned', 'pwned2', 'pwned3']) expect(existsSync(join(cwd, name))).toBe(false);
  });

  it('with shell: true, argv[0] is the script and parameters are positional, never parsed', async () => {
    const cwd = join(tmp.path, 'shell');
    const script = command(['printf "%s|" "$1" "$2"; touch ran', '$(touch pwned)', 'a; touch pwned2'], { shell: true, cwd });
    const result = await script.compute({ store: new MemoryStore() });
    expect(result.stdout).toBe('$(touch pwned)|a; touch pwned2|');
    expect(existsSync(join(cwd, 'ran'))).toBe(true);
    expect(existsSync(join(cwd, 'pwned'))).toBe(false);
    expect(existsSync(join(cwd, 'pwned2'))).toBe(false);
  });

  it('a non-zero exit fails with a TaskError carrying the exit code and the end of stderr', async () => {
    const noisy = Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\\n');
    const failing = command(['node', '-e', `console.error("${noisy}"); console.error("boom: bad input"); process.exit(3)`]);
    const error = await failing.compute({ store: new MemoryStore() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskError);
    const taskError = error as TaskError;
    expect(taskError.code).toBe('MEMOGRAPH_TASK_FAILED');
    expect(taskError.taskName).toBe('node');
    expect(taskError.message).toMatch(/exited with code 3/);
    expect(taskError.message).toMatch(/boom: bad input/);
    expect(taskError.message).toMatch(/line 29/);
    expect(taskError.message).not.toMatch(/line 5\n/); // only the last lines
    expect(taskError.cause).toBeInstanceOf(CommandExitError);
    expect((taskError.cause as CommandExitError).exitCode).toBe(3);
  });

  it('is addressed by argv, declared env, cwd and the program, not by its display name', () => {
    const base = command(['node', '-e', '1']);
    expect(command(['node', '-e', '1'], { name: 'renamed' }).cid).toBe(base.cid);
    expect(command(['node', '-e', '2']).cid).not.toBe(base.cid);
    expect(command(['node', '-e', '1'], { env: { MODE: 'a' } }).cid).not.toBe(base.cid);
    expect(command(['node', '-e', '1'], { cwd: 'elsewhere' }).cid).not.toBe(base.cid);
    expect(command(['node', '-e', '1'], { programVersion: 'node 20' }).cid).not.toBe(base.cid);
    expect(command(['node', '-e', 300]).cid).toBe(command(['node', '-e', '300']).cid);
    expect(() => command(['no-such-program-here', 'x'])).toThrow(/not found on PATH/);
  });

  it('editing an input file re-runs the command; touching it does not', async () => {
    const store = new MemoryStore();
    const log = join(tmp.path, 'inputs.log');
    const script = join(tmp.path, 'double.js');
    writeFileSync(script, `require('fs').appendFileSync(process.argv[2], 'ran\\n'); console.log(2 * Number(process.argv[3]))`);
    const build = () => command(['node', file(script), log, 21]);
    expect((await build().compute({ store })).stdout).toBe('42\n');
    const later = new Date(Date.now() + 10_000);
    utimesSync(script, later, later);
    expect((await build().compute({ store })).stdout).toBe('42\n');
    expect(lines(log)).toEqual(['ran']);
    writeFileSync(script, `require('fs').appendFileSync(process.argv[2], 'ran\\n'); console.log(3 * Number(process.argv[3]))`);
    expect((await build().compute({ store })).stdout).toBe('63\n');
    expect(lines(log)).toEqual(['ran', 'ran']);
  });

  it('refuses to run when a declared input changed after the graph was built', async () => {
    const input = join(tmp.path, 'changing.txt');
    writeFileSync(input, 'before');
    const cat = command(['node', '-e', 'process.stdout.write(require("fs").readFileSync(process.argv[1]))', file(input)]);
    writeFileSync(input, 'after!');
    await expect(cat.compute({ store: new MemoryStore() })).rejects.toThrow(/changed after the graph was built/);
  });

  it('stores declared outputs and restores them on a cache hit, leaving matching ones alone', async () => {
    const store = new MemoryStore();
    const cwd = join(tmp.path, 'outputs');
    const log = join(tmp.path, 'outputs.log');
    const build = () =>
      command(['node', '-e', logged('make', `fs.writeFileSync('out/a.txt', 'A'.repeat(10)); fs.writeFileSync('b.txt', 'B')`), log], {
        cwd,
        outputs: ['out/a.txt', 'b.txt'],
      });
    const first = await build().compute({ store });
    const a = join(cwd, 'out/a.txt');
    const b = join(cwd, 'b.txt');
    expect(first.outputs['out/a.txt']).toMatchObject({ cid: bytesCid(Buffer.from('A'.repeat(10))), size: 10 });
    expect(Object.keys(first.outputs)).toEqual(['out/a.txt', 'b.txt']);
    expect(lines(log)).toEqual(['make']);

    unlinkSync(a);
    writeFileSync(b, 'changed by hand');
    const run = startRun([build()], { store });
    await run.result;
    expect(run.counts.executed).toBe(0);
    expect(run.counts.cached).toBe(1);
    expect(readFileSync(a, 'utf8')).toBe('A'.repeat(10));
    expect(readFileSync(b, 'utf8')).toBe('B');
    expect(lines(log)).toEqual(['make']);

    // A file that already matches is not rewritten.
    const bTime = new Date(Date.now() - 60_000);
    utimesSync(a, bTime, bTime);
    const before = statSync(a).mtimeMs;
    await build().compute({ store });
    expect(statSync(a).mtimeMs).toBe(before);
  });

  it('missing stored output bytes make the cache hit a miss: the command runs again', async () => {
    const store = new MemoryStore();
    const cwd = join(tmp.path, 'corrupt');
    const log = join(tmp.path, 'corrupt.log');
    const build = () => command(['node', '-e', logged('make', `fs.writeFileSync('out.txt', 'good bytes')`), log], { cwd, outputs: ['out.txt'] });
    const node = build();
    await node.compute({ store });

    // Point the record's output at bytes the store does not have.
    const record = store.getRecordSync(node.cid)!;
    const [path] = Object.keys(record.outputs!);
    const missing = cidOf(RAW, new TextEncoder().encode('bytes never stored'));
    const resultBytes = (await store.getBytes(record.resultCid))!;
    store.putResult(node.cid, { ...record, outputs: { [path!]: missing } }, resultBytes);
    unlinkSync(join(cwd, 'out.txt'));

    const run = startRun([build()], { store });
    const [result] = await run.result;
    expect(run.counts.executed).toBe(1);
    expect(readFileSync(join(cwd, 'out.txt'), 'utf8')).toBe('good bytes');
    expect(result.outputs['out.txt']!.cid).toBe(cidOf(RAW, new TextEncoder().encode('good bytes')));
    expect(lines(log)).toEqual(['make', 'make']);
  });

  it('fails when a declared output is not written, even if a stale one existed', async () => {
    const cwd = join(tmp.path, 'missing-output');
    const stale = command(['node', '-e', `require('fs').writeFileSync('o.txt', 'x')`], { cwd, outputs: ['o.txt'] });
    await stale.compute({ store: new MemoryStore() });
    const lazy = command(['node', '-e', '0'], { cwd, outputs: ['o.txt'] });
    await expect(lazy.compute({ store: new MemoryStore() })).rejects.toThrow(/declared output .*o\.txt was not written/);
  });

  it('replays stdout and stderr on a cache hit when asked', async () => {
    const store = new MemoryStore();
    const build = () => command(['node', '-e', 'console.log("to stdout"); console.error("to stderr")'], { replay: true });
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await build().compute({ store });
      const run = startRun([build()], { store });
      const [result] = await run.result;
      expect(run.counts.executed).toBe(0);
      expect(result.stdout).toBe('to stdout\n');
      expect(out.mock.calls.filter(([s]) => s === 'to stdout\n')).toHaveLength(2);
      expect(err.mock.calls.filter(([s]) => s === 'to stderr\n')).toHaveLength(2);
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
    // Without replay, a cache hit prints nothing.
    const quiet = vi.spyOn(process.stdout, 'write');
    await command(['node', '-e', 'console.log("to stdout"); console.error("to stderr")']).compute({ store });
    expect(quiet.mock.calls.filter(([s]) => s === 'to stdout\n')).toHaveLength(0);
    quiet.mockRestore();
  });

  it('a later command reads an earlier one\'s output, restored first if it went missing', async () => {
    const store = new MemoryStore();
    const cwd = join(tmp.path, 'chain');
    const make = command(['node', '-e', `require('fs').writeFileSync('data.txt', '1 2 3')`], { cwd, outputs: ['data.txt'] });
    const count = (extra: string) =>
      command(['node', '-e', 'process.stdout.write(String(require("fs").readFileSync(process.argv[1], "utf8").split(" ").length) + process.argv[2])', make.output(), extra], {
        cwd,
      });
    expect((await count('!').compute({ store })).stdout).toBe('3!');
    unlinkSync(join(cwd, 'data.txt'));
    const run = startRun([count('?')], { store });
    expect((await run.result)[0].stdout).toBe('3?');
    expect(run.counts).toMatchObject({ executed: 1, cached: 1 });
    expect(readFileSync(join(cwd, 'data.txt'), 'utf8')).toBe('1 2 3');
    expect(() => make.output('other.txt')).toThrow(/declares the outputs/);
  });

  it('kills the child process when its time limit passes', async () => {
    const pidFile = join(tmp.path, 'busy.pid');
    const busy = command(['node', '-e', `require('fs').writeFileSync(process.argv[1], String(process.pid)); for (;;) {}`, pidFile], {
      timeoutMs: 1_000,
    });
    const error = await busy.compute({ store: new MemoryStore() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await expectDead(pid);
  });

  it('kills the child process when its signal aborts', async () => {
    const pidFile = join(tmp.path, 'aborted.pid');
    const controller = new AbortController();
    const slow = command(['node', '-e', `require('fs').writeFileSync(process.argv[1], String(process.pid)); setInterval(() => {}, 1000)`, pidFile], {
      signal: controller.signal,
    });
    const result = compute(slow, { store: new MemoryStore(), signal: controller.signal });
    while (!existsSync(pidFile) || readFileSync(pidFile, 'utf8') === '') await sleep(20);
    controller.abort();
    await expect(result).rejects.toMatchObject({ code: 'MEMOGRAPH_ABORTED' });
    await expectDead(Number(readFileSync(pidFile, 'utf8')));
  });
});

/** Wait until `pid` is gone; a process that is never killed fails the test by its time limit. */
async function expectDead(pid: number): Promise<void> {
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await sleep(25);
  }
}

describe('stopping a running command', () => {
  /** A program that writes its pid, then waits forever. */
  const forever = (pidFile: string, tag: string) =>
    command(['node', '-e', `require('fs').writeFileSync(process.argv[1], String(process.pid)); setInterval(() => {}, 1000); // ${tag}`, pidFile], {
      cache: false,
    });
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  async function pidFrom(path: string): Promise<number> {
    while (!existsSync(path) || readFileSync(path, 'utf8') === '') await sleep(10);
    return Number(readFileSync(path, 'utf8'));
  }

  it("kills the child when the run's signal aborts", async () => {
    const pidFile = join(tmp.path, 'abort.pid');
    const controller = new AbortController();
    const run = startRun([forever(pidFile, 'abort')], { cache: false, signal: controller.signal });
    const pid = await pidFrom(pidFile);
    expect(alive(pid)).toBe(true);
    controller.abort();
    await expect(run.result).rejects.toThrow(/aborted/);
    while (alive(pid)) await sleep(20);
    expect(alive(pid)).toBe(false);
  });

  it('kills the child when a run-wide time limit passes', async () => {
    const pidFile = join(tmp.path, 'timeout.pid');
    const run = startRun([forever(pidFile, 'timeout')], { cache: false, timeoutMs: 300 });
    const error = await run.result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    const pid = await pidFrom(pidFile);
    while (alive(pid)) await sleep(20);
    expect(alive(pid)).toBe(false);
  });
});

describe('stopping a command that started processes of its own', () => {
  it('stops the whole process group, so no grandchild outlives it', async () => {
    const pidFile = join(tmp.path, 'grandchild.pid');
    // The shell starts a background sleep (a grandchild), notes its pid and waits for it.
    const parent = command(['sh', '-c', 'sleep 1000 & echo $! > "$1"; wait', 'sh', pidFile], { cache: false });
    const controller = new AbortController();
    const result = compute(parent, { cache: false, signal: controller.signal });
    while (!existsSync(pidFile) || readFileSync(pidFile, 'utf8').trim() === '') await sleep(20);
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    controller.abort();
    await expect(result).rejects.toMatchObject({ code: 'MEMOGRAPH_ABORTED' });
    await expectDead(grandchild);
  });
});

describe('a memory limit on a command', () => {
  it('kills a program whose process group goes over it, failing only that task with a ResourceLimitError', async () => {
    // Grows by 20 MB of touched memory every 20 ms until killed.
    const hog = command(
      ['node', '-e', 'const keep = []; setInterval(() => keep.push(Buffer.alloc(20 * 1024 * 1024, 1)), 20);'],
      { cache: false, memoryLimitMb: 150, name: 'hog' },
    );
    const fine = command(['node', '-e', 'process.stdout.write("ok")'], { cache: false, name: 'fine' });
    const outcome = await startRun([hog, fine], { cache: false, onFailure: 'continue' }).settled;
    expect(outcome.available).toEqual([false, true]);
    expect(outcome.failures[0]).toBeInstanceOf(ResourceLimitError);
    expect(outcome.failures[0]!.message).toMatch(/went over its memory limit of 150 MB/);
    expect(() => command(['node'], { memoryLimitMb: -1 })).toThrow('Expected `memoryLimitMb` to be a positive number, got `-1` (number)');
  });
});
