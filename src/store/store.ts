/**
 * A store keeps two keyspaces:
 *   call CID   → ResultRecord   (what was computed, where its bytes are, how long it took)
 *   result CID → bytes          (the msgpackr-encoded value; identical results stored once)
 * A record and its bytes are always written in one atomic batch, so a crash
 * never leaves a record pointing at missing bytes.
 *
 * Every implementation passes the compliance suite in test/store/compliance.ts.
 */

import type { ClaimBoard } from './claims.js';
import type { WorkBelow } from './work-below.js';

export const VALUE_ENCODING = 'msgpackr/2';
/**
 * The record of a task that returned a graph: its bytes are the graph's description
 * (graph/graph-description.ts, itself encoded as msgpackr/2), and the call's value is the
 * value of that graph, which a run rebuilds and computes. A reader that knows only
 * VALUE_ENCODING sees a miss, never a wrong value.
 */
export const GRAPH_ENCODING = 'memograph/graph 2';

export type RecordEncoding = typeof VALUE_ENCODING | typeof GRAPH_ENCODING;

export interface ResultRecord {
  /** CIDv1 (raw codec, sha256) of the stored bytes. */
  readonly resultCid: string;
  /** How the bytes encode the value (or, for GRAPH_ENCODING, the graph whose value it is). */
  readonly encoding: RecordEncoding;
  /** Length of the stored bytes. */
  readonly size: number;
  /** Wall time the task took to compute, in milliseconds. */
  readonly durationMs: number;
  /** The task's display name. */
  readonly fn: string;
  /** When the result was stored (ms since the epoch). */
  readonly createdAt: number;
  /**
   * Files the task wrote and declared (`outputs`): path → CID (raw, sha256) of the
   * bytes, which are stored beside the result and put back on a cache hit.
   */
  readonly outputs?: Readonly<Record<string, string>>;
  /**
   * What the result was computed from, so that `memograph explain` can tell why a later
   * call misses. Absent in records written before it was stored (record format 1).
   */
  readonly lineage?: Lineage;
  /**
   * Stored under a call's value key (hash/value-address.ts) beside the record under its
   * call CID: another way to find that result, not an entry of its own. Commands that
   * count or list entries skip it; gc evicts it with the entries that share its bytes.
   */
  readonly byValue?: true;
  /**
   * The compute below the result (store/work-below.ts), so that serving it can say what it
   * spared. Absent: nothing below. Records written before it was kept read as UNKNOWN_BELOW.
   */
  readonly below?: WorkBelow;
}

/** A call's function and arguments, kept with its result in a form that costs little. */
export interface Lineage {
  /** CID of the function's identity record (name + normalised source, or name + version). */
  readonly identity: string;
  /**
   * One fingerprint per argument (src/hash/argument-fingerprints.ts): DAG-CBOR bytes,
   * the argument's canonical encoding when at most 256 bytes, else `{"$sha256": digest}`
   * of it. Equal fingerprints mean equal arguments.
   */
  readonly args: readonly Uint8Array[];
}

/** Bytes stored beside a result under their own CID (a task's output files). */
export interface Attachment {
  readonly cid: string;
  readonly bytes: Uint8Array;
}

export interface Store {
  /** Where the store lives: a directory, or `memory:` for in-memory stores. */
  readonly location: string;
  /**
   * Claims across processes (claims.ts), for stores other processes use at the same time;
   * absent where this process is the only user.
   */
  readonly claims?: ClaimBoard;
  /**
   * Look up a call record without waiting. Stores that can answer synchronously
   * (LevelDB, memory) implement it so the scheduler explores a graph without an
   * async step per node.
   */
  getRecordSync?(callCid: string): ResultRecord | undefined;
  /** Look up many call records at once; `undefined` where absent or unreadable. */
  getRecords(callCids: readonly string[]): Promise<(ResultRecord | undefined)[]>;
  /**
   * The bytes of a result, verified against `resultCid`. `undefined` when they are
   * missing or do not hash to `resultCid` (corrupt bytes are never returned).
   */
  getBytes(resultCid: string): Promise<Uint8Array | undefined>;
  /**
   * Record a result, with the bytes of the files it lists in `outputs`, in one
   * atomic write. May be buffered; a later `getRecordSync`/`getRecords`/`getBytes`
   * in this process sees it at once, and `flush()` makes it durable.
   */
  putResult(callCid: string, record: ResultRecord, bytes: Uint8Array, attachments?: readonly Attachment[]): void;
  /**
   * Note that a call's result was just served from the cache, so that eviction can
   * go least recently used first. Stores without eviction need not implement it.
   */
  markUsed?(callCid: string, at?: number): void;
  /** Forget a call record (its bytes may be shared, so they stay). */
  deleteRecord(callCid: string): Promise<void>;
  /** Make every buffered write durable. */
  flush(): Promise<void>;
  /** Flush and release the store (for LevelDB, its directory lock). */
  close(): Promise<void>;
}
