/**
 * `reportProgress(0.4, 'batch 4/10')` from inside a task, on the main thread or a worker:
 * the run emits a `progress` event for that task, and the terminal bar shows it. Outside a
 * task call it does nothing (it returns false), so a function stays callable on its own.
 */
import { InvalidArgumentError } from '../errors.js';
import { withFixedIdentity } from '../identity/fixed-identity.js';
import { taskContext } from '../graph/task-context.js';

export const reportProgress = withFixedIdentity(function reportProgress(fraction: number, message?: string): boolean {
  if (typeof fraction !== 'number' || !(fraction >= 0 && fraction <= 1)) {
    throw new InvalidArgumentError(`Expected reportProgress's fraction to be a number from 0 to 1, got \`${String(fraction)}\``);
  }
  if (message !== undefined && typeof message !== 'string') {
    throw new InvalidArgumentError(`Expected reportProgress's message to be a string, got ${typeof message}`);
  }
  const context = taskContext.getStore();
  if (context === undefined) return false;
  context.report(fraction, message);
  return true;
}, 'memograph/reportProgress 1');
