/**
 * Which directory is the cache. An empty or blank path must never mean "here":
 * `resolve('')` is the working directory, and a cache command run there would treat
 * the project as the cache. So a blank option or MEMOGRAPH_CACHE_DIR is an error that
 * names where it came from, never a silent fallback to the default either (the user
 * meant some directory, and guessing which one is how data gets lost).
 */
import { resolve } from 'node:path';
import { InvalidArgumentError } from '../errors.js';

export const CACHE_DIR_VARIABLE = 'MEMOGRAPH_CACHE_DIR';
export const DEFAULT_CACHE_DIR = '.memograph';

/**
 * The cache directory to use: the option, else MEMOGRAPH_CACHE_DIR, else `./.memograph`;
 * always absolute. `optionName` is how the caller's users spell the option (for the error).
 */
export function resolveCacheDir(option?: string, optionName = '`cacheDir`'): string {
  if (option !== undefined) {
    if (option.trim() === '') throw blank(optionName, option);
    return resolve(option);
  }
  return resolve(cacheDirFromEnvironment() ?? DEFAULT_CACHE_DIR);
}

/** MEMOGRAPH_CACHE_DIR when set; throws when it is set but blank. */
export function cacheDirFromEnvironment(): string | undefined {
  const value = process.env[CACHE_DIR_VARIABLE];
  if (value === undefined) return undefined;
  if (value.trim() === '') throw blank(`the environment variable ${CACHE_DIR_VARIABLE}`, value);
  return value;
}

function blank(name: string, value: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `Expected ${name} to be a directory, got ${JSON.stringify(value)}. An empty path would make the working ` +
      `directory the cache; unset it to use ./${DEFAULT_CACHE_DIR}, or give a directory.`,
  );
}
