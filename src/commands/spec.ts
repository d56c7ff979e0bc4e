/**
 * The data a command task is addressed by. A command is one call of an
 * internal main-thread function whose only argument is a CommandSpec, so its
 * CID covers exactly these fields (a plain object, hashed like any argument):
 *
 *   argv      every argument; literals as strings, graph nodes as links,
 *             files by their content CIDs
 *   shell     whether argv[0] is a /bin/sh script
 *   program   argv[0] (or "sh") and the executable's content CID
 *   env       the declared environment variables only
 *   cwd       the working directory, relative to the process's
 *   inputs    declared input files, directories and command outputs
 *   outputs   declared output paths, relative to the process's working directory
 *   declared  the same paths as the user wrote them (keys of `outputs` in the result)
 *
 * Options that change how a command is run but not what it computes
 * (timeoutMs, signal, replay, name, retry) are not part of the address.
 */
import type { Delayed } from '../graph/delayed.js';
import type { DirValue, FileValue } from '../files/file-value.js';
import type { ProgramIdentity } from './program.js';

/** `cmd.output(path)`: one declared output of a command, for another command's argv or inputs. */
export interface CommandOutput {
  readonly $output: Delayed<CommandResult>;
  readonly path: string;
}

/** What may stand in a command's argv. Numbers and booleans are written with String(). */
export type CommandArg =
  | string
  | number
  | bigint
  | boolean
  | FileValue
  | DirValue
  | CommandOutput
  | Delayed<string | number | bigint | boolean | FileValue | DirValue | CommandResult>;

/** A declared input: its content is part of the command's address and is checked before it runs. */
export type CommandInput = FileValue | DirValue | CommandOutput | Delayed<FileValue | DirValue | CommandResult>;

export interface CommandSpec {
  readonly argv: readonly unknown[];
  readonly shell: boolean;
  readonly program: ProgramIdentity;
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly inputs: readonly unknown[];
  readonly outputs: readonly string[];
  readonly declared: readonly string[];
}

/** The value of a command task that succeeded. */
export interface CommandResult {
  readonly exitCode: 0;
  readonly stdout: string;
  readonly stderr: string;
  /**
   * Each declared output, by its path as declared. Their bytes are stored beside
   * the result, and a cache hit puts missing or changed outputs back.
   */
  readonly outputs: Readonly<Record<string, FileValue>>;
}
