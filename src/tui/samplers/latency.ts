/**
 * Latency distributions from the kstats' log2 histograms: all sessions or the selected
 * one, reads, writes or both, over the last `window` seconds (default 10); and a table of
 * percentiles per session.
 */
import { EMPTY_HIST, histMean, histPercentile, mergeHist, type HistDelta } from "../hist-delta.js";
import type { History, RatePoint } from "../history.js";
import { sessionFacts, targetLabel } from "./facts.js";
import { fmtNs, fmtRate } from "./format.js";
import { lastSeconds, windowS } from "./rates.js";
import { selectedSession } from "./sessions.js";
import { buildTable, type TableSpec } from "./sort.js";
import type { HistogramOut, SamplerDef, SamplerParams, TableOut } from "./types.js";

const PARAMS = { window: "number", op: "string" } as const;
type Op = "read" | "write" | "all";

function opOf(params: SamplerParams): Op {
  return params.op === "read" || params.op === "write" ? params.op : "all";
}

function pick(p: RatePoint, op: Op): HistDelta {
  return op === "read" ? p.read : op === "write" ? p.write : mergeHist([p.read, p.write]);
}

/**
 * A HistDelta as quantize() rows: every bucket from the lowest to the highest non-empty one,
 * labelled by its lower bound.
 *
 * @example
 * toHistogram({ count: 3, sum: 0, b: [10, 2, 12, 1] }, "read").buckets.map((b) => b.label); // ["1.0us", "2.0us", "4.1us"]
 */
export function toHistogram(d: HistDelta, title: string): HistogramOut {
  const buckets: HistogramOut["buckets"] = [];
  if (d.count > 0) {
    const at = new Map<number, number>();
    for (let i = 0; i < d.b.length; i += 2) at.set(d.b[i], d.b[i + 1]);
    for (let k = d.b[0]; k <= d.b[d.b.length - 2]; k++) buckets.push({ label: k === 0 ? "0" : fmtNs(2 ** k), count: at.get(k) ?? 0 });
  }
  return { kind: "histogram", title, buckets, total: d.count };
}

function title(op: Op, seconds: number, who: string): string {
  return `${op === "all" ? "reads and writes" : `${op}s`}${who}, last ${seconds} s`;
}

/**
 * The `latency-histogram` sampler (what it shows is its `doc`).
 *
 * @example
 * latencyHistogram.sample({ history, view, params: {} }).kind; // "histogram"
 */
export const latencyHistogram: SamplerDef<HistogramOut> = {
  kind: "histogram", params: PARAMS,
  doc: "latency of the commands completed in the last `window` seconds (default 10), all sessions, `op` read, write or all",
  sample: ({ history, params }) => {
    const w = windowS(params, 10);
    const op = opOf(params);
    return toHistogram(mergeHist(lastSeconds(history.totals.toArray(), w).map((p) => pick(p, op))), title(op, w, ""));
  },
};

/**
 * The `session-latency` sampler (what it shows is its `doc`).
 *
 * @example
 * sessionLatency.sample({ history, view, params: {} }).kind; // "histogram"
 */
export const sessionLatency: SamplerDef<HistogramOut> = {
  kind: "histogram", params: PARAMS,
  doc: "latency of the selected session's commands completed in the last `window` seconds (default 10)",
  sample: ({ history, view, params }) => {
    const w = windowS(params, 10);
    const op = opOf(params);
    const oid = selectedSession(history, view);
    const points = lastSeconds(oid === undefined ? [] : history.series.get(oid)?.toArray() ?? [], w);
    return toHistogram(mergeHist(points.map((p) => pick(p, op))), title(op, w, oid === undefined ? "" : ` of session ${oid}`));
  },
};

/** One session's latency over a window, by op. */
interface LatencyRow {
  oid: number;
  target: string;
  seconds: number;
  read: HistDelta;
  write: HistDelta;
}

const pct = (d: HistDelta, p: number) => histPercentile(d, p);
const latCols = (op: "read" | "write", prio: number): TableSpec<LatencyRow>["columns"] => {
  const c = op[0];
  return [
    { name: `${c}/s`, align: "right", width: 5, priority: prio, text: (r) => fmtRate(r[op].count / r.seconds), value: (r) => r[op].count },
    { name: `${c} avg`, align: "right", width: 6, priority: prio, text: (r) => fmtNs(histMean(r[op])), value: (r) => histMean(r[op]) },
    { name: `${c} p50`, align: "right", width: 6, priority: prio + 1, text: (r) => fmtNs(pct(r[op], 50)), value: (r) => pct(r[op], 50) },
    { name: `${c} p90`, align: "right", width: 6, priority: prio + 2, text: (r) => fmtNs(pct(r[op], 90)), value: (r) => pct(r[op], 90) },
    { name: `${c} p99`, align: "right", width: 6, priority: prio, text: (r) => fmtNs(pct(r[op], 99)), value: (r) => pct(r[op], 99) },
  ];
};

/**
 * The latency table: columns, sort values, filter text.
 *
 * @example
 * buildTable(LATENCY_TABLE, rows, view).columns.map((c) => c.name); // ["SID", "TARGET", "r/s", ...]
 */
export const LATENCY_TABLE: TableSpec<LatencyRow> = {
  name: "latency-table",
  defaultSort: { column: "SID", desc: false },
  key: (r) => r.oid,
  filterText: (r) => `${r.oid} ${r.target}`,
  empty: "no sessions yet",
  columns: [
    { name: "SID", align: "right", width: 3, priority: 0, text: (r) => String(r.oid), value: (r) => r.oid },
    { name: "TARGET", align: "left", width: 10, priority: 0, flex: true, text: (r) => r.target },
    ...latCols("read", 0),
    ...latCols("write", 1),
  ],
};

function latencyRows(h: History, seconds: number): LatencyRow[] {
  return h.visibleOids().map((oid) => {
    const points = lastSeconds(h.series.get(oid)?.toArray() ?? [], seconds);
    const span = points.reduce((a, p) => a + p.dt, 0);
    return {
      oid, target: targetLabel(sessionFacts(h, oid) ?? { target: "", type: "Normal" }), seconds: span > 0 ? span : seconds,
      read: points.length ? mergeHist(points.map((p) => p.read)) : EMPTY_HIST,
      write: points.length ? mergeHist(points.map((p) => p.write)) : EMPTY_HIST,
    };
  });
}

/**
 * The `latency-table` sampler (what it shows is its `doc`).
 *
 * @example
 * latencyTable.sample({ history, view, params: {} }).kind; // "table"
 */
export const latencyTable: SamplerDef<TableOut> = {
  kind: "table", params: { window: "number" },
  doc: "per session: reads and writes per second, avg, p50, p90 and p99 latency over the last `window` seconds (default 10)",
  sample: ({ history, view, params }) => buildTable(LATENCY_TABLE, latencyRows(history, windowS(params, 10)), view),
};
