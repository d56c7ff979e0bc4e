/**
 * The machine a run measured on, for the results and for the Dask cache key
 * (a baseline measured on another CPU must not be reused).
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';
import type { DaskProbe } from './python.js';

export interface Machine {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly platform: string;
  readonly node: string;
  readonly python?: string;
  readonly dask?: string;
  readonly distributed?: string;
  readonly joblib?: string;
  readonly numpy?: string;
  /** 1-minute load average when the run started: a busy shared machine shows here. */
  readonly loadAtStart: number;
}

/** /proc/cpuinfo's "model name" (what the issue asks to key on), else what Node reports. */
export function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match) return match[1]!.trim();
  } catch {
    // Not Linux: fall through.
  }
  return cpus()[0]?.model.trim() ?? 'unknown CPU';
}

export function describeMachine(dask: DaskProbe): Machine {
  const versions = dask.ok
    ? { python: dask.python, dask: dask.dask, distributed: dask.distributed, joblib: dask.joblib, numpy: dask.numpy }
    : {};
  return {
    cpuModel: cpuModel(),
    cores: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    platform: `${process.platform} ${release()} ${process.arch}`,
    node: process.versions.node,
    ...versions,
    loadAtStart: Math.round(loadavg()[0]! * 100) / 100,
  };
}
