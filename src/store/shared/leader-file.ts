/**
 * Where followers find the leader of a cache: `.memograph-leader.json` in the cache
 * directory names the leader's pid, its command and its socket. The socket lives beside
 * it, unless the path would be too long for a unix socket (about 107 bytes), in which case
 * it goes to the temp directory under a name derived from the cache's path.
 *
 * The file is only a hint: the LevelDB lock decides who leads, and a follower that cannot
 * reach the socket it names tries the lock again.
 */
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Holder } from '../claims.js';

export const LEADER_FILE = '.memograph-leader.json';
export const LEADER_SOCKET = '.memograph-leader.sock';
const MAX_SOCKET_PATH = 100;

export interface LeaderInfo extends Holder {
  readonly socket: string;
  readonly startedAt: number;
}

export function socketPathFor(location: string): string {
  const beside = join(location, LEADER_SOCKET);
  if (Buffer.byteLength(beside) <= MAX_SOCKET_PATH) return beside;
  const digest = createHash('sha256').update(location).digest('hex').slice(0, 20);
  return join(tmpdir(), `memograph-${digest}.sock`);
}

export function writeLeaderFile(location: string, info: LeaderInfo): void {
  const path = join(location, LEADER_FILE);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(info));
  renameSync(temporary, path);
}

export function readLeaderFile(location: string): LeaderInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(join(location, LEADER_FILE), 'utf8')) as Partial<LeaderInfo>;
    if (typeof info.pid !== 'number' || typeof info.socket !== 'string' || typeof info.command !== 'string') return undefined;
    return { pid: info.pid, command: info.command, socket: info.socket, startedAt: Number(info.startedAt) || 0 };
  } catch {
    return undefined;
  }
}

/** Remove the file if it still names this process (a successor may have written its own). */
export function removeLeaderFile(location: string): void {
  if (readLeaderFile(location)?.pid !== process.pid) return;
  try {
    unlinkSync(join(location, LEADER_FILE));
  } catch {
    // Gone already.
  }
}
