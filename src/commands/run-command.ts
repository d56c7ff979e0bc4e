/**
 * Running one command on the main thread: turn its argument values into argv
 * strings, check its inputs still hold the bytes it was addressed by, spawn the
 * program (no shell unless asked), capture stdout/stderr and the declared
 * outputs, and kill the child when its time limit passes or its signal aborts.
 *
 * The main-thread executor can only abandon a task's promise on timeout or
 * abort (it cannot stop JS it does not own), so the command enforces both
 * itself: the child process is killed — SIGTERM, then SIGKILL after a grace
 * period — and never outlives its task. Children still alive when the process
 * exits are killed too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { AbortError, MemographError } from '../errors.js';
import { hashFileSync } from '../files/file-hash.js';
import { dir, file, isDirValue, isFileValue, type DirValue, type FileValue } from '../files/file-value.js';
import { watchMemory } from './memory-watch.js';
import { resolveProgram } from './program.js';
import type { CommandResult, CommandSpec } from './spec.js';

/** Run-time settings of a command; not part of its address. */
export interface RuntimeOptions {
  readonly timeoutMs: number | undefined;
  readonly signal: AbortSignal | undefined;
  readonly replay: boolean;
  readonly killGraceMs: number;
  /** Kill the command's process group when its resident memory goes over this (see memory-watch.ts). */
  readonly memoryLimitMb?: number;
}

/** A command's process group went over its memory limit and was killed. Its task fails with a ResourceLimitError. */
export class CommandMemoryError extends MemographError {
  constructor(program: string, limitMb: number, residentMb: number) {
    super(
      'MEMOGRAPH_RESOURCE_LIMIT',
      `${program} went over its memory limit of ${limitMb} MB (${residentMb} MB resident) and was killed`,
    );
  }
}

/** A command exited with a non-zero code or was killed by a signal. The TaskError's `cause`. */
export class CommandExitError extends MemographError {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The last lines of stderr. */
  readonly stderrTail: string;

  constructor(program: string, exitCode: number | null, signal: NodeJS.Signals | null, stderrTail: string) {
    const how = exitCode !== null ? `exited with code ${exitCode}` : `was killed by ${signal}`;
    super('MEMOGRAPH_COMMAND_FAILED', `${program} ${how}${stderrTail ? `; last lines of stderr:\n${stderrTail}` : ' (stderr was empty)'}`);
    this.exitCode = exitCode;
    this.signal = signal;
    this.stderrTail = stderrTail;
  }
}

const STDERR_TAIL_LINES = 20;
const STDERR_TAIL_CHARS = 4_000;

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * A command runs as the leader of its own process group, so stopping it stops
 * whatever it started too (a shell's background jobs, a tool's helpers), and
 * none of them can hold its output pipes open after it is gone.
 */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) {
      process.kill(-child.pid, signal);
      return;
    }
  } catch {
    // The group is gone already, or this platform has no process groups.
  }
  child.kill(signal);
}

function track(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // Synchronous kills only: this runs while the process exits.
    process.once('exit', () => {
      for (const c of live) killGroup(c, 'SIGKILL');
    });
  }
  live.add(child);
  child.once('close', () => live.delete(child));
}

export async function runCommand(spec: CommandSpec, runtime: RuntimeOptions): Promise<CommandResult> {
  const cwd = resolve(spec.cwd);
  const argv = spec.argv.map((part, i) => argString(part, cwd, `argv[${i}]`));
  for (const input of [...spec.inputs, ...spec.argv]) verifyInput(input);

  const env = { ...process.env, ...spec.env };
  let executable: string;
  let args: string[];
  if (spec.shell) {
    // The script is argv[0]; the other entries become $1, $2, … — positional
    // parameters, which the shell never parses as syntax.
    executable = '/bin/sh';
    args = ['-c', argv[0]!, 'sh', ...argv.slice(1)];
  } else {
    executable = resolveProgram(argv[0]!, cwd, env.PATH);
    args = argv.slice(1);
  }

  // A stale output from an earlier run must not pass for this run's.
  for (const out of spec.outputs) {
    rmSync(resolve(out), { force: true, recursive: false });
    mkdirSync(dirname(resolve(out)), { recursive: true });
  }
  mkdirSync(cwd, { recursive: true });

  const { exitCode, signal, stdout, stderr } = await spawnAndWait(executable, args, argv[0]!, cwd, env, runtime, spec.shell);
  if (exitCode !== 0) {
    throw new CommandExitError(spec.shell ? 'sh -c' : argv[0]!, exitCode, signal, tail(stderr));
  }
  const outputs: Record<string, FileValue> = {};
  spec.declared.forEach((declared, i) => {
    const path = spec.outputs[i]!;
    if (!existsSync(resolve(path))) throw new Error(`${argv[0]}: its declared output ${path} was not written`);
    outputs[declared] = file(path);
  });
  if (runtime.replay) replay(stdout, stderr);
  return { exitCode: 0, stdout, stderr, outputs };
}

export function replay(stdout: string, stderr: string): void {
  if (stdout) process.stdout.write(stdout);
  if (stderr) process.stderr.write(stderr);
}

function spawnAndWait(
  executable: string,
  args: string[],
  argv0: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
  runtime: RuntimeOptions,
  shell: boolean,
): Promise<{ exitCode: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((settle, reject) => {
    if (runtime.signal?.aborted) {
      reject(new AbortError(runtime.signal.reason));
      return;
    }
    const child = spawn(executable, args, {
      cwd,
      env,
      argv0: shell ? 'sh' : argv0,
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: false,
      detached: process.platform !== 'win32', // its own process group: see killGroup
    });
    track(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => err.push(chunk));

    let stopped: Error | undefined;
    let grace: NodeJS.Timeout | undefined;
    const stop = (why: Error) => {
      if (stopped) return;
      stopped = why;
      killGroup(child, 'SIGTERM');
      grace = setTimeout(() => killGroup(child, 'SIGKILL'), runtime.killGraceMs);
      grace.unref();
    };
    const timer =
      runtime.timeoutMs === undefined
        ? undefined
        : setTimeout(
            () => stop(new Error(`${argv0} ran longer than its limit of ${runtime.timeoutMs} ms and was killed`)),
            runtime.timeoutMs,
          );
    const onAbort = () => stop(new AbortError(runtime.signal?.reason));
    runtime.signal?.addEventListener('abort', onAbort, { once: true });
    const { memoryLimitMb } = runtime;
    const unwatch =
      memoryLimitMb === undefined || child.pid === undefined
        ? undefined
        : watchMemory(child.pid, memoryLimitMb, (residentMb) =>
            stop(new CommandMemoryError(argv0, memoryLimitMb, residentMb)),
          );

    const cleanUp = () => {
      unwatch?.();
      clearTimeout(timer);
      clearTimeout(grace);
      runtime.signal?.removeEventListener('abort', onAbort);
    };
    child.once('error', (error) => {
      cleanUp();
      reject(new Error(`cannot run ${argv0}: ${error.message}`, { cause: error }));
    });
    child.once('close', (exitCode, signal) => {
      cleanUp();
      if (stopped) {
        reject(stopped);
        return;
      }
      settle({
        exitCode,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

function tail(text: string): string {
  const lines = text.trimEnd().split('\n');
  const last = lines.slice(-STDERR_TAIL_LINES).join('\n');
  return last.length > STDERR_TAIL_CHARS ? '…' + last.slice(-STDERR_TAIL_CHARS) : last;
}

/** How a path is written on the command line: relative to the command's cwd when inside it. */
function pathFor(path: string, cwd: string): string {
  const abs = resolve(path);
  const rel = relative(cwd, abs);
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? abs : rel.startsWith('-') ? `./${rel}` : rel;
}

/** An argv entry, after the scheduler put the values of graph nodes in. */
function argString(part: unknown, cwd: string, where: string): string {
  if (typeof part === 'string') return part;
  if (typeof part === 'number' || typeof part === 'bigint' || typeof part === 'boolean') return String(part);
  const f = fileOf(part);
  if (f) return pathFor(f.path, cwd);
  throw new Error(`${where} is not a string, number, file or command output: ${describe(part)}`);
}

/** The file or directory an argv entry or input stands for, if any. */
function fileOf(part: unknown): FileValue | DirValue | undefined {
  if (isFileValue(part) || isDirValue(part)) return part;
  if (isOutputRef(part)) {
    const f = part.$output.outputs[part.path];
    if (!f) throw new Error(`the command has no output ${part.path}`);
    return f;
  }
  if (isCommandResult(part)) {
    const all = Object.values(part.outputs);
    if (all.length !== 1) {
      throw new Error(`a command with ${all.length} outputs stands for no one path: use cmd.output(path)`);
    }
    return all[0];
  }
  return undefined;
}

/**
 * An input must still hold the bytes it was addressed by; otherwise the result
 * would be stored under an address that describes other data.
 */
function verifyInput(input: unknown): void {
  const files: (FileValue | DirValue)[] = isCommandResult(input) ? Object.values(input.outputs) : [];
  if (files.length === 0) {
    const f = fileOf(input);
    if (f) files.push(f);
  }
  for (const f of files) {
    let now: string;
    try {
      now = isDirValue(f) ? dir(f.path).cid : hashFileSync(resolve(f.path)).cid;
    } catch (error) {
      throw new Error(`input ${f.path} cannot be read: ${(error as Error).message}`, { cause: error });
    }
    if (now !== f.cid) {
      throw new Error(`input ${f.path} changed after the graph was built (it was ${f.cid}, it is ${now}): build the graph again`);
    }
  }
}

function isOutputRef(v: unknown): v is { $output: CommandResult; path: string } {
  return typeof v === 'object' && v !== null && '$output' in v && isCommandResult((v as { $output: unknown }).$output);
}

function isCommandResult(v: unknown): v is CommandResult {
  return typeof v === 'object' && v !== null && (v as CommandResult).exitCode === 0 && typeof (v as CommandResult).outputs === 'object';
}

function describe(v: unknown): string {
  try {
    return JSON.stringify(v)?.slice(0, 80) ?? String(v);
  } catch {
    return String(v);
  }
}
