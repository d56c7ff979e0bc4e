/**
 * The content address of a call: the CID of the record
 *
 *   ["memograph/call", 2, <link: identity record CID>, [arg0, arg1, …]]
 *
 * in canonical DAG-CBOR (see canonical.ts, docs/hash-format.md). Graph nodes
 * among the arguments are links to their own call CIDs, so the graph is a
 * Merkle DAG and every address is known before anything runs. Each record
 * starts with its kind, so a call, a function identity and a tokenized value
 * can never hash alike.
 *
 * This runs once per node while a graph is built, on the main thread: it is
 * synchronous and writes into one reused buffer.
 */
import { UnhashableError } from '../errors.js';
import { FORMAT_VERSION, acquireEncoder, releaseEncoder, type ArgNote, type Link, type LinkOf } from './canonical.js';
import { DAG_CBOR, cidBytes } from './cid.js';
import { identityAddress, type FunctionIdentity } from './identity.js';

export { FORMAT_VERSION };
export type { ArgNote, Link };

/** The record's fixed start: array(4), "memograph/call", FORMAT_VERSION. */
const CALL_PREFIX = recordPrefix('memograph/call', 4);
/** An impure call's record also ends with a token of its own (see callAddress). */
const IMPURE_CALL_PREFIX = recordPrefix('memograph/impure-call', 5);
const VALUE_PREFIX = recordPrefix('memograph/value', 3);

/** The fixed start of a record `[tag, FORMAT_VERSION, …]` of `length` entries. */
export function recordPrefix(tag: string, length: number): Uint8Array {
  const bytes = Buffer.from(tag, 'utf8');
  return Uint8Array.from([0x80 | length, 0x60 | bytes.length, ...bytes, FORMAT_VERSION]);
}

/** Shared by every call without graph-node arguments (most leaves of a graph). */
const NO_LINKS: Link[] = Object.freeze([]) as unknown as Link[];
/** Shared by every call whose arguments hold nothing to look at again (almost all). */
const NO_NOTES: readonly ArgNote[] = Object.freeze([]);

/**
 * The CID of calling the function `identity` with `args`, and every graph node
 * found in `args` (one entry per occurrence, in the order their links appear in
 * the record; see Link for paths, which may pass through Maps and Sets).
 * `notes`: registered class instances, large binaries and file values found (see
 * ArgNote). Throws UnhashableError naming the path (`args[1].config.cb`) of a value
 * it cannot address.
 */
export function callAddress(
  identity: FunctionIdentity,
  args: readonly unknown[],
  linkOf: (value: object) => string | undefined,
  impureToken?: string,
): { cid: string; links: Link[]; notes: readonly ArgNote[] } {
  checkArgs(args);
  const links: Link[] = [];
  const found: ArgNote[] = [];
  const cid = addressCall(identityAddress(identity).bytes, args, linkOf, links, found, impureToken);
  return { cid, links: links.length === 0 ? NO_LINKS : links, notes: found.length === 0 ? NO_NOTES : found };
}

/**
 * The CID of calling, with `args`, the function whose identity record has CID
 * `identityCid`: what callAddress gave for these arguments under that identity. It
 * lets `memograph explain` prove that a cached result is this very call made with an
 * earlier version of its function.
 */
export function callAddressUnder(
  identityCid: string,
  args: readonly unknown[],
  linkOf: (value: object) => string | undefined,
): string {
  checkArgs(args);
  return addressCall(cidBytes(identityCid), args, linkOf, undefined);
}

function checkArgs(args: readonly unknown[]): void {
  if (!Array.isArray(args)) throw new UnhashableError('args', 'not an array of arguments');
}

function addressCall(
  identityCid: Uint8Array,
  args: readonly unknown[],
  linkOf: (value: object) => string | undefined,
  links: Link[] | undefined,
  notes?: ArgNote[],
  impureToken?: string,
): string {
  const encoder = acquireEncoder('args', linkOf as LinkOf, links);
  try {
    encoder.raw(impureToken === undefined ? CALL_PREFIX : IMPURE_CALL_PREFIX);
    encoder.linkBytes(identityCid);
    const n = args.length;
    encoder.head(4, n);
    for (let i = 0; i < n; i++) encoder.arg(i, args[i]);
    if (impureToken !== undefined) encoder.topValue(impureToken);
    if (notes && encoder.notes.length > 0) notes.push(...encoder.notes);
    return encoder.cid(DAG_CBOR);
  } finally {
    releaseEncoder(encoder);
  }
}

/**
 * The CID of a literal value, like dask.base.tokenize: the record
 * `["memograph/value", 2, value]`. Equal values give equal tokens whatever
 * their key or insertion order. Throws UnhashableError with a path from `value`.
 */
export function tokenize(value: unknown): string {
  const encoder = acquireEncoder('value');
  try {
    encoder.raw(VALUE_PREFIX);
    encoder.topValue(value);
    return encoder.cid(DAG_CBOR);
  } finally {
    releaseEncoder(encoder);
  }
}
