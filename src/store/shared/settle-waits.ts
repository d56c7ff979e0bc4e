/** Promises that resolve when a claim another process holds is released, one per call CID. */
export class SettleWaits {
  readonly #waits = new Map<string, { promise: Promise<void>; resolve: () => void }>();

  for(cid: string): Promise<void> {
    let wait = this.#waits.get(cid);
    if (!wait) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      wait = { promise, resolve };
      this.#waits.set(cid, wait);
    }
    return wait.promise;
  }

  wake(cid: string): void {
    const wait = this.#waits.get(cid);
    if (!wait) return;
    this.#waits.delete(cid);
    wait.resolve();
  }

  wakeAll(): void {
    for (const cid of [...this.#waits.keys()]) this.wake(cid);
  }
}
