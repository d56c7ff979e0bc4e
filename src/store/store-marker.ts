/**
 * The file that says "this directory is a memograph store". Commands that delete
 * (`cache clear`, `cache gc`) only act on a directory that carries it, so a mistyped or
 * empty cache path can never point them at a project directory or someone else's data.
 *
 * It is written by LevelStore.open once the directory has proved to be a memograph
 * LevelDB store (its `m/layout` key is memograph's): on creation, and on the first open
 * of a store created before the marker existed. It is a dotfile so that the creation
 * check (level-directory.ts), which only allows dotfiles beside a new store, accepts it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MemographError } from '../errors.js';

export const MARKER_FILE = '.memograph-store';
const FORMAT_LINE = 'memograph-store 1';
const CONTENT =
  `${FORMAT_LINE}\n` +
  'This directory is a memograph cache. `memograph cache clear` deletes only the files memograph wrote here.\n';

export function markerPath(directory: string): string {
  return join(directory, MARKER_FILE);
}

/** Whether `directory` carries a marker of a format this version knows. */
export function hasStoreMarker(directory: string): boolean {
  try {
    return readFileSync(markerPath(directory), 'utf8').split('\n', 1)[0] === FORMAT_LINE;
  } catch {
    return false;
  }
}

/** Mark `directory` (already a memograph store) as one; a no-op when it is marked. */
export function writeStoreMarker(directory: string): void {
  if (hasStoreMarker(directory)) return;
  try {
    writeFileSync(markerPath(directory), CONTENT);
  } catch (error) {
    throw new MemographError('MEMOGRAPH_STORE_FAILED', `Cannot mark ${directory} as a memograph store: ${String(error)}`, {
      cause: error,
    });
  }
}
