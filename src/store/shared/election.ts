/**
 * Who serves a cache directory. The first process to take the LevelDB lock leads; every
 * other process follows it over its socket. A process that finds the lock taken but no
 * leader answering (one is starting, or stepping down, or the lock is held by something
 * that does not serve) tries both again, briefly, until one works; after a couple of
 * seconds it says whom it is waiting for, and after `timeoutMs` it gives up.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreLockedError } from '../../errors.js';
import { describeHolder, type Holder } from '../claims.js';
import { Leader } from './leader.js';
import { readLeaderFile } from './leader-file.js';
import { StoreClient } from './store-client.js';

const NOTICE_AFTER_MS = 2000;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `successor`: this process lost its leader (see Leader.start). */
export async function elect(location: string, me: Holder, timeoutMs: number, successor = false): Promise<Leader | StoreClient> {
  const started = Date.now();
  let noticed = false;
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    // A leader that is alive is asked first: opening would check the files under its feet.
    const named = readLeaderFile(location);
    if (named && isAlive(named.pid)) {
      try {
        return await StoreClient.connect(named.socket, location, named, me);
      } catch {
        // Starting or stepping down: the lock decides below.
      }
    }
    try {
      return await Leader.start(location, me, successor);
    } catch (error) {
      if (!(error instanceof StoreLockedError)) throw error;
    }
    const info = readLeaderFile(location);
    if (info) {
      try {
        return await StoreClient.connect(info.socket, location, info, me);
      } catch {
        // Not listening (yet, or any more): try the lock again.
      }
    }
    const waited = Date.now() - started;
    const holder = info ? describeHolder(info) : 'another process';
    if (waited >= timeoutMs) throw new StoreLockedError(location, { holder });
    if (!noticed && waited >= NOTICE_AFTER_MS) {
      noticed = true;
      process.emitWarning(
        `memograph: waiting for the cache at ${location}: ${holder} holds it and does not answer yet ` +
          `(giving up after ${Math.round(timeoutMs / 1000)} s)`,
      );
    }
    await sleep(Math.min(delay, Math.max(1, timeoutMs - waited)));
  }
}
