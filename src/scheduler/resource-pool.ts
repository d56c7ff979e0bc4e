/** What a run's resources have free while it runs (see graph/resources.ts). */
import type { Resources } from '../graph/resources.js';

export class ResourcePool {
  readonly #total: Resources;
  readonly #free: Record<string, number>;

  constructor(total: Resources | undefined) {
    this.#total = total ?? {};
    this.#free = { ...this.#total };
  }

  /** `ok` to start now, `busy` to wait for others to finish, or why it can never start in this run. */
  verdict(need: Resources): 'ok' | 'busy' | string {
    let busy = false;
    for (const [name, amount] of Object.entries(need)) {
      const total = this.#total[name] ?? 0;
      if (amount > total) {
        return `it needs ${name}: ${amount}, and the run has ${total === 0 && !(name in this.#total) ? `no ${name}` : `${name}: ${total}`} (give the run more with compute's \`resources\` option)`;
      }
      if (amount > this.#free[name]!) busy = true;
    }
    return busy ? 'busy' : 'ok';
  }

  take(need: Resources): void {
    for (const [name, amount] of Object.entries(need)) this.#free[name] = this.#free[name]! - amount;
  }

  give(need: Resources): void {
    for (const [name, amount] of Object.entries(need)) this.#free[name] = this.#free[name]! + amount;
  }
}
