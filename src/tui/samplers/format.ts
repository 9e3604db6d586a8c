/**
 * Numbers for narrow columns: rates, MB/s, latencies, ages and clock times, each in at most
 * six characters so a table at 80 columns keeps its shape.
 */

/**
 * Operations per second: "0", "7.5", "312", "45210", "1.2M".
 *
 * @example
 * fmtRate(312.4); // "312"
 */
export function fmtRate(x: number): string {
  if (x === 0) return "0";
  if (x < 10) return x.toFixed(1);
  if (x < 100_000) return x.toFixed(0);
  if (x < 1e7) return `${(x / 1e3).toFixed(0)}k`;
  return `${(x / 1e6).toFixed(1)}M`;
}

/**
 * KiB/s as MB/s (MiB, as iostat -M): "0", "0.05", "1.25", "12.3", "1234".
 *
 * @example
 * fmtMBps(1280); // "1.25"
 */
export function fmtMBps(kibps: number): string {
  const m = kibps / 1024;
  if (m === 0) return "0";
  if (m < 10) return m.toFixed(2);
  if (m < 100) return m.toFixed(1);
  return m.toFixed(0);
}

/**
 * A latency: "850ns", "12us", "1.2ms", "34ms", "1.20s"; "-" for none.
 *
 * @example
 * fmtNs(1_234_567); // "1.2ms"
 */
export function fmtNs(ns: number): string {
  if (!(ns > 0)) return "-";
  if (ns < 1e3) return `${ns.toFixed(0)}ns`;
  if (ns < 1e4) return `${(ns / 1e3).toFixed(1)}us`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(0)}us`;
  if (ns < 1e7) return `${(ns / 1e6).toFixed(1)}ms`;
  if (ns < 1e9) return `${(ns / 1e6).toFixed(0)}ms`;
  return `${(ns / 1e9).toFixed(2)}s`;
}

/**
 * An age or an uptime: "42s", "5m03s", "1h02m", "3d04h".
 *
 * @example
 * fmtAge(3725); // "1h02m"
 */
export function fmtAge(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const two = (n: number) => String(n).padStart(2, "0");
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${two(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${two(Math.floor(s / 60) % 60)}m`;
  return `${Math.floor(s / 86400)}d${two(Math.floor(s / 3600) % 24)}h`;
}

/**
 * Local wall-clock time of a feed time (ns since the epoch): "14:03:27".
 *
 * @example
 * fmtClock(1_795_000_000_000_000_000n); // "08:26:40" in UTC
 */
export function fmtClock(t: bigint): string {
  const d = new Date(Number(t / 1_000_000n));
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/**
 * Seconds between two feed times, as a number.
 *
 * @example
 * secondsBetween(1_000_000_000n, 3_500_000_000n); // 2.5
 */
export function secondsBetween(from: bigint, to: bigint): number {
  return Number(to - from) / 1e9;
}
