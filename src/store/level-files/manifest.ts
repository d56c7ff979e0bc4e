/**
 * A LevelDB manifest's edits (db/version_edit.cc), replayed into what LevelDB would
 * recover from it: the table files of the current version, and which logs it still
 * needs. Only the fields LevelDB requires are demanded.
 */
import { ByteReader, FormatError } from './varint.js';

export interface ManifestState {
  comparator?: string;
  logNumber?: number;
  prevLogNumber?: number;
  nextFile?: number;
  lastSequence?: number;
  /** The live tables: file number → size the manifest recorded. */
  readonly tables: Map<number, number>;
}

const COMPARATOR = 1;
const LOG_NUMBER = 2;
const NEXT_FILE = 3;
const LAST_SEQUENCE = 4;
const COMPACT_POINTER = 5;
const DELETED_FILE = 6;
const NEW_FILE = 7;
const PREV_LOG_NUMBER = 9;

/** Replay `records` (the manifest's logical records); throws FormatError when an edit does not parse. */
export function replayManifest(records: readonly Uint8Array[]): ManifestState {
  const state: ManifestState = { tables: new Map() };
  for (const record of records) {
    const reader = new ByteReader(record);
    while (!reader.done) {
      const tag = reader.varint();
      switch (tag) {
        case COMPARATOR:
          state.comparator = new TextDecoder().decode(reader.prefixed());
          break;
        case LOG_NUMBER:
          state.logNumber = reader.varint();
          break;
        case PREV_LOG_NUMBER:
          state.prevLogNumber = reader.varint();
          break;
        case NEXT_FILE:
          state.nextFile = reader.varint();
          break;
        case LAST_SEQUENCE:
          state.lastSequence = reader.varint();
          break;
        case COMPACT_POINTER:
          reader.varint();
          reader.prefixed();
          break;
        case DELETED_FILE:
          reader.varint();
          state.tables.delete(reader.varint());
          break;
        case NEW_FILE: {
          reader.varint();
          const number = reader.varint();
          const size = reader.varint();
          reader.prefixed();
          reader.prefixed();
          state.tables.set(number, size);
          break;
        }
        default:
          throw new FormatError(`an edit has unknown tag ${tag}`);
      }
    }
  }
  return state;
}

/** What LevelDB's recovery would refuse in a replayed manifest, or undefined. */
export function manifestProblem(state: ManifestState): string | undefined {
  if (state.comparator !== undefined && state.comparator !== 'leveldb.BytewiseComparator') {
    return `it names comparator ${JSON.stringify(state.comparator)}, not LevelDB's bytewise one`;
  }
  if (state.nextFile === undefined) return 'it has no next-file number';
  if (state.logNumber === undefined) return 'it has no log number';
  if (state.lastSequence === undefined) return 'it has no last sequence number';
  return undefined;
}
