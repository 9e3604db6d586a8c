/**
 * Latency over an interval from the cumulative log2 histograms of two kstat snapshots: the
 * commands that completed between them, by bucket. Bucket k holds [2^k, 2^(k+1)) ns, as in
 * src/stat/histogram.ts and DTrace's quantize(). Buckets are kept sparse (a few per tick)
 * so a dashboard can keep minutes of them per session.
 */
import type { Kstat } from "../stat/kstat.js";

/** The JSON form of a Log2Histogram, as kstats carry it. */
export type HistJson = NonNullable<Kstat["hist"]>[string];

/** Commands completed in an interval, by latency bucket. */
export interface HistDelta {
  count: number;
  /** Sum of their latencies, ns. */
  sum: number;
  /** Flat [bucket index, count] pairs, ascending by index: k0, n0, k1, n1, ... */
  b: number[];
}

/**
 * No commands.
 *
 * @example
 * histPercentile(EMPTY_HIST, 99); // 0
 */
export const EMPTY_HIST: HistDelta = Object.freeze({ count: 0, sum: 0, b: Object.freeze([]) as unknown as number[] });

function index(lowerBound: number): number {
  return lowerBound === 0 ? 0 : Math.round(Math.log2(lowerBound));
}

/**
 * What `cur` counted that `prev` had not: the interval's histogram. `prev` undefined means
 * everything in `cur`. Negative differences (a histogram of another life) count as 0.
 *
 * @example
 * histDelta({ count: 1, sum: 1500, min: 1500, max: 1500, buckets: [[1024, 1]] },
 *           { count: 3, sum: 5600, min: 1500, max: 2100, buckets: [[1024, 2], [2048, 1]] });
 * // { count: 2, sum: 4100, b: [10, 1, 11, 1] }
 */
export function histDelta(prev: HistJson | undefined, cur: HistJson | undefined): HistDelta {
  if (!cur || cur.count === 0) return EMPTY_HIST;
  const before = new Map<number, number>();
  for (const [lo, n] of prev?.buckets ?? []) before.set(index(lo), n);
  const b: number[] = [];
  let count = 0;
  for (const [lo, n] of cur.buckets) {
    const k = index(lo);
    const d = n - (before.get(k) ?? 0);
    if (d > 0) {
      b.push(k, d);
      count += d;
    }
  }
  if (count === 0) return EMPTY_HIST;
  return { count, sum: Math.max(0, cur.sum - (prev?.sum ?? 0)), b };
}

/**
 * Several intervals' histograms as one (sessions summed, or ticks over a window).
 *
 * @example
 * mergeHist([{ count: 1, sum: 10, b: [3, 1] }, { count: 2, sum: 40, b: [3, 1, 4, 1] }]);
 * // { count: 3, sum: 50, b: [3, 2, 4, 1] }
 */
export function mergeHist(ds: Iterable<HistDelta>): HistDelta {
  const counts = new Map<number, number>();
  let count = 0;
  let sum = 0;
  for (const d of ds) {
    count += d.count;
    sum += d.sum;
    for (let i = 0; i < d.b.length; i += 2) counts.set(d.b[i], (counts.get(d.b[i]) ?? 0) + d.b[i + 1]);
  }
  if (count === 0) return EMPTY_HIST;
  const b: number[] = [];
  for (const k of [...counts.keys()].sort((x, y) => x - y)) b.push(k, counts.get(k)!);
  return { count, sum, b };
}

/**
 * The latency at percentile p (0..100), ns: the top of the bucket holding that rank, so
 * honest to a factor of two (the same rule as Log2Histogram.percentile). 0 when empty.
 *
 * @example
 * histPercentile({ count: 100, sum: 0, b: [10, 98, 20, 2] }, 99); // 2 ** 21 (1 MiB ns ~ 2.1 ms)
 */
export function histPercentile(d: HistDelta, p: number): number {
  if (d.count === 0) return 0;
  const rank = Math.max(1, Math.ceil((p / 100) * d.count));
  let seen = 0;
  for (let i = 0; i < d.b.length; i += 2) {
    seen += d.b[i + 1];
    if (seen >= rank) return 2 ** (d.b[i] + 1);
  }
  return 2 ** (d.b[d.b.length - 2] + 1);
}

/**
 * Mean latency, ns (0 when empty).
 *
 * @example
 * histMean({ count: 4, sum: 4000, b: [9, 4] }); // 1000
 */
export function histMean(d: HistDelta): number {
  return d.count === 0 ? 0 : d.sum / d.count;
}
