/**
 * Files and directories as values. `file(path)` and `dir(path)` return plain
 * data — a brand key, the path, and the content's CID — rather than class
 * instances, because a value must survive being structured-cloned to a worker
 * thread and msgpackr-encoded into the store, and both lose class identity.
 *
 * Hashing needs nothing new: a file value is an ordinary plain object to the
 * canonical encoder, and it holds the CID of the file's bytes, so a call that
 * takes a file is addressed by that file's content (and its path, which the
 * task can see). The brand key starts with `$`, which the encoder escapes
 * (`"$file"` is hashed as the key `"$$file"`), so it can never read as one of
 * the format's type tags: the hash format (docs/hash-format.md) is unchanged.
 *
 * Paths are kept as the caller wrote them, normalised: a relative path stays
 * relative (to the process's working directory), so the same project checked
 * out elsewhere has the same addresses.
 */
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, normalize, relative, resolve } from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import { tokenize } from '../hash/call-address.js';
import { hashFileSync } from './file-hash.js';

/** Brand of a file value; bumped if the shape of file values ever changes. */
export const FILE_BRAND = 'memograph/file/1';
export const DIR_BRAND = 'memograph/dir/1';

/** A file, addressed by its bytes. Plain data: it crosses to workers and into the store unchanged. */
export interface FileValue {
  readonly $file: typeof FILE_BRAND;
  /** As given (normalised); a relative path is relative to the process's working directory. */
  readonly path: string;
  /** CIDv1 (RAW codec, sha256) of the file's bytes. */
  readonly cid: string;
  /** Length in bytes. */
  readonly size: number;
}

/** A directory, addressed by its tree: every entry's name and content, sorted by name. */
export interface DirValue {
  readonly $dir: typeof DIR_BRAND;
  readonly path: string;
  /** CID of the tree record (see hashTree below). */
  readonly cid: string;
  /** Number of files in the tree, at any depth. */
  readonly files: number;
  /** Total bytes of those files. */
  readonly size: number;
}

/**
 * A file as a value: hashed by its bytes now (streamed), so editing the file
 * changes the address of every call that takes it, and touching it without a
 * change does not. Call it when building the graph; the bytes are read again
 * each time it is called (re-stat'ed, with a digest memo for unchanged files).
 *
 * @example const data = file('data/raw.csv'); analyse(data)
 */
export function file(path: string): FileValue {
  const shown = normalisePath(path, 'file');
  const { cid, size } = withPath('file', path, () => hashFileSync(resolve(shown)));
  return { $file: FILE_BRAND, path: shown, cid, size };
}

/**
 * A directory as a value, hashed by its tree: the sorted names of its entries
 * and each file's bytes, recursively. Symlinks are followed; a cycle of them is
 * an error.
 */
export function dir(path: string): DirValue {
  const shown = normalisePath(path, 'dir');
  const { cid, files, size } = withPath('dir', path, () => hashTree(resolve(shown), new Set()));
  return { $dir: DIR_BRAND, path: shown, cid, files, size };
}

export function isFileValue(value: unknown): value is FileValue {
  return typeof value === 'object' && value !== null && (value as { $file?: unknown }).$file === FILE_BRAND;
}

export function isDirValue(value: unknown): value is DirValue {
  return typeof value === 'object' && value !== null && (value as { $dir?: unknown }).$dir === DIR_BRAND;
}

/**
 * Why a file or directory value no longer describes what is on disk (its bytes or
 * tree changed, or it is gone), or `undefined` when it still does. Anything else is
 * not a file value and is `undefined`.
 */
export function changedOnDisk(value: unknown): string | undefined {
  const isFile = isFileValue(value);
  if (!isFile && !isDirValue(value)) return undefined;
  const { path, cid } = value as FileValue | DirValue;
  let now: string;
  try {
    now = isFile ? hashFileSync(resolve(path)).cid : hashTree(resolve(path), new Set()).cid;
  } catch (error) {
    return `${isFile ? 'file' : 'directory'} ${path} cannot be read any more (${(error as Error).message})`;
  }
  return now === cid ? undefined : `${isFile ? 'file' : 'directory'} ${path} changed after the graph was built (it was ${cid}, it is ${now})`;
}

/** Build a file value from a CID already known (a command's output, just hashed). */
export function fileValue(path: string, cid: string, size: number): FileValue {
  return { $file: FILE_BRAND, path, cid, size };
}

export function normalisePath(path: string, what: string): string {
  if (typeof path !== 'string' || path === '') {
    throw new InvalidArgumentError(`Expected the path of \`${what}()\` to be a non-empty string, got \`${String(path)}\` (${typeof path})`);
  }
  if (isAbsolute(path)) return normalize(path);
  const rel = relative(process.cwd(), resolve(path));
  return rel === '' ? '.' : rel;
}

function withPath<T>(what: string, path: string, body: () => T): T {
  try {
    return body();
  } catch (error) {
    const code = (error as { code?: string }).code;
    const wrapped = new Error(`${what}(${JSON.stringify(path)}): ${(error as Error).message}`, { cause: error });
    if (code) (wrapped as { code?: string }).code = code;
    throw wrapped;
  }
}

/** UTF-8 byte order, so every machine sorts names alike whatever its locale. */
function byName(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * The tree record is the tokenized value
 *   ["memograph/dir", 1, [[name, "file", fileCid] | [name, "dir", treeCid], …]]
 * with entries sorted by name; sizes are not hashed (a file's CID fixes its size).
 */
function hashTree(abs: string, open: Set<string>): { cid: string; files: number; size: number } {
  const real = realpathSync(abs);
  if (open.has(real)) throw new Error(`symlink cycle back to ${real}`);
  open.add(real);
  try {
    const names = readdirSync(abs).sort(byName);
    const entries: [string, 'file' | 'dir', string][] = [];
    let files = 0;
    let size = 0;
    for (const name of names) {
      const child = join(abs, name);
      const stats = statSync(child);
      if (stats.isDirectory()) {
        const sub = hashTree(child, open);
        entries.push([name, 'dir', sub.cid]);
        files += sub.files;
        size += sub.size;
      } else if (stats.isFile()) {
        const f = hashFileSync(child);
        entries.push([name, 'file', f.cid]);
        files++;
        size += f.size;
      } else {
        throw new Error(`${child} is neither a file nor a directory`);
      }
    }
    return { cid: tokenize(['memograph/dir', 1, entries]), files, size };
  } finally {
    open.delete(real);
  }
}
