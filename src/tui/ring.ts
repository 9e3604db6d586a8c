/**
 * A fixed-capacity ring: the newest `capacity` items, oldest dropped first. What keeps the
 * dashboard's memory bounded however long it runs or however long a replay is.
 *
 * @example
 * const r = new Ring<number>(3);
 * for (const x of [1, 2, 3, 4]) r.push(x);
 * r.toArray(); // [2, 3, 4]
 */
export class Ring<T> {
  private items: T[] = [];
  private head = 0;

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new RangeError(`a ring needs a capacity of at least 1, got ${capacity}`);
  }

  get length(): number {
    return this.items.length;
  }

  push(x: T): void {
    if (this.items.length < this.capacity) {
      this.items.push(x);
      return;
    }
    this.items[this.head] = x;
    this.head = (this.head + 1) % this.capacity;
  }

  /** The newest item, or undefined when empty. */
  newest(): T | undefined {
    if (this.items.length === 0) return undefined;
    return this.items[(this.head + this.items.length - 1) % this.items.length];
  }

  /** Every item, oldest first. */
  toArray(): T[] {
    return this.head === 0 ? this.items.slice() : [...this.items.slice(this.head), ...this.items.slice(0, this.head)];
  }

  /** The newest `n` items, oldest first. */
  last(n: number): T[] {
    const all = this.toArray();
    return n >= all.length ? all : all.slice(all.length - n);
  }
}
