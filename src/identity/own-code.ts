/**
 * memograph's own code, as a module a task's function imports sees it: a package, named
 * `memograph`, identified by its version and a digest of its files, however it is
 * imported. A task module that imports `delayed` to return graphs (by the package name,
 * or by a path into a checkout such as `../src/index.js`) depends on memograph as on any
 * package; its identity never follows memograph's internals file by file.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The directory memograph's modules load from (its `src` or `dist`), and the package directory above it. */
const CODE_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
const PACKAGE_DIR = dirname(CODE_DIR);

export const OWN_NAME = 'memograph';

export function ownPackageDir(): string {
  return PACKAGE_DIR;
}

/** Whether `absolute` is one of memograph's own modules. */
export function isOwnCode(absolute: string): boolean {
  return absolute.startsWith(CODE_DIR + sep);
}

let version: string | undefined;

/** The version in memograph's package.json. */
export function ownVersion(): string {
  version ??= String((JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8')) as { version?: unknown }).version ?? '');
  return version;
}

let digest: string | undefined;

/** sha256 over the path and bytes of every file of memograph's code: read once per process. */
export function ownCodeDigest(): string {
  if (digest === undefined) {
    const hash = createHash('sha256');
    for (const file of filesUnder(CODE_DIR)) {
      hash.update(relative(CODE_DIR, file).split(sep).join('/'));
      hash.update('\0');
      hash.update(readFileSync(file));
      hash.update('\0');
    }
    digest = `sha256-${hash.digest('base64')}`;
  }
  return digest;
}

function filesUnder(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...filesUnder(path));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}
