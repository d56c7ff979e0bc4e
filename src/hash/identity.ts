/**
 * A function's identity: its name plus its normalised source, or its name plus
 * a version string the user gives instead (then the source is not part of it).
 * Changing the code, the name or the version changes every call address built
 * on it; reformatting or re-commenting the code, or consistently renaming
 * its local variables and parameters, does not.
 *
 * Hashed as its own record, `["memograph/function", 1, {name, source | version}]`;
 * call records link to it by CID, so a long source is hashed once per function,
 * not once per call.
 */
import { InvalidArgumentError, UnhashableError } from '../errors.js';
import { FORMAT_VERSION, acquireEncoder, releaseEncoder } from './canonical.js';
import { DAG_CBOR, cidBytes } from './cid.js';
import { analyzeFunction } from './function-source.js';

export interface FunctionIdentity {
  readonly name: string;
  readonly source?: string;
  readonly version?: string;
}

export interface IdentityOptions {
  /** Name to use instead of `fn.name`. */
  readonly name?: string;
  /** Identify the function by this string instead of its source. */
  readonly version?: string;
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
  const { name: givenName, version } = options ?? {};
  if (givenName !== undefined && typeof givenName !== 'string') {
    throw new InvalidArgumentError(`Expected \`name\` to be a string, got \`${String(givenName)}\` (${typeof givenName})`);
  }
  if (version !== undefined && (typeof version !== 'string' || version === '')) {
    throw new InvalidArgumentError(
      `Expected \`version\` to be a non-empty string, got \`${String(version)}\` (${typeof version})`,
    );
  }
  const name = givenName ?? (fn.name || 'anonymous');
  const key = version === undefined ? name : `${name}\0${version}`;
  let perFunction = identities.get(fn);
  let identity = perFunction?.get(key);
  if (identity !== undefined) return identity;

  if (version !== undefined) {
    identity = Object.freeze({ name, version });
  } else {
    const analysis = analyzeFunction(fn);
    if (analysis.isNative) {
      throw new UnhashableError(
        'function',
        `native or bound function \`${name}\` has no source to identify it`,
        'Pass { version: "…" } to identify it yourself',
      );
    }
    identity = Object.freeze({ name, source: analysis.normalized });
  }
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
  const { name, source, version } = identity ?? {};
  for (const [field, value] of [['source', source], ['version', version]] as const) {
    if (value !== undefined && typeof value !== 'string') {
      throw new InvalidArgumentError(`Expected identity.${field} to be a string, got ${typeof value}`);
    }
  }
  if (typeof name !== 'string' || (source === undefined && version === undefined)) {
    throw new InvalidArgumentError('Expected a FunctionIdentity: { name: string, source?: string, version?: string }');
  }
  const encoder = acquireEncoder('identity');
  try {
    encoder.head(4, 3);
    encoder.text(FUNCTION_TAG);
    encoder.head(0, FORMAT_VERSION);
    // A canonical map: keys name < source < version (shorter first).
    encoder.head(5, 1 + (source === undefined ? 0 : 1) + (version === undefined ? 0 : 1));
    for (const [field, value] of [['name', name], ['source', source], ['version', version]] as const) {
      if (value === undefined) continue;
      encoder.text(field);
      encoder.value(value);
    }
    return encoder.cid(DAG_CBOR);
  } finally {
    releaseEncoder(encoder);
  }
}
