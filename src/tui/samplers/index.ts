/**
 * Every sampler a layout may name, by name. A dashboard file says which one feeds each
 * widget; the layout loader checks the name, the params and that the widget can draw what
 * the sampler produces.
 */
import { events, sessionDisconnect, sessionTimeline } from "./events.js";
import { latencyHistogram, latencyTable, sessionLatency } from "./latency.js";
import { iops, latencyTrend, sessionIops, sessionThroughput, throughput } from "./rates.js";
import { sessionConnections, sessionLuns, sessionParams, sessionSummary } from "./session.js";
import { sessions, totals } from "./sessions.js";
import type { SamplerDef } from "./types.js";

/**
 * Every sampler a layout may name, by name.
 *
 * @example
 * SAMPLERS.sessions.sample({ history, view, params: {} }).rows.length;
 */
export const SAMPLERS: Readonly<Record<string, SamplerDef>> = {
  totals,
  sessions,
  iops,
  throughput,
  "latency-histogram": latencyHistogram,
  "latency-table": latencyTable,
  "latency-trend": latencyTrend,
  events,
  "session-summary": sessionSummary,
  "session-connections": sessionConnections,
  "session-luns": sessionLuns,
  "session-params": sessionParams,
  "session-disconnect": sessionDisconnect,
  "session-timeline": sessionTimeline,
  "session-iops": sessionIops,
  "session-throughput": sessionThroughput,
  "session-latency": sessionLatency,
};

export type { SamplerDef, SamplerInput, SamplerOutput } from "./types.js";
