/**
 * The keys a memograph store keeps in Redis, all under one prefix so that a Redis can
 * hold other data (BullMQ's queues, another cache) beside it, and nothing outside the
 * prefix is ever read as, or deleted with, memograph's own.
 *
 *   <prefix>store           what this prefix holds: STORE_MARK
 *   <prefix>r:<call CID>    a call record (store/record-codec.ts)
 *   <prefix>b:<CID>         stored bytes: a result, an output file, an identity record
 *   <prefix>used            sorted set: call CID → when it was last served (ms)
 *   <prefix>claim:<CID>     who computes that call now: an owner id
 *   <prefix>lease:<owner>   that owner is alive: its holder, as JSON, expiring unless renewed
 */
export const DEFAULT_PREFIX = 'memograph:';
export const STORE_MARK = 'memograph store 1';

export class RedisKeys {
  constructor(readonly prefix: string) {}

  get mark(): string {
    return `${this.prefix}store`;
  }

  record(callCid: string): string {
    return `${this.prefix}r:${callCid}`;
  }

  bytes(cid: string): string {
    return `${this.prefix}b:${cid}`;
  }

  get used(): string {
    return `${this.prefix}used`;
  }

  claim(cid: string): string {
    return `${this.prefix}claim:${cid}`;
  }

  lease(owner: string): string {
    return `${this.prefix}lease:${owner}`;
  }

  /** The patterns SCAN walks, with what a key's tail names. */
  get records(): string {
    return `${this.prefix}r:*`;
  }

  get allBytes(): string {
    return `${this.prefix}b:*`;
  }
}
