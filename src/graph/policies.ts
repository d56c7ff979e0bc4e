/**
 * Per-task policies — retries and timeouts — set on `delayed` or as run-wide
 * defaults, the task's own taking precedence.
 */
import { InvalidArgumentError, type TaskError } from '../errors.js';

export interface RetryOptions {
  /** How many attempts in all, the first included (so 3 means up to two retries). */
  attempts: number;
  /**
   * Wait before the first retry, in milliseconds.
   * @default 0
   */
  delayMs?: number;
  /**
   * Each further retry waits this many times longer than the one before.
   * @default 2
   */
  backoff?: number;
  /** Retry only failures this accepts (for example, not a `TimeoutError`). */
  retryIf?: (error: TaskError) => boolean;
}

export interface TaskPolicies {
  /** Retry a failed task: a number of attempts, or the full options. */
  retry?: number | RetryOptions;
  /**
   * Stop a task that runs longer than this. A worker task's thread is terminated
   * (and replaced); a main-thread task is abandoned, since the main thread cannot
   * be interrupted. Fails with a TimeoutError.
   */
  timeoutMs?: number;
  /**
   * Heap limit in MB for each task of this function: it runs on a worker with that
   * limit, and going over it fails the task with a ResourceLimitError while other
   * tasks carry on. Worker tasks only.
   */
  memoryLimitMb?: number;
}

export interface ResolvedRetry {
  readonly attempts: number;
  readonly delayMs: number;
  readonly backoff: number;
  readonly retryIf: ((error: TaskError) => boolean) | undefined;
}

export function resolveRetry(retry: number | RetryOptions | undefined, where: string): ResolvedRetry | undefined {
  if (retry === undefined) return undefined;
  const options = typeof retry === 'number' ? { attempts: retry } : retry;
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(`Expected \`${where}retry\` to be a number of attempts or retry options, got \`${String(retry)}\``);
  }
  const { attempts, delayMs = 0, backoff = 2, retryIf } = options;
  checkNumber(`${where}retry.attempts`, attempts, 1, true);
  checkNumber(`${where}retry.delayMs`, delayMs, 0, false);
  checkNumber(`${where}retry.backoff`, backoff, 1, false);
  if (retryIf !== undefined && typeof retryIf !== 'function') {
    throw new InvalidArgumentError(`Expected \`${where}retry.retryIf\` to be a function, got ${typeof retryIf}`);
  }
  return { attempts, delayMs, backoff, retryIf };
}

export function checkTimeout(timeoutMs: unknown, where: string): number | undefined {
  if (timeoutMs === undefined) return undefined;
  checkNumber(`${where}timeoutMs`, timeoutMs, 1, false);
  return timeoutMs as number;
}

/** The wait before attempt `attempt + 1`, after `attempt` attempts have failed. */
export function retryDelay(policy: ResolvedRetry, attempt: number): number {
  return policy.delayMs * policy.backoff ** (attempt - 1);
}

/** Whether a task that failed on its `attempt`-th attempt gets another. */
export function shouldRetry(policy: ResolvedRetry | undefined, attempt: number, error: TaskError): boolean {
  if (!policy || attempt >= policy.attempts) return false;
  // Changed code stays changed until the process restarts.
  if (error.code === 'MEMOGRAPH_CODE_CHANGED') return false;
  return policy.retryIf ? policy.retryIf(error) : true;
}

function checkNumber(name: string, value: unknown, min: number, integer: boolean): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    const kind = integer ? 'an integer' : 'a number';
    throw new InvalidArgumentError(`Expected \`${name}\` to be ${kind} from ${min} and up, got \`${String(value)}\` (${typeof value})`);
  }
}
