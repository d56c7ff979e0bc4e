/**
 * A batch as a BullMQ job carries it: the thread protocol's message (executors/protocol.ts)
 * and how it fared, msgpackr-encoded and then base64, since job data and return values
 * travel as JSON, which would spell every byte of a Buffer as a number.
 */
import { Packr } from 'msgpackr';
import type { Delivery } from '../executors/batch-codec.js';
import type { BatchMessage } from '../executors/protocol.js';
import type { WorkerBeat } from './cluster-names.js';

const packr = new Packr({ useRecords: false, moreTypes: false });

export interface JobData {
  /** The message, encoded. */
  readonly m: string;
  /** Its single task's time limit, when it has one. */
  readonly t?: number;
  /** Its single task's memory limit in MiB, when it has one: the worker runs it on a thread with that heap. */
  readonly l?: number;
}

/** What travels beside the message: the limits of a task that travels alone. */
export interface JobLimits {
  readonly timeoutMs: number | undefined;
  readonly memoryLimitMb: number | undefined;
}

export function packJob(message: BatchMessage, limits: JobLimits): JobData {
  const m = Buffer.from(packr.pack(message)).toString('base64');
  return {
    m,
    ...(limits.timeoutMs === undefined ? {} : { t: limits.timeoutMs }),
    ...(limits.memoryLimitMb === undefined ? {} : { l: limits.memoryLimitMb }),
  };
}

export function unpackJob(data: JobData): { message: BatchMessage } & JobLimits {
  const message = packr.unpack(Buffer.from(data.m, 'base64')) as BatchMessage;
  // Typed arrays the pool transfers to its thread must own their buffers.
  return { message: { ...message, payload: own(message.payload), inputs: own(message.inputs) }, timeoutMs: data.t, memoryLimitMb: data.l };
}

/** A thread's death as the coordinator can hear of it: an Error's name, message and code. */
interface CrashShape {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
}

/**
 * `by`: the worker that ran it (its id), so that threads of different machines are told
 * apart; `beat`: what its heartbeat would say now, this batch counted, so that the
 * coordinator need not wait for the next heartbeat to know who ran it and how much.
 */
export function packDelivery(delivery: Delivery, by: string, beat: WorkerBeat): string {
  const plain =
    delivery.kind === 'crashed'
      ? { kind: 'crashed', crash: crashShape(delivery.crash) }
      : delivery;
  return Buffer.from(packr.pack({ ...plain, by, beat })).toString('base64');
}

/** `beat` is undefined from a worker of a version that sent none. */
export function unpackDelivery(text: string): { delivery: Delivery; by: string; beat: WorkerBeat | undefined } {
  const { by, beat, ...delivery } = packr.unpack(Buffer.from(text, 'base64')) as Delivery & { by: string; beat?: WorkerBeat };
  if (delivery.kind === 'reply') return { by, beat, delivery: { kind: 'reply', reply: { ...delivery.reply, outcome: own(delivery.reply.outcome), results: own(delivery.reply.results) } } };
  if (delivery.kind !== 'crashed') return { by, beat, delivery };
  const { name, message, code } = delivery.crash as CrashShape;
  const crash = Object.assign(new Error(message), { name }, code === undefined ? {} : { code });
  return { by, beat, delivery: { kind: 'crashed', crash } };
}

function crashShape(crash: unknown): CrashShape {
  if (!(crash instanceof Error)) return { name: 'Error', message: String(crash) };
  const code = (crash as { code?: unknown }).code;
  return { name: crash.name, message: crash.message, ...(typeof code === 'string' ? { code } : {}) };
}

function own(bytes: Uint8Array): Uint8Array {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy;
}
