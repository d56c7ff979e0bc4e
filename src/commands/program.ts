/**
 * A command's program is part of its identity: upgrading python3 or rebuilding
 * the simulator must re-run the commands that use it. We identify a program by
 * the content of its executable — the file argv[0] resolves to (through PATH,
 * then symlinks), hashed like any input file — rather than by a `--version`
 * string, which would mean running it while the graph is built and trusting
 * every program to print one. The digest is memoised per process (see
 * file-hash.ts), so a program used by a thousand commands is hashed once.
 *
 * The resolved path itself is not hashed, so the same binary installed in
 * another place on another machine has the same identity. A script the program
 * runs (`python3 simulate.py`) is data to the program: declare it in `inputs`.
 * Pass `programVersion` to identify the program by a string you manage instead.
 */
import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import { hashFileSync } from '../files/file-hash.js';

export interface ProgramIdentity {
  /** argv[0] as written (or `sh` for a shell command). */
  readonly name: string;
  /** The executable's content CID, or the version string the user gave. */
  readonly cid?: string;
  readonly version?: string;
}

/** Find the executable that `spawn` would run for `program` from `cwd` with this PATH. */
export function resolveProgram(program: string, cwd: string, pathVariable: string | undefined): string {
  if (program.includes('/') || program.includes('\\')) {
    const abs = isAbsolute(program) ? program : resolve(cwd, program);
    if (!isExecutable(abs)) throw new InvalidArgumentError(`Program ${program} is not an executable file (looked at ${abs})`);
    return abs;
  }
  for (const dir of (pathVariable ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = resolve(cwd, join(dir, program));
    if (isExecutable(candidate)) return candidate;
  }
  throw new InvalidArgumentError(`Program \`${program}\` was not found on PATH`);
}

export function programIdentity(
  program: string,
  cwd: string,
  pathVariable: string | undefined,
  version: string | undefined,
): ProgramIdentity {
  if (version !== undefined) return { name: program, version };
  const executable = realpathSync(resolveProgram(program, cwd, pathVariable));
  return { name: program, cid: hashFileSync(executable).cid };
}

function isExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
