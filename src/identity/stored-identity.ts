/**
 * Identity and manifest records read back from a store, for `memograph explain`
 * to say what changed between the identity a result was computed under and the
 * one a call has now. The store returns bytes only when they hash to the CID
 * asked for, so a record read here is the very record that was hashed; anything
 * that does not decode as one is treated as absent.
 */
import * as dagCbor from '@ipld/dag-cbor';
import { CID } from 'multiformats/cid';
import { MANIFEST_KINDS, type ManifestEntry } from './manifest.js';

export interface StoredIdentity {
  readonly name: string;
  readonly source?: string;
  readonly version?: string;
  readonly sloppy?: boolean;
  /** CID of the manifest's record. */
  readonly code?: string;
}

export function decodeIdentityRecord(bytes: Uint8Array): StoredIdentity | undefined {
  const record = decode(bytes);
  if (!Array.isArray(record) || record.length !== 3 || record[0] !== 'memograph/function') return undefined;
  const fields = record[2] as Record<string, unknown> | null;
  if (typeof fields !== 'object' || fields === null || typeof fields.name !== 'string') return undefined;
  const code = CID.asCID(fields.code);
  return {
    name: fields.name,
    ...(typeof fields.source === 'string' && { source: fields.source }),
    ...(typeof fields.version === 'string' && { version: fields.version }),
    ...(fields.sloppy === true && { sloppy: true }),
    ...(code !== null && { code: code.toString() }),
  };
}

export function decodeManifestRecord(bytes: Uint8Array): ManifestEntry[] | undefined {
  const record = decode(bytes);
  if (!Array.isArray(record) || record.length !== 3 || record[0] !== 'memograph/code' || !Array.isArray(record[2])) return undefined;
  const entries = record[2] as unknown[];
  const valid = entries.every(
    (entry) =>
      Array.isArray(entry) &&
      entry.length === 4 &&
      entry.every((part) => typeof part === 'string') &&
      MANIFEST_KINDS.includes(entry[0] as ManifestEntry[0]),
  );
  return valid ? (entries as ManifestEntry[]) : undefined;
}

function decode(bytes: Uint8Array): unknown {
  try {
    return dagCbor.decode(bytes);
  } catch {
    return undefined;
  }
}
