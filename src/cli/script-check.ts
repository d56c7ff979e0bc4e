/**
 * Before a command loads or runs a user's script: is there a file, and does it
 * parse? Answered here, in one line, rather than by a stack trace from the
 * loader (or from a child process, where the answer would come too late to
 * tell a usage problem from a failed script).
 *
 * Only the script's own file is parsed (with esbuild, which tsx uses to load
 * it, so both agree on what parses); a syntax error in a module it imports is
 * reported by the loader when the script runs.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { transformSync, type Loader, type Message } from 'esbuild';
import { ScriptError } from '../errors.js';

const loaders: Record<string, Loader> = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx', '.jsx': 'jsx' };

/** The script's absolute path; throws a ScriptError if it is missing or does not parse. */
export function checkScript(script: string): string {
  const path = resolve(script);
  if (!existsSync(path) || !statSync(path).isFile()) throw new ScriptError(path, `No script at ${path}`);
  try {
    transformSync(readFileSync(path, 'utf8'), { loader: loaders[extname(path)] ?? 'js', sourcefile: path, target: 'esnext', logLevel: 'silent' });
  } catch (error) {
    const [first] = (error as { errors?: Message[] }).errors ?? [];
    if (!first) throw error;
    const where = first.location ? `${path}:${first.location.line}:${first.location.column + 1}` : path;
    throw new ScriptError(path, `Syntax error in ${where}: ${first.text}`, { cause: error });
  }
  return path;
}
