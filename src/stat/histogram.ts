/**
 * Latency histograms with log2 buckets, like DTrace's quantize(): bucket k counts values in
 * [2^k, 2^(k+1)) nanoseconds (bucket 0 also holds 0). Percentiles are read from the buckets
 * (the upper bound of the bucket holding the rank), so they are honest to a factor of two.
 */
export const BUCKETS = 48;

export class Log2Histogram {
  readonly counts = new Array<number>(BUCKETS).fill(0);
  count = 0;
  sum = 0;
  min = Infinity;
  max = 0;

  /** Add one value in nanoseconds. */
  add(ns: number): void {
    const k = ns < 1 ? 0 : Math.min(BUCKETS - 1, Math.floor(Math.log2(ns)));
    this.counts[k]++;
    this.count++;
    this.sum += ns;
    if (ns < this.min) this.min = ns;
    if (ns > this.max) this.max = ns;
  }

  /** The value (ns) at percentile p (0..100): the top of the bucket holding that rank, capped by max. */
  percentile(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let k = 0; k < BUCKETS; k++) {
      seen += this.counts[k];
      if (seen >= rank) return Math.min(2 ** (k + 1), this.max);
    }
    return this.max;
  }

  get mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  /** Add another histogram into this one. */
  merge(o: Log2Histogram): void {
    for (let k = 0; k < BUCKETS; k++) this.counts[k] += o.counts[k];
    this.count += o.count;
    this.sum += o.sum;
    this.min = Math.min(this.min, o.min);
    this.max = Math.max(this.max, o.max);
  }

  /** Plain data: non-empty buckets as [lowerBoundNs, count]. */
  toJSON(): { count: number; sum: number; min: number; max: number; buckets: Array<[number, number]> } {
    const buckets: Array<[number, number]> = [];
    for (let k = 0; k < BUCKETS; k++) if (this.counts[k] > 0) buckets.push([k === 0 ? 0 : 2 ** k, this.counts[k]]);
    return { count: this.count, sum: this.sum, min: this.count ? this.min : 0, max: this.max, buckets };
  }

  static fromJSON(j: ReturnType<Log2Histogram["toJSON"]>): Log2Histogram {
    const h = new Log2Histogram();
    for (const [lo, n] of j.buckets) h.counts[lo === 0 ? 0 : Math.round(Math.log2(lo))] += n;
    h.count = j.count;
    h.sum = j.sum;
    h.min = j.count ? j.min : Infinity;
    h.max = j.max;
    return h;
  }
}
