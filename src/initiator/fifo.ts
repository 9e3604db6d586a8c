/**
 * A first-in first-out queue on a ring buffer: O(1) push and shift, and a slot is cleared as
 * soon as it is taken, so a sent command is not kept alive by the queue it waited in (an
 * array with a head index kept hundreds of finished commands reachable, enough for the
 * garbage collector to promote them: measured as most of the full collections at QD32).
 */
export class Fifo<T> {
  private ring: Array<T | undefined> = new Array<T | undefined>(64);
  private head = 0;
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(v: T): void {
    if (this.count === this.ring.length) this.grow();
    this.ring[(this.head + this.count) & (this.ring.length - 1)] = v;
    this.count++;
  }

  /** Put back at the front (the oldest position). */
  unshift(v: T): void {
    if (this.count === this.ring.length) this.grow();
    this.head = (this.head - 1) & (this.ring.length - 1);
    this.ring[this.head] = v;
    this.count++;
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const v = this.ring[this.head];
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) & (this.ring.length - 1);
    this.count--;
    return v;
  }

  /** Take everything, oldest first. */
  drain(): T[] {
    const out: T[] = [];
    for (let v = this.shift(); v !== undefined; v = this.shift()) out.push(v);
    return out;
  }

  private grow(): void {
    const next = new Array<T | undefined>(this.ring.length * 2);
    for (let i = 0; i < this.count; i++) next[i] = this.ring[(this.head + i) & (this.ring.length - 1)];
    this.ring = next;
    this.head = 0;
  }
}
