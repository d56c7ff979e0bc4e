/**
 * A code manifest: everything besides a function's own source that its result
 * can depend on, as a sorted list of `[kind, module, name, hash]` entries
 * (docs/hash-format.md, "Code manifests"). It is hashed as its own record,
 *
 *   ["memograph/code", 2, [[kind, module, name, hash], …]]
 *
 * and linked from the function's identity record, so a closure of fifty files
 * is hashed once per function, not once per call.
 *
 * Only the four strings of each entry are hashed. What `memograph explain`
 * shows beside them (a line number, why a module was hashed whole) travels in
 * `details`, outside the hashed bytes, so better wording never changes an
 * address.
 */
import { acquireEncoder, releaseEncoder } from '../hash/canonical.js';
import { DAG_CBOR, cidBytes } from '../hash/cid.js';

/**
 * - `code`: a top-level declaration of a module, by its normalised tokens;
 * - `effects`: a module's top-level statements that write a sliced binding;
 * - `module`: a whole file, where analysis cannot be sure what is reached;
 * - `package`: a package by name (`module`), version (`name`) and lockfile integrity;
 * - `builtin`: a `node:` module by name;
 * - `env`: an environment variable's value (absent and empty differ);
 * - `file`: a file read at load by a literal path, or a JSON import;
 * - `captured`: a closure variable's or global's value, by `tokenize`.
 */
export type ManifestKind = 'code' | 'effects' | 'module' | 'package' | 'builtin' | 'env' | 'file' | 'captured';

export const MANIFEST_KINDS: readonly ManifestKind[] = [
  'code', 'effects', 'module', 'package', 'builtin', 'env', 'file', 'captured',
];

/** `[kind, module, name, hash]`: `module` is a project-relative path, a package name, or '' where none applies. */
export type ManifestEntry = readonly [kind: ManifestKind, module: string, name: string, hash: string];

/** Display-only facts about one entry (never hashed). */
export interface EntryDetail {
  /** 1-based line of the declaration or statement. */
  readonly line?: number;
  /** Why a `module` entry stands for a whole file ("dynamic import", "eval", …), or what an entry lacks. */
  readonly why?: string;
  /** For a `code` entry: how the binding is declared ("function", "const", "class", …). */
  readonly declaration?: string;
}

export interface CodeManifest {
  /** Sorted by kind, module, name, hash (code-unit order), without duplicates. */
  readonly entries: readonly ManifestEntry[];
  /** By {@link entryKey}. */
  readonly details: Readonly<Record<string, EntryDetail>>;
}

export const MANIFEST_FORMAT = 2;
const MANIFEST_TAG = 'memograph/code';

/** The key of an entry in `details`: kind, module and name, which an entry's hash does not change. */
export function entryKey(entry: ManifestEntry): string {
  return `${entry[0]}\u0000${entry[1]}\u0000${entry[2]}`;
}

/** Collects entries and details in any order; `build()` sorts and freezes them. */
export class ManifestBuilder {
  readonly #entries = new Map<string, ManifestEntry>();
  readonly #details: Record<string, EntryDetail> = {};

  get size(): number {
    return this.#entries.size;
  }

  add(kind: ManifestKind, module: string, name: string, hash: string, detail?: EntryDetail): this {
    const entry: ManifestEntry = [kind, module, name, hash];
    // The same key with two hashes would be a bug of the analysis; keeping both
    // can only make the identity stricter, never merge two different codes.
    this.#entries.set(`${entryKey(entry)}\u0000${hash}`, entry);
    if (detail !== undefined) this.#details[entryKey(entry)] = detail;
    return this;
  }

  addAll(manifest: CodeManifest | undefined): this {
    if (manifest === undefined) return this;
    for (const entry of manifest.entries) this.#entries.set(`${entryKey(entry)}\u0000${entry[3]}`, entry);
    Object.assign(this.#details, manifest.details);
    return this;
  }

  build(): CodeManifest {
    const entries = [...this.#entries.values()].sort(compareEntries);
    return Object.freeze({ entries: Object.freeze(entries.map((e) => Object.freeze(e))), details: Object.freeze(this.#details) });
  }
}

function compareEntries(a: ManifestEntry, b: ManifestEntry): number {
  for (let i = 0; i < 4; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

const manifestCids = new WeakMap<CodeManifest, { cid: string; bytes: Uint8Array }>();

/** The CID of a manifest's record, as a string and as link bytes. */
export function manifestAddress(manifest: CodeManifest): { cid: string; bytes: Uint8Array } {
  let address = manifestCids.get(manifest);
  if (address === undefined) {
    const cid = writeManifest(manifest, (encoder) => encoder.cid(DAG_CBOR));
    address = { cid, bytes: cidBytes(cid) };
    manifestCids.set(manifest, address);
  }
  return address;
}

/** The manifest's record bytes and CID, to store beside results. */
export function manifestRecord(manifest: CodeManifest): { cid: string; bytes: Uint8Array } {
  return { cid: manifestAddress(manifest).cid, bytes: writeManifest(manifest, (encoder) => encoder.bytes()) };
}

function writeManifest<T>(manifest: CodeManifest, finish: (encoder: ReturnType<typeof acquireEncoder>) => T): T {
  const encoder = acquireEncoder('manifest');
  try {
    encoder.head(4, 3);
    encoder.text(MANIFEST_TAG);
    encoder.head(0, MANIFEST_FORMAT);
    encoder.head(4, manifest.entries.length);
    for (const entry of manifest.entries) {
      if (!MANIFEST_KINDS.includes(entry[0])) throw new TypeError(`Unknown manifest entry kind \`${String(entry[0])}\``);
      encoder.head(4, 4);
      for (const part of entry) encoder.value(part);
    }
    return finish(encoder);
  } finally {
    releaseEncoder(encoder);
  }
}
