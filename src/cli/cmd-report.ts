/**
 * `iscsiscope report --db FILE`: one summary of a recording — sessions and uptime, I/O per
 * LUN, latency percentiles per LUN and operation, disconnects with their reasons, login
 * failures, anomalies, and what the recorder dropped.
 */
import { openRecording, type RecordingDb } from "../record/reader.js";
import { report, type RecordingReport } from "../record/queries.js";
import type { CommandSpec, Parsed } from "./args.js";
import { formatBytes, formatNs, formatTable, printJson } from "./common.js";
import { UsageError } from "./usage-error.js";

export const REPORT: CommandSpec = {
  name: "report",
  summary: "summarise a recording: sessions, I/O, latency percentiles, disconnects, login failures",
  usage: "iscsiscope report --db FILE [--recording N] [--json]",
  options: {
    db: { type: "string", arg: "FILE", help: "the recording (a daemon's --record, or iscsisnoop --db)" },
    recording: { type: "string", arg: "N", help: "which recording of the file (default the last; see --json's recordings)" },
    json: { type: "boolean", help: "machine-readable output" },
  },
  positionals: [],
  required: 0,
};

export async function runReport(p: Parsed): Promise<number> {
  if (typeof p.values.db !== "string") throw new UsageError("report needs --db FILE");
  const db: RecordingDb = openRecording(p.values.db);
  try {
    const recordingId = p.values.recording === undefined ? undefined : Number(p.values.recording);
    const r = report(db, { recordingId });
    if (p.values.json) printJson(r);
    else console.log(formatReport(r));
    return 0;
  } finally {
    db.close();
  }
}

const time = (t: bigint) => new Date(Number(t / 1_000_000n)).toISOString().replace("T", " ").replace("Z", "");

export function formatReport(r: RecordingReport): string {
  const rec = r.recording;
  const out: string[] = [
    `Recording ${rec.id} of ${rec.source} on ${rec.host}, ${rec.toolVersion}`,
    `  from ${time(rec.startedT)} to ${time(r.endT)} (${formatNs(r.endT - rec.startedT)})`, "",
    "Sessions",
    formatTable(["SID", "TARGET", "TYPE", "STATE", "LOGGED IN", "CONNS", "LOGINS", "FAILED", "DISCONNECTS", "RECOVERIES"],
      r.sessions.map((s) => [s.oid, s.targetName || "(discovery)", s.type, s.state, formatNs(s.loggedInNs), s.connections, s.logins, s.loginFailures, s.disconnects, s.recoveries])),
    "", "I/O per LUN",
    formatTable(["TARGET", "LUN", "COMMANDS", "READS", "WRITES", "READ", "WRITTEN", "ERRORS"],
      r.io.map((x) => [x.targetName, x.lun, x.commands, x.reads, x.writes, formatBytes(x.bytesRead), formatBytes(x.bytesWritten), x.errors])),
    "", "Latency per LUN and operation (queued to status)",
    formatTable(["TARGET", "LUN", "OP", "COUNT", "MIN", "P50", "P90", "P99", "P99.9", "MAX", "MEAN"],
      r.latency.map((l) => [l.targetName, l.lun, l.opName, l.count, formatNs(l.minNs), formatNs(l.p50Ns), formatNs(l.p90Ns),
        formatNs(l.p99Ns), formatNs(l.p999Ns), formatNs(l.maxNs), formatNs(l.meanNs)])),
    "", "Disconnects by reason",
    r.disconnectsByReason.length === 0 ? "  none"
      : formatTable(["REASON", "COUNT", "FIRST", "LAST", "MOST IN FLIGHT"], r.disconnectsByReason.map((d) => [d.reason, d.count, time(d.firstT), time(d.lastT), d.maxInFlight])),
    ...r.disconnects.filter((d) => d.reason !== "user-logout").map((d) => `  ${time(d.t)} ${d.targetName} conn ${d.cid}: ${d.reason}: ${d.detail}; ` +
      `${d.inFlight} in flight, last receive ${d.sinceLastRxNs === null ? "never" : `${formatNs(d.sinceLastRxNs)} before`}` +
      (d.lastNopRttNs !== null ? `, last NOP round trip ${formatNs(d.lastNopRttNs)}` : "")),
    "", "Login failures",
    ...(r.loginFailures.length === 0 ? ["  none"] : r.loginFailures.map((f) => `  ${time(f.t)} ${f.targetName}: ${f.status ?? "no final Login Response"}` +
      `${f.redirectedTo ? ` -> ${f.redirectedTo}` : ""}${f.reason ? ` (${f.reason}: ${f.detail})` : ""}`)),
    "", "Anomalies",
    ...(r.anomalies.length === 0 ? ["  none"] : r.anomalies.map((a) => `  ${a.kind}: ${a.count} (${time(a.firstT)} .. ${time(a.lastT)})`)),
  ];
  if (r.drops.length > 0) {
    out.push("", "Dropped by the recorder (its queue was full)", ...r.drops.map((d) => `  ${d.probe}: ${d.count}`));
  }
  return out.join("\n");
}
