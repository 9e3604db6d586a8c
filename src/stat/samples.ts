/**
 * Latency samples kept exactly (a growing Float64Array), for percentiles that are exact
 * nearest-rank values rather than bucket bounds: the benchmark's results and iscsisnoop's
 * service response times.
 */

/** Summary statistics of a set of samples; all 0 for an empty set. */
export interface SampleSummary {
  n: number;
  min: number;
  max: number;
  avg: number;
  sum: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
}

/**
 * @example
 * const s = new Samples();
 * for (const ns of [120_000, 95_000, 410_000]) s.push(ns);
 * s.summary().p50; // 120000
 */
export class Samples {
  private a: Float64Array;
  n = 0;

  constructor(initial = 1024) {
    this.a = new Float64Array(initial);
  }

  push(x: number): void {
    if (this.n === this.a.length) {
      const b = new Float64Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = x;
  }

  summary(): SampleSummary {
    if (this.n === 0) return { n: 0, min: 0, max: 0, avg: 0, sum: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0 };
    const s = this.a.slice(0, this.n).sort();
    // Nearest rank ceil(p/100 * n); the epsilon keeps 99.9% of 1000 at rank 999 despite binary fractions.
    const at = (p: number) => s[Math.min(this.n - 1, Math.max(0, Math.ceil((p * this.n) / 100 - 1e-9) - 1))];
    let sum = 0;
    for (let i = 0; i < this.n; i++) sum += s[i];
    return { n: this.n, min: s[0], max: s[this.n - 1], avg: sum / this.n, sum, p50: at(50), p90: at(90), p95: at(95), p99: at(99), p999: at(99.9) };
  }
}
