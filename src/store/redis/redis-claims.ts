/**
 * The futures table of every process that uses one Redis store, on whatever machine.
 * Records and claims live in the same Redis, so one script answers, for a whole frontier
 * of CIDs and without a race, "stored, or now mine, or someone else's" (claims.ts).
 *
 * A claim names its owner; an owner is alive while its lease key exists. Each board keeps
 * one lease, renewed every LEASE_RENEW_MS, so a hundred thousand claims cost one renewal,
 * and a claim whose owner stopped renewing (killed, frozen, cut off) is anybody's after
 * LEASE_MS. Waiters poll what they wait for, all of it in one round trip.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { decodeRecord } from '../record-codec.js';
import { thisProcess, type ClaimAnswer, type ClaimBoard, type Holder } from '../claims.js';
import type { RedisKeys } from './redis-keys.js';

export const LEASE_MS = 10_000;
const LEASE_RENEW_MS = 2_000;
const WAIT_POLL_MS = 100;

// ARGV: prefix, owner, mode ('look': a stored record answers; 'take': claim regardless), CIDs…
// Keys are built in the script: a standalone Redis allows it, and the store never uses Redis Cluster.
const CLAIM_SCRIPT = `
local prefix, owner, take = ARGV[1], ARGV[2], ARGV[3] == 'take'
local out = {}
for i = 4, #ARGV do
  local cid = ARGV[i]
  local record = (not take) and redis.call('GET', prefix .. 'r:' .. cid)
  if record then
    out[#out + 1] = {'stored', record}
  else
    local holder = redis.call('GET', prefix .. 'claim:' .. cid)
    local lease = holder and holder ~= owner and redis.call('GET', prefix .. 'lease:' .. holder)
    if lease then
      out[#out + 1] = {'held', holder, lease}
    else
      redis.call('SET', prefix .. 'claim:' .. cid, owner)
      out[#out + 1] = {'mine'}
    end
  end
end
return out`;

// ARGV: prefix, owner, CIDs…: drop the claims this owner still holds.
const RELEASE_SCRIPT = `
local prefix, owner = ARGV[1], ARGV[2]
for i = 3, #ARGV do
  local key = prefix .. 'claim:' .. ARGV[i]
  if redis.call('GET', key) == owner then redis.call('DEL', key) end
end
return 0`;

// ARGV: prefix, then (CID, owner) pairs: 1 where that claim is still that owner's and its lease lives.
const STILL_HELD_SCRIPT = `
local prefix = ARGV[1]
local out = {}
for i = 2, #ARGV, 2 do
  local held = redis.call('GET', prefix .. 'claim:' .. ARGV[i]) == ARGV[i + 1] and redis.call('EXISTS', prefix .. 'lease:' .. ARGV[i + 1]) == 1
  out[#out + 1] = held and 1 or 0
end
return out`;

interface Waiter {
  readonly cid: string;
  readonly owner: string;
  readonly resolve: () => void;
}

export class RedisClaimBoard implements ClaimBoard {
  readonly owner = randomUUID();
  readonly #redis: Redis;
  readonly #keys: RedisKeys;
  /** Writes that must land before claims on them are released (the store's flush). */
  readonly #beforeRelease: () => Promise<void>;
  readonly #holder: string;
  #renewal: NodeJS.Timeout | undefined;
  #leased: Promise<unknown> | undefined;
  #waiters: Waiter[] = [];
  #poll: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(redis: Redis, keys: RedisKeys, beforeRelease: () => Promise<void>) {
    this.#redis = redis;
    this.#keys = keys;
    this.#beforeRelease = beforeRelease;
    const me = thisProcess();
    this.#holder = JSON.stringify({ pid: me.pid, command: me.command, host: hostname() });
  }

  async claim(callCids: readonly string[]): Promise<ClaimAnswer[]> {
    if (callCids.length === 0) return [];
    await this.#lease();
    const replies = (await this.#run(CLAIM_SCRIPT, ['look', ...callCids])) as [Buffer, Buffer?, Buffer?][];
    const answers = replies.map((reply, i) => this.#answer(callCids[i]!, reply));
    // A record that does not read (damaged, or written for another call) is no answer: compute it.
    const unreadable = answers.flatMap((answer, i) => (answer === undefined ? [i] : []));
    if (unreadable.length > 0) {
      const taken = (await this.#run(CLAIM_SCRIPT, ['take', ...unreadable.map((i) => callCids[i]!)])) as [Buffer, Buffer?, Buffer?][];
      unreadable.forEach((at, j) => (answers[at] = this.#answer(callCids[at]!, taken[j]!) ?? { kind: 'mine' }));
    }
    return answers as ClaimAnswer[];
  }

  release(callCids: readonly string[]): void {
    if (callCids.length === 0 || this.#closed) return;
    // A claim let go before its result is in Redis would let another process compute it again.
    void this.#beforeRelease()
      .then(() => this.#run(RELEASE_SCRIPT, callCids))
      .catch(() => undefined); // a lost Redis: the lease lapses and the claims with it
  }

  /** Stop renewing the lease and drop it: whatever this board still claims is anybody's. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#renewal);
    clearInterval(this.#poll);
    for (const waiter of this.#waiters.splice(0)) waiter.resolve();
    if (this.#leased) await this.#redis.del(this.#keys.lease(this.owner)).catch(() => undefined);
  }

  #answer(cid: string, reply: [Buffer, Buffer?, Buffer?]): ClaimAnswer | undefined {
    const kind = reply[0].toString();
    if (kind === 'mine') return { kind: 'mine' };
    if (kind === 'stored') {
      const record = decodeRecord(cid, reply[1]!);
      return record && { kind: 'stored', record };
    }
    const owner = reply[1]!.toString();
    return { kind: 'held', holder: parseHolder(reply[2]!.toString()), settled: this.#waitFor(cid, owner) };
  }

  #lease(): Promise<unknown> {
    if (this.#leased) return this.#leased;
    const renew = () => this.#redis.set(this.#keys.lease(this.owner), this.#holder, 'PX', LEASE_MS);
    const leased = renew();
    this.#leased = leased;
    this.#renewal = setInterval(() => void renew().catch(() => undefined), LEASE_RENEW_MS).unref();
    return leased;
  }

  #waitFor(cid: string, owner: string): Promise<void> {
    return new Promise((resolve) => {
      this.#waiters.push({ cid, owner, resolve });
      this.#poll ??= setInterval(() => void this.#checkWaiters(), WAIT_POLL_MS);
    });
  }

  async #checkWaiters(): Promise<void> {
    const waiters = this.#waiters;
    if (waiters.length === 0) return;
    let held: number[];
    try {
      held = (await this.#run(STILL_HELD_SCRIPT, [], waiters.flatMap((w) => [w.cid, w.owner]), true)) as number[];
    } catch {
      held = waiters.map(() => 0); // Redis is gone: let the waiters look, and fail there with the reason
    }
    const left: Waiter[] = [];
    waiters.forEach((waiter, i) => (held[i] === 1 ? left.push(waiter) : waiter.resolve()));
    this.#waiters = [...left, ...this.#waiters.slice(waiters.length)];
    if (this.#waiters.length === 0) {
      clearInterval(this.#poll);
      this.#poll = undefined;
    }
  }

  #run(script: string, args: readonly string[], pairs: readonly string[] = [], noOwner = false): Promise<unknown> {
    const argv = noOwner ? [this.#keys.prefix, ...pairs] : [this.#keys.prefix, this.owner, ...args];
    return this.#redis.callBuffer('EVAL', script, 0, ...argv);
  }
}

function parseHolder(text: string): Holder {
  try {
    const { pid, command, host } = JSON.parse(text) as { pid: number; command: string; host?: string };
    return { pid, command: host && host !== hostname() ? `${command} on ${host}` : command };
  } catch {
    return { pid: 0, command: 'an unknown process' };
  }
}
