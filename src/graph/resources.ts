/**
 * Abstract resources (Dask's worker resources): a task says what it needs while it runs
 * (`{ gpu: 1, memoryMb: 8000 }`), a run says how much it has, and a task starts only when
 * what it needs is free. Amounts are finite numbers from 0 up.
 */
import { InvalidArgumentError } from '../errors.js';

export type Resources = Readonly<Record<string, number>>;

export function checkResources(resources: unknown, where: string): Resources | undefined {
  if (resources === undefined) return undefined;
  if (typeof resources !== 'object' || resources === null || Array.isArray(resources)) {
    throw new InvalidArgumentError(`Expected \`${where}\` to be an object of amounts such as { gpu: 1 }, got ${typeof resources}`);
  }
  const checked: Record<string, number> = {};
  for (const [name, amount] of Object.entries(resources)) {
    if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) {
      throw new InvalidArgumentError(`Expected \`${where}.${name}\` to be a finite amount from 0 up, got \`${String(amount)}\``);
    }
    checked[name] = amount;
  }
  return Object.freeze(checked);
}
