/**
 * The progress line's word on a cluster run's workers (the `cluster` event): how many are
 * alive, their machines with the slots each gives, and how many of this run's tasks they
 * ran. A machine running several workers is named once, with their slots added up.
 */
import type { ClusterWorker } from '../cluster/run-workers.js';

/** Machines named on the line; the rest are counted. */
const NAMED_HOSTS = 3;

export function clusterLine(workers: readonly ClusterWorker[]): string {
  const live = workers.filter((worker) => worker.live);
  const ran = workers.reduce((sum, worker) => sum + worker.thisRun.tasks, 0);
  const gone = workers.length - live.length;
  const tasks = `${ran} task${ran === 1 ? '' : 's'} of this run on them`;
  if (live.length === 0) return `cluster: no live workers (batches wait for one)${ran > 0 ? `, ${ran} of this run's tasks ran on workers now gone` : ''}`;
  const slots = new Map<string, number>();
  for (const worker of live) slots.set(worker.host, (slots.get(worker.host) ?? 0) + worker.slots);
  const hosts = [...slots].slice(0, NAMED_HOSTS).map(([host, n]) => `${host} ${n} slot${n === 1 ? '' : 's'}`);
  if (slots.size > NAMED_HOSTS) hosts.push(`+${slots.size - NAMED_HOSTS} more`);
  const count = `${live.length} worker${live.length === 1 ? '' : 's'}`;
  return `cluster: ${count} (${hosts.join(', ')}${gone > 0 ? `; ${gone} gone` : ''}), ${tasks}`;
}

/** Which workers are alive, and with how many slots: what a plain log tells again when it changes. */
export function clusterMembers(workers: readonly ClusterWorker[]): string {
  return workers
    .filter((worker) => worker.live)
    .map((worker) => `${worker.id}:${worker.slots}`)
    .join(',');
}
