/**
 * `command(argv, options)`: an external program as a graph node.
 *
 * Built like any delayed call — its address is fixed when it is made, from a
 * CommandSpec (see spec.ts) — and run on the main thread, where a child process
 * can be spawned, watched and killed (a worker thread cannot hold one for the
 * scheduler). Its declared outputs are captured into its result; on a cache
 * hit, `onCacheHit` puts them back before the hit is served, and if the stored
 * bytes fail their check the hit becomes a miss and the command runs again.
 */
import { basename, isAbsolute, join } from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import { isDirValue, isFileValue, normalisePath } from '../files/file-value.js';
import { currentTaskSignal } from '../executors/task-signal.js';
import { Delayed } from '../graph/delayed.js';
import { describeFunction, type TaskFunction } from '../graph/task-function.js';
import type { RetryOptions } from '../graph/policies.js';
import { memoryLimitSupported } from './memory-watch.js';
import { programIdentity } from './program.js';
import { replay, runCommand, type RuntimeOptions } from './run-command.js';
import type { CommandArg, CommandInput, CommandOutput, CommandResult, CommandSpec } from './spec.js';

/** Part of every command's function identity; bump when what a spec means changes. */
const COMMAND_VERSION = 'memograph/command/1';

export interface CommandOptions {
  /** Files, directories and other commands' outputs the program reads. Their contents are part of the address. */
  inputs?: readonly CommandInput[];
  /**
   * Files the program writes, relative to `cwd`. They are stored with the result and
   * restored on a cache hit; the command fails if one is not written.
   */
  outputs?: readonly string[];
  /**
   * Environment variables to set, part of the address. The program also inherits the
   * process's environment, which is not part of the address.
   */
  env?: Readonly<Record<string, string | number>>;
  /**
   * Working directory of the program, relative to the process's (created if missing).
   * @default '.'
   */
  cwd?: string;
  /**
   * Run argv[0] as a /bin/sh script; argv[1…] become its positional parameters
   * `$1`, `$2`, … (still never parsed as shell syntax).
   * @default false
   */
  shell?: boolean;
  /** Identify the program by this string instead of the content of its executable. */
  programVersion?: string;
  /** Name in errors and snapshots. Not part of the address. @default the program's base name */
  name?: string;
  /** Write the captured stdout and stderr to this process's, when the command runs and on a cache hit. */
  replay?: boolean;
  /** Kill the program (SIGTERM, then SIGKILL) after this many milliseconds; fails with a TimeoutError. */
  timeoutMs?: number;
  /**
   * Kill the program, and everything it started, when their resident memory goes
   * over this many MB (sampled every 50 ms; Linux). The task fails with a ResourceLimitError.
   */
  memoryLimitMb?: number;
  /** Kill the program when this signal aborts (pass the run's `signal`). */
  signal?: AbortSignal;
  /** Retry a failed command. */
  retry?: number | RetryOptions;
  /** `false`: never read or write this command's result in the cache. @default true */
  cache?: boolean;
}

/** A command node: a Delayed<CommandResult> that can name one of its outputs. */
export class Command extends Delayed<CommandResult> {
  /**
   * One declared output, to pass in another command's argv or inputs. With no
   * argument, the only output (an error if there are several).
   */
  output(path?: string): CommandOutput {
    const declared = (this.args[0] as CommandSpec).declared;
    const chosen = path ?? (declared.length === 1 ? declared[0] : undefined);
    if (chosen === undefined || !declared.includes(chosen)) {
      throw new InvalidArgumentError(
        `${this.name} declares the outputs ${JSON.stringify(declared)}; ${path === undefined ? 'name one' : `not ${JSON.stringify(path)}`}`,
      );
    }
    return { $output: this, path: chosen };
  }
}

/**
 * A task that runs an external program. Arguments are passed as separate argv
 * entries, never through a shell (unless `shell: true`), so a parameter such as
 * `'; rm -rf ~'` arrives as one literal argument.
 *
 * @example
 * const sim = command(['python3', 'simulate.py', '--temp', temp, '--out', 'out.csv'], {
 *   inputs: [file('simulate.py')],
 *   outputs: ['out.csv'],
 * });
 */
export function command(argv: readonly CommandArg[], options: CommandOptions = {}): Command {
  if (!Array.isArray(argv) || argv.length === 0) {
    throw new InvalidArgumentError(`Expected \`argv\` to be a non-empty array, got \`${String(argv)}\``);
  }
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(`Expected \`options\` to be an object, got \`${String(options)}\``);
  }
  const shell = options.shell ?? false;
  const program = argv[0];
  if (typeof program !== 'string' || program === '') {
    throw new InvalidArgumentError(
      `Expected argv[0] to be a ${shell ? 'shell script' : 'program name'} as a literal string, got \`${String(program)}\``,
    );
  }
  const cwd = options.cwd === undefined ? '.' : normalisePath(options.cwd, 'cwd');
  const env = checkEnv(options.env);
  const declared = (options.outputs ?? []).map((out, i) => {
    if (typeof out !== 'string' || out === '') throw new InvalidArgumentError(`Expected outputs[${i}] to be a non-empty path string`);
    return out;
  });
  if (new Set(declared).size !== declared.length) throw new InvalidArgumentError('An output is declared twice');
  const outputs = declared.map((out) => normalisePath(isAbsolute(out) ? out : join(cwd, out), 'outputs'));
  const inputs = [...(options.inputs ?? [])];
  inputs.forEach((input, i) => checkInput(input, `inputs[${i}]`));

  const spec: CommandSpec = {
    argv: argv.map((part, i) => checkArg(part, i)),
    shell,
    program: programIdentity(shell ? '/bin/sh' : program, cwd, env.PATH ?? process.env.PATH, options.programVersion),
    env,
    cwd,
    inputs,
    outputs,
    declared,
  };
  const runtime: RuntimeOptions = {
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    replay: options.replay ?? false,
    killGraceMs: 2_000,
    memoryLimitMb: checkCommandMemoryLimit(options.memoryLimitMb),
  };
  // The run's abort and time limit reach the child through the task's signal.
  const run = (s: CommandSpec) => {
    const task = currentTaskSignal();
    const signals = [runtime.signal, task].filter((x): x is AbortSignal => x !== undefined);
    const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    return runCommand(s, { ...runtime, signal });
  };
  const base = describeFunction(run, {
    mainThread: true,
    name: 'command',
    version: COMMAND_VERSION,
    timeoutMs: options.timeoutMs,
    retry: options.retry,
    cache: options.cache,
  });
  const task: TaskFunction = {
    ...base,
    // The display name is not part of the identity: renaming a command re-runs nothing.
    name: options.name ?? (shell ? 'sh' : basename(program)),
    // Output files are stored beside the result and put back on a cache hit by the
    // scheduler, as for any task that declares outputs.
    outputs: outputs.length > 0 ? outputs : undefined,
    onCacheHit: runtime.replay
      ? (value) => {
          const result = value as CommandResult;
          replay(result.stdout, result.stderr);
        }
      : undefined,
  };
  return new Command(task, [spec]);
}

function checkArg(part: unknown, i: number): unknown {
  switch (typeof part) {
    case 'string':
      return part;
    case 'number':
    case 'bigint':
    case 'boolean':
      // Written as text now, so 300 and '300' give the same command and the same address.
      return String(part);
    case 'object':
      if (part instanceof Delayed || isFileValue(part) || isDirValue(part) || isOutputRef(part)) return part;
  }
  throw new InvalidArgumentError(
    `Expected argv[${i}] to be a string, number, file(), dir(), cmd.output() or a Delayed of one, got \`${String(part)}\` (${typeof part})`,
  );
}

function checkInput(input: unknown, where: string): void {
  if (input instanceof Delayed || isFileValue(input) || isDirValue(input) || isOutputRef(input)) return;
  throw new InvalidArgumentError(`Expected ${where} to be a file(), dir(), cmd.output() or a Delayed of one, got \`${String(input)}\``);
}

function isOutputRef(v: unknown): v is CommandOutput {
  return typeof v === 'object' && v !== null && (v as CommandOutput).$output instanceof Command;
}

function checkEnv(env: CommandOptions['env']): Record<string, string> {
  if (env === undefined) return {};
  if (typeof env !== 'object' || env === null) throw new InvalidArgumentError('Expected `env` to be an object of strings');
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new InvalidArgumentError(`Expected env.${key} to be a string or number, got ${typeof value}`);
    }
    out[key] = String(value);
  }
  return out;
}

function checkCommandMemoryLimit(limit: unknown): number | undefined {
  if (limit === undefined) return undefined;
  if (typeof limit !== 'number' || !Number.isFinite(limit) || limit <= 0) {
    throw new InvalidArgumentError(`Expected \`memoryLimitMb\` to be a positive number, got \`${String(limit)}\` (${typeof limit})`);
  }
  if (!memoryLimitSupported()) throw new InvalidArgumentError('A command memoryLimitMb needs Linux (/proc)');
  return limit;
}
