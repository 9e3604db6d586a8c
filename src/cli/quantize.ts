/**
 * DTrace's quantize() output for a log2 histogram: power-of-two value rows, an @-bar of 40
 * columns, the count, with one empty row above and below the populated range.
 */
import { BUCKETS, type Log2Histogram } from "../stat/histogram.js";

/**
 * @param unit divide bucket bounds by this for display (1000: nanoseconds shown as us).
 * @example
 * formatQuantize(h, 1000);
 * //            value  ------------- Distribution ------------- count
 * //              128 |                                         0
 * //              256 |@@@@@@@@@@@@@@@@@@@@                     512
 */
export function formatQuantize(h: Log2Histogram, unit = 1): string {
  const used = h.counts.map((n, k) => (n > 0 ? k : -1)).filter((k) => k >= 0);
  if (used.length === 0) return "(no values)";
  const lo = Math.max(0, used[0] - 1);
  const hi = Math.min(BUCKETS - 1, used[used.length - 1] + 1);
  const rows = ["           value  ------------- Distribution ------------- count"];
  for (let k = lo; k <= hi; k++) {
    const value = Math.floor((k === 0 ? 0 : 2 ** k) / unit);
    const n = h.counts[k];
    const bar = "@".repeat(Math.round((n / h.count) * 40));
    rows.push(`${String(value).padStart(16)} |${bar.padEnd(40)} ${n}`);
  }
  return rows.join("\n");
}
