/** An unbounded queue whose consumer awaits the next item: how completions reach the loop. */
export class EventQueue<E> {
  #items: E[] = [];
  #head = 0;
  #waiter: ((item: E) => void) | undefined;

  push(item: E): void {
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = undefined;
      waiter(item);
    } else {
      this.#items.push(item);
    }
  }

  next(): Promise<E> {
    if (this.#head < this.#items.length) {
      const item = this.#items[this.#head++]!;
      if (this.#head === this.#items.length) {
        this.#items = [];
        this.#head = 0;
      }
      return Promise.resolve(item);
    }
    return new Promise((resolve) => (this.#waiter = resolve));
  }
}
