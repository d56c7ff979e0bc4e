/**
 * A function's identity: its name, its normalised source and a code manifest
 * of everything else its result can depend on (the helpers, constants, files,
 * packages and environment variables it reaches, the values it captures;
 * src/identity/), or its name plus a version string the user gives instead
 * (then neither source nor manifest is part of it). Changing any of these
 * changes every call address built on it; reformatting or re-commenting the
 * code, or consistently renaming its local variables and parameters, does not.
 *
 * Hashed as its own record,
 * `["memograph/function", 2, {code?, name, ignore?, sloppy?, source | version}]`, with
 * `code` a link to the manifest's record; call records link to it by CID, so a
 * long source is hashed once per function, not once per call.
 */
import { InvalidArgumentError, UnhashableError } from '../errors.js';
import { acquireEncoder, releaseEncoder } from './canonical.js';
import { DAG_CBOR, cidBytes } from './cid.js';
import { manifestAddress, manifestRecord, type CodeManifest } from '../identity/manifest.js';
import { analyzeFunction } from './function-source.js';

/** Version of the function identity record (identity v2: the code a function can reach). */
export const IDENTITY_FORMAT = 2;

export interface FunctionIdentity {
  readonly name: string;
  readonly source?: string;
  readonly version?: string;
  /** Sloppy-mode code: the same text means something else than in strict mode. */
  readonly sloppy?: true;
  /** What else the function's result depends on; absent when that is nothing, and with a version. */
  readonly code?: CodeManifest;
  /**
   * Arguments left out of its calls' addresses (DelayedOptions.ignore): positions, and
   * names of properties of plain-object arguments; sorted, numbers first.
   */
  readonly ignore?: readonly (string | number)[];
}

export interface IdentityOptions {
  /** Name to use instead of `fn.name`. */
  readonly name?: string;
  /** Identify the function by this string instead of its source. */
  readonly version?: string;
  /**
   * Builds the function's code manifest (src/identity/code-manifest.ts); called
   * once, when no version is given.
   */
  readonly manifest?: (fn: Function, name: string) => CodeManifest | undefined;
  /** Arguments left out of the addresses of its calls (sorted, numbers first). */
  readonly ignore?: readonly (string | number)[];
}

const identities = new WeakMap<Function, Map<string, FunctionIdentity>>();

/**
 * The identity of `fn`: `{ name, version }` when a version is given, otherwise
 * `{ name, source }` with the normalised source. Throws UnhashableError for a
 * native or bound function without a version.
 */
export function functionIdentity(fn: Function, options?: IdentityOptions): FunctionIdentity {
  if (typeof fn !== 'function') {
    throw new InvalidArgumentError(`Expected \`fn\` to be a function, got \`${String(fn)}\` (${typeof fn})`);
  }
  const { name: givenName, version, manifest, ignore } = options ?? {};
  if (givenName !== undefined && typeof givenName !== 'string') {
    throw new InvalidArgumentError(`Expected \`name\` to be a string, got \`${String(givenName)}\` (${typeof givenName})`);
  }
  if (version !== undefined && (typeof version !== 'string' || version === '')) {
    throw new InvalidArgumentError(
      `Expected \`version\` to be a non-empty string, got \`${String(version)}\` (${typeof version})`,
    );
  }
  const name = givenName ?? (fn.name || 'anonymous');
  const ignoring = ignore !== undefined && ignore.length > 0 ? { ignore: Object.freeze([...ignore]) } : {};
  const key = `${version === undefined ? name : `${name}\0${version}`}${ignoring.ignore ? `\0${JSON.stringify(ignoring.ignore)}` : ''}`;
  let perFunction = identities.get(fn);
  const known = perFunction?.get(key);
  if (version !== undefined || manifest === undefined) {
    if (known?.code === undefined && known !== undefined) return known;
  }
  if (version !== undefined) {
    return remember(fn, key, Object.freeze({ name, version, ...ignoring }), perFunction);
  }
  const analysis = analyzeFunction(fn);
  if (analysis.isNative) {
    throw new UnhashableError(
      'function',
      `native or bound function \`${name}\` has no source to identify it`,
      'Pass { version: "…" } to identify it yourself',
    );
  }
  // A manifest depends on where the function runs, which the caller knows, and on
  // values that may change; the identity is reused while the manifest is the very same.
  const code = manifest?.(fn, name);
  const withCode = code !== undefined && code.entries.length > 0 ? code : undefined;
  if (known !== undefined && known.code === withCode && known.source === analysis.normalized) return known;
  const identity: FunctionIdentity = Object.freeze({
    name,
    source: analysis.normalized,
    ...(analysis.sloppy ? { sloppy: true as const } : {}),
    ...(withCode ? { code: withCode } : {}),
    ...ignoring,
  });
  return remember(fn, key, identity, perFunction);
}

function remember(
  fn: Function,
  key: string,
  identity: FunctionIdentity,
  perFunction: Map<string, FunctionIdentity> | undefined,
): FunctionIdentity {
  if (perFunction === undefined) identities.set(fn, (perFunction = new Map()));
  perFunction.set(key, identity);
  return identity;
}

interface Address {
  readonly cid: string;
  readonly bytes: Uint8Array;
}
const addresses = new WeakMap<FunctionIdentity, Address>();

/** A short stable string for an identity (the CID of its record), e.g. a compile-cache key. */
export function identityKey(identity: FunctionIdentity): string {
  return identityAddress(identity).cid;
}

/** The CID of an identity record, as a string and as bytes to link from call records. */
export function identityAddress(identity: FunctionIdentity): Address {
  let address = addresses.get(identity);
  if (address === undefined) {
    const cid = hashIdentity(identity);
    address = { cid, bytes: cidBytes(cid) };
    addresses.set(identity, address);
  }
  return address;
}

const FUNCTION_TAG = 'memograph/function';

function hashIdentity(identity: FunctionIdentity): string {
  return writeIdentity(identity, (encoder) => encoder.cid(DAG_CBOR));
}

/**
 * The identity's record and, when it has one, its manifest's record, each with its
 * CID: stored beside results so that `memograph explain` can later say what changed.
 */
export function identityRecords(identity: FunctionIdentity): { cid: string; bytes: Uint8Array }[] {
  const records = [{ cid: identityAddress(identity).cid, bytes: writeIdentity(identity, (encoder) => encoder.bytes()) }];
  if (identity.code !== undefined) records.push(manifestRecord(identity.code));
  return records;
}

function writeIdentity<T>(identity: FunctionIdentity, finish: (encoder: ReturnType<typeof acquireEncoder>) => T): T {
  const { name, source, version, sloppy, code, ignore } = identity ?? {};
  for (const [field, value] of [['source', source], ['version', version]] as const) {
    if (value !== undefined && typeof value !== 'string') {
      throw new InvalidArgumentError(`Expected identity.${field} to be a string, got ${typeof value}`);
    }
  }
  if (typeof name !== 'string' || (source === undefined && version === undefined)) {
    throw new InvalidArgumentError('Expected a FunctionIdentity: { name: string, source?: string, version?: string }');
  }
  if (version !== undefined && (code !== undefined || sloppy !== undefined)) {
    throw new InvalidArgumentError('A FunctionIdentity with a version has neither a code manifest nor a mode: the version replaces them');
  }
  // Hashed before the encoder is taken: the manifest's record needs one of its own.
  const codeLink = code === undefined ? undefined : manifestAddress(code).bytes;
  const encoder = acquireEncoder('identity');
  try {
    encoder.head(4, 3);
    encoder.text(FUNCTION_TAG);
    encoder.head(0, IDENTITY_FORMAT);
    // A canonical map: keys code < name < ignore < sloppy < source < version (shorter first, then bytewise).
    const ignores = ignore !== undefined && ignore.length > 0;
    const fields = (codeLink ? 1 : 0) + 1 + (ignores ? 1 : 0) + (sloppy ? 1 : 0) + (source === undefined ? 0 : 1) + (version === undefined ? 0 : 1);
    encoder.head(5, fields);
    if (codeLink) {
      encoder.text('code');
      encoder.linkBytes(codeLink);
    }
    encoder.text('name');
    encoder.value(name);
    if (ignores) {
      encoder.text('ignore');
      encoder.value([...ignore]);
    }
    if (sloppy) {
      encoder.text('sloppy');
      encoder.value(true);
    }
    for (const [field, value] of [['source', source], ['version', version]] as const) {
      if (value === undefined) continue;
      encoder.text(field);
      encoder.value(value);
    }
    return finish(encoder);
  } finally {
    releaseEncoder(encoder);
  }
}
