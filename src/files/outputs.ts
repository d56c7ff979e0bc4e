/**
 * Declared output files of a task: captured into its result after it succeeds,
 * put back on a cache hit (as Bazel and Turborepo restore outputs).
 *
 * The bytes travel inside the result value itself (msgpackr stores Uint8Arrays
 * as they are), so they sit in the content-addressed store under the result's
 * CID, and the store's own check of a result's bytes covers them. Restoring
 * checks again, per file, that the bytes hash to the CID recorded next to
 * them: a mismatch throws, which the scheduler treats as a cache miss and the
 * task runs again. A wrong file is never written.
 */
import { mkdirSync, renameSync, rmSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve, basename, join } from 'node:path';
import { bytesCid, hashFileSync } from './file-hash.js';
import { fileValue, type FileValue } from './file-value.js';

/** A task's output files, and the bytes each held when the task finished. */
export interface CapturedOutputs {
  readonly files: readonly FileValue[];
  readonly contents: readonly Uint8Array[];
}

/** Read each declared output (paths relative to the process's working directory). */
export function captureOutputs(paths: readonly string[]): CapturedOutputs {
  const files: FileValue[] = [];
  const contents: Uint8Array[] = [];
  for (const path of paths) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(resolve(path));
    } catch (error) {
      const code = (error as { code?: string }).code;
      throw new Error(
        code === 'ENOENT' ? `declared output ${path} was not written` : `cannot read declared output ${path}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    // A plain Uint8Array view, not a Buffer: the stored value then decodes the same everywhere.
    const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    files.push(fileValue(path, bytesCid(view), view.byteLength));
    contents.push(view);
  }
  return { files, contents };
}

/**
 * Put the outputs back where they belong. A file whose bytes already match is left
 * alone (its mtime too, so tools that watch it see no change). Throws, writing
 * nothing, when any stored content does not match its CID.
 */
export function restoreOutputs(outputs: CapturedOutputs): number {
  const { files, contents } = outputs;
  if (!Array.isArray(files) || !Array.isArray(contents) || files.length !== contents.length) {
    throw new Error('stored outputs are malformed');
  }
  files.forEach((f, i) => {
    const bytes = contents[i]!;
    if (!(bytes instanceof Uint8Array) || bytes.byteLength !== f.size || bytesCid(bytes) !== f.cid) {
      throw new Error(`stored bytes of output ${f.path} do not match their CID ${f.cid}`);
    }
  });
  let written = 0;
  files.forEach((f, i) => {
    const abs = resolve(f.path);
    if (matches(abs, f)) return;
    mkdirSync(dirname(abs), { recursive: true });
    // Write beside the target, then rename: a reader never sees half a file.
    const temporary = join(dirname(abs), `.${basename(abs)}.memograph-${process.pid}-${Date.now()}`);
    try {
      writeFileSync(temporary, contents[i]!);
      renameSync(temporary, abs);
    } catch (error) {
      rmSync(temporary, { force: true });
      throw error;
    }
    written++;
  });
  return written;
}

function matches(abs: string, f: FileValue): boolean {
  try {
    if (statSync(abs).size !== f.size) return false;
    return hashFileSync(abs).cid === f.cid;
  } catch {
    return false;
  }
}
