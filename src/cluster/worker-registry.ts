/**
 * Which `memograph worker`s are alive: each renews a heartbeat key every HEARTBEAT_MS
 * saying who it is and what it has done; a worker that stops renewing (killed, frozen,
 * cut off) is gone from the list within HEARTBEAT_TTL_MS.
 */
import type { Redis } from 'ioredis';
import { HEARTBEAT_TTL_MS, WORKER_KEYS, workerKey, type WorkerBeat } from './cluster-names.js';

export async function beat(redis: Redis, worker: WorkerBeat): Promise<void> {
  await redis.set(workerKey(worker.id), JSON.stringify(worker), 'PX', HEARTBEAT_TTL_MS);
}

export async function forget(redis: Redis, id: string): Promise<void> {
  await redis.del(workerKey(id));
}

export async function liveWorkers(redis: Redis): Promise<WorkerBeat[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', WORKER_KEYS, 'COUNT', 1000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  if (keys.length === 0) return [];
  const values = await redis.mget(...keys);
  return values.flatMap((value) => {
    try {
      return value ? [readBeat(JSON.parse(value) as Partial<WorkerBeat>)] : [];
    } catch {
      return [];
    }
  });
}

/** A beat as this version reads it: a worker of an older version says nothing of its tasks. */
function readBeat(beat: Partial<WorkerBeat>): WorkerBeat {
  return { ...beat, tasks: typeof beat.tasks === 'number' ? beat.tasks : 0 } as WorkerBeat;
}
