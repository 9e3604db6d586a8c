/**
 * Series for the line charts: IOPS and throughput of all sessions or of the selected one,
 * and latency over time, for the last `window` seconds (default 120).
 */
import { histMean, histPercentile, mergeHist } from "../hist-delta.js";
import type { RatePoint } from "../history.js";
import { fmtClock } from "./format.js";
import { selectedSession } from "./sessions.js";
import type { SamplerDef, SamplerInput, SamplerParams, SeriesOut } from "./types.js";

const WINDOW = { window: "number" } as const;

/**
 * The window param in seconds (default 120).
 *
 * @example
 * windowS({ window: 300 }); // 300
 */
export function windowS(params: SamplerParams, def = 120): number {
  const w = params.window;
  return typeof w === "number" && w > 0 ? w : def;
}

/**
 * Points of the last `seconds` before the newest one.
 *
 * @example
 * lastSeconds(history.totals.toArray(), 60).length; // 60 at 1 Hz
 */
export function lastSeconds(points: readonly RatePoint[], seconds: number): RatePoint[] {
  const newest = points.at(-1);
  if (!newest) return [];
  const from = newest.t - seconds * 1000;
  return points.filter((p) => p.t > from);
}

function series(points: RatePoint[], unit: string, lines: Array<{ title: string; color: string; y: (p: RatePoint) => number }>): SeriesOut {
  return {
    kind: "series", unit,
    x: points.map((p) => fmtClock(BigInt(p.t) * 1_000_000n)),
    series: lines.map((l) => ({ title: l.title, color: l.color, y: points.map(l.y) })),
  };
}

const IOPS_LINES = [
  { title: "r/s", color: "green", y: (p: RatePoint) => p.rps },
  { title: "w/s", color: "yellow", y: (p: RatePoint) => p.wps },
];
const MBPS_LINES = [
  { title: "read MB/s", color: "green", y: (p: RatePoint) => p.krps / 1024 },
  { title: "write MB/s", color: "yellow", y: (p: RatePoint) => p.kwps / 1024 },
];

function allPoints({ history, params }: SamplerInput): RatePoint[] {
  return lastSeconds(history.totals.toArray(), windowS(params));
}

function sessionPoints({ history, view, params }: SamplerInput): RatePoint[] {
  const oid = selectedSession(history, view);
  const ring = oid === undefined ? undefined : history.series.get(oid);
  return lastSeconds(ring?.toArray() ?? [], windowS(params));
}

/**
 * The `iops` sampler (what it shows is its `doc`).
 *
 * @example
 * iops.sample({ history, view, params: {} }).kind; // "series"
 */
export const iops: SamplerDef<SeriesOut> = {
  kind: "series", params: WINDOW,
  doc: "reads and writes per second of all sessions over the last `window` seconds",
  sample: (input) => series(allPoints(input), "IOPS", IOPS_LINES),
};

/**
 * The `throughput` sampler (what it shows is its `doc`).
 *
 * @example
 * throughput.sample({ history, view, params: {} }).kind; // "series"
 */
export const throughput: SamplerDef<SeriesOut> = {
  kind: "series", params: WINDOW,
  doc: "MB/s read and written by all sessions over the last `window` seconds",
  sample: (input) => series(allPoints(input), "MB/s", MBPS_LINES),
};

/**
 * The `session-iops` sampler (what it shows is its `doc`).
 *
 * @example
 * sessionIops.sample({ history, view, params: {} }).kind; // "series"
 */
export const sessionIops: SamplerDef<SeriesOut> = {
  kind: "series", params: WINDOW,
  doc: "reads and writes per second of the selected session over the last `window` seconds",
  sample: (input) => series(sessionPoints(input), "IOPS", IOPS_LINES),
};

/**
 * The `session-throughput` sampler (what it shows is its `doc`).
 *
 * @example
 * sessionThroughput.sample({ history, view, params: {} }).kind; // "series"
 */
export const sessionThroughput: SamplerDef<SeriesOut> = {
  kind: "series", params: WINDOW,
  doc: "MB/s read and written by the selected session over the last `window` seconds",
  sample: (input) => series(sessionPoints(input), "MB/s", MBPS_LINES),
};

/**
 * The `latency-trend` sampler (what it shows is its `doc`).
 *
 * @example
 * latencyTrend.sample({ history, view, params: {} }).kind; // "series"
 */
export const latencyTrend: SamplerDef<SeriesOut> = {
  kind: "series", params: WINDOW,
  doc: "average and p99 latency (ms) of the commands completed in each tick, all sessions, over the last `window` seconds",
  sample: (input) => series(allPoints(input), "ms", [
    { title: "avg ms", color: "green", y: (p) => histMean(mergeHist([p.read, p.write])) / 1e6 },
    { title: "p99 ms", color: "red", y: (p) => histPercentile(mergeHist([p.read, p.write]), 99) / 1e6 },
  ]),
};
