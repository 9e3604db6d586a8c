/**
 * `iscsisnoop summary`: what a capture's replay said, gathered from the probes (so a live
 * bus would give the same): sessions with their negotiated keys and login timeline, the
 * command mix, SCSI service response time per command (tshark -z scsi,srt's calls, min, max,
 * avg, sum, plus p50, p95, p99), disconnects with reasons, recoveries, anomalies, and the
 * capture's own trouble (TCP retransmissions, gaps, zero windows, malformed bytes) beside it.
 */
import type { CaptureSummary } from "../capture/index.js";
import type { AnyProbeArgs, Probe, ProbeBus } from "../probe/bus.js";
import type {
  AnomalyArgs, DisconnectArgs, LoginKeyArgs, LoginResultArgs, LoginStageArgs, NetConnectArgs, SessionRecoveryArgs, StateChangeArgs, TaskDoneArgs,
} from "../probe/catalog.js";
import type { ConnRef, Ns, SessionRef, SessionState } from "../probe/types.js";
import type { ReplayStats } from "../replay/index.js";
import { scsiOpName, statusName } from "../scsi/index.js";
import { Samples } from "../stat/samples.js";
import { formatBytes, formatTable } from "./common.js";

interface SessionInfo {
  ref: SessionRef;
  firstT: Ns;
  lastT: Ns;
  /** Logged-in time so far, and since when it is logged in. */
  loggedInNs: Ns;
  upSince: Ns | undefined;
  /** The login timeline: "+0.000012 connected to ...", per connection. */
  timeline: Array<{ t: Ns; what: string }>;
  /** Keys of its last successful login (or its last login). */
  keys: LoginKeyArgs[];
  pendingKeys: LoginKeyArgs[];
  state: SessionState;
  portal: string;
}

interface OpStats {
  op: number;
  name: string;
  count: number;
  reads: number;
  writes: number;
  bytes: number;
  errors: number;
  srt: Samples;
}

export interface SnoopSummaryJson {
  capture: CaptureSummary;
  replay: ReplayStats;
  firstT: Ns | null;
  lastT: Ns | null;
  sessions: Array<{
    id: number; type: string; initiator: string; target: string; portal: string; isid: string; tsih: number; state: string;
    loggedInNs: Ns; timeline: Array<{ rel: number; what: string }>; keys: Array<{ key: string; proposer: string; offered: string | null; answered: string | null; result: string | null }>;
  }>;
  commands: Array<{ op: number; name: string; count: number; reads: number; writes: number; bytes: number; errors: number }>;
  srt: Array<{ op: number; name: string; calls: number; minS: number; maxS: number; avgS: number; sumS: number; p50S: number; p95S: number; p99S: number }>;
  statuses: Record<string, number>;
  disconnects: Array<{ rel: number; session: number; connection: string; reason: string; detail: string; inFlight: number }>;
  recoveries: Array<{ rel: number; session: number; attempt: number; delayMs: number; reason: string }>;
  anomalies: Array<{ kind: string; count: number; examples: string[] }>;
}

/** Collects the summary from the probes of one bus (module pcap). */
export class SnoopSummary {
  private readonly sessions = new Map<SessionRef, SessionInfo>();
  private readonly ops = new Map<number, OpStats>();
  private readonly statuses = new Map<string, number>();
  private readonly disconnects: Array<{ t: Ns; session: number; conn: string; reason: string; detail: string; inFlight: number }> = [];
  private readonly recoveries: Array<{ t: Ns; session: number; attempt: number; delayMs: number; reason: string }> = [];
  private readonly anomalies = new Map<string, { count: number; examples: string[] }>();
  private readonly offs: Array<() => void> = [];

  constructor(bus: ProbeBus) {
    const on = <A>(key: string, fn: (a: A) => void) => {
      this.offs.push(bus.subscribe(`iscsi:pcap:${key}`, fn as unknown as (a: AnyProbeArgs, p: Probe<AnyProbeArgs>) => void));
    };
    on("session:state-change", (a: StateChangeArgs<SessionRef, SessionState>) => this.sessionMove(a));
    on("net:connect", (a: NetConnectArgs) => this.note(a.conn, a.t, a.ok ? `connected to ${a.host}:${a.port}` : `connect to ${a.host}:${a.port} failed (${a.error})`));
    on("login:stage", (a: LoginStageArgs) => this.note(a.conn, a.t, `Login Request ${STAGES[a.csg] ?? a.csg} -> ${a.transit ? STAGES[a.nsg] ?? a.nsg : "(stay)"}`));
    on("login:key", (a: LoginKeyArgs) => this.session(a.conn.session, a.t).pendingKeys.push(a));
    on("login:result", (a: LoginResultArgs) => this.loginResult(a));
    on("conn:disconnect", (a: DisconnectArgs) => this.disconnect(a));
    on("session:recovery", (a: SessionRecoveryArgs) => {
      this.recoveries.push({ t: a.t, session: a.session.oid, attempt: a.attempt, delayMs: a.delayMs, reason: a.reason });
      this.session(a.session, a.t).timeline.push({ t: a.t, what: `reconnect attempt ${a.attempt} after ${a.delayMs} ms (${a.reason})` });
    });
    on("task:done", (a: TaskDoneArgs) => this.taskDone(a));
    on("anomaly:*", (a: AnomalyArgs) => {
      const x = this.anomalies.get(a.kind) ?? { count: 0, examples: [] };
      x.count++;
      if (x.examples.length < 3) x.examples.push(`S${a.conn.session.oid} ${a.detail}`);
      this.anomalies.set(a.kind, x);
    });
  }

  close(): void {
    for (const off of this.offs.splice(0)) off();
  }

  private session(ref: SessionRef, t: Ns): SessionInfo {
    let s = this.sessions.get(ref);
    if (!s) {
      s = { ref, firstT: t, lastT: t, loggedInNs: 0n, upSince: undefined, timeline: [], keys: [], pendingKeys: [], state: ref.state, portal: "" };
      if (ref.state === "LOGGED_IN") s.upSince = t; // began before the capture
      this.sessions.set(ref, s);
    }
    s.lastT = t;
    return s;
  }

  private note(conn: ConnRef, t: Ns, what: string): void {
    const s = this.session(conn.session, t);
    s.portal ||= conn.remote;
    s.timeline.push({ t, what });
  }

  private sessionMove(a: StateChangeArgs<SessionRef, SessionState>): void {
    const s = this.session(a.ref, a.t);
    if (a.to === "LOGGED_IN" && s.upSince === undefined) s.upSince = a.t;
    if (a.to !== "LOGGED_IN" && s.upSince !== undefined) {
      s.loggedInNs += a.t - s.upSince;
      s.upSince = undefined;
    }
    s.state = a.to;
    if (a.from !== a.to) s.timeline.push({ t: a.t, what: `session ${a.from} -> ${a.to} (${a.rfc})` });
  }

  private loginResult(a: LoginResultArgs): void {
    const s = this.session(a.conn.session, a.t);
    s.timeline.push({ t: a.t, what: `login ${a.status}${a.statusClass === 0 ? ` TSIH ${a.tsih}` : ""}${a.redirectedTo ? ` -> ${a.redirectedTo}` : ""}` });
    if (a.statusClass === 0 || s.keys.length === 0) s.keys = s.pendingKeys;
    s.pendingKeys = [];
  }

  private disconnect(a: DisconnectArgs): void {
    const s = this.session(a.conn.session, a.t);
    s.timeline.push({ t: a.t, what: `disconnect: ${a.reason}` });
    this.disconnects.push({ t: a.t, session: a.conn.session.oid, conn: `${a.conn.local} -> ${a.conn.remote}`, reason: a.reason, detail: a.detail, inFlight: a.inFlight });
  }

  private taskDone(a: TaskDoneArgs): void {
    this.session(a.task.session, a.t);
    const op = a.task.op;
    let o = this.ops.get(op);
    if (!o) this.ops.set(op, (o = { op, name: scsiOpName(op), count: 0, reads: 0, writes: 0, bytes: 0, errors: 0, srt: new Samples(64) }));
    o.count++;
    if (a.task.dir === "read") o.reads++;
    if (a.task.dir === "write") o.writes++;
    o.bytes += a.bytes;
    const status = a.status === undefined ? (a.error ?? "no status") : statusName(a.status);
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    if (a.status !== 0 || a.response !== 0) o.errors++;
    // tshark's SRT: from the command's frame to the frame with its status; tshark leaves out
    // the commands that end in CHECK CONDITION, and so do we (the command mix counts them).
    if (a.status !== undefined && a.status !== CHECK_CONDITION && a.sentT !== undefined) o.srt.push(Number(a.t - a.sentT));
  }

  /** Everything, with times relative to `firstT`. */
  toJson(capture: CaptureSummary, replay: ReplayStats, firstT: Ns | undefined, lastT: Ns | undefined): SnoopSummaryJson {
    const base = firstT ?? 0n;
    const rel = (t: Ns) => Number(t - base) / 1e9;
    const end = lastT ?? base;
    const ops = [...this.ops.values()].sort((a, b) => a.op - b.op);
    return {
      capture, replay, firstT: firstT ?? null, lastT: lastT ?? null,
      sessions: [...this.sessions.values()].map((s) => ({
        id: s.ref.oid, type: s.ref.type, initiator: s.ref.initiatorName, target: s.ref.targetName, portal: s.portal,
        isid: s.ref.isid.toString(16).padStart(12, "0"), tsih: s.ref.tsih, state: s.state,
        loggedInNs: s.loggedInNs + (s.upSince !== undefined ? end - s.upSince : 0n),
        timeline: s.timeline.map((x) => ({ rel: rel(x.t), what: x.what })),
        keys: s.keys.map((k) => ({ key: k.key, proposer: k.proposer, offered: k.offered ?? null, answered: k.answered ?? null, result: k.result ?? null })),
      })),
      commands: ops.map(({ srt: _srt, ...o }) => o),
      srt: ops.filter((o) => o.srt.n > 0).map((o) => {
        const x = o.srt.summary();
        return { op: o.op, name: o.name, calls: x.n, minS: x.min / 1e9, maxS: x.max / 1e9, avgS: x.avg / 1e9, sumS: x.sum / 1e9, p50S: x.p50 / 1e9, p95S: x.p95 / 1e9, p99S: x.p99 / 1e9 };
      }),
      statuses: Object.fromEntries(this.statuses),
      disconnects: this.disconnects.map((d) => ({ rel: rel(d.t), session: d.session, connection: d.conn, reason: d.reason, detail: d.detail, inFlight: d.inFlight })),
      recoveries: this.recoveries.map((r) => ({ rel: rel(r.t), session: r.session, attempt: r.attempt, delayMs: r.delayMs, reason: r.reason })),
      anomalies: [...this.anomalies].map(([kind, x]) => ({ kind, count: x.count, examples: x.examples })),
    };
  }
}

const CHECK_CONDITION = 0x02;
const STAGES: Record<number, string> = { 0: "security", 1: "operational", 3: "full feature" };

const f6 = (x: number) => x.toFixed(6);

/** The summary for people. */
export function formatSummary(j: SnoopSummaryJson): string {
  const c = j.capture;
  const out: string[] = [];
  const span = j.firstT !== null && j.lastT !== null ? Number(j.lastT - j.firstT) / 1e9 : 0;
  const start = j.firstT !== null ? new Date(Number(j.firstT / 1_000_000n)).toISOString().replace("T", " ").replace("Z", " UTC") : "-";
  out.push(`Capture ${c.file} (${c.format}): ${c.frames} frames, ${formatBytes(c.bytes)}, ${span.toFixed(3)} s from ${start}`);
  out.push(`  ${c.verdict}`);
  if (j.replay.midStreamSessions > 0) out.push(`  ${j.replay.midStreamSessions} session(s) began before the capture: their logins are not in it`);
  if (j.replay.unmatched > 0) out.push(`  ${j.replay.unmatched} response(s) to commands the capture does not hold (sent before it began or lost in a gap)`);
  if (j.replay.outstanding > 0) out.push(`  ${j.replay.outstanding} command(s) still outstanding when the capture ended`);
  if (j.replay.unplaced > 0) out.push(`  ${j.replay.unplaced} TCP connection(s) to an iSCSI port without a PDU`);

  out.push("", "Sessions");
  if (j.sessions.length === 0) out.push("  none");
  for (const s of j.sessions) {
    const who = s.type === "Discovery" ? "discovery" : s.target || "(target not in capture)";
    out.push(`  S${s.id} ${s.type} ${who} at ${s.portal || "?"}  initiator ${s.initiator || "?"}  ISID ${s.isid} TSIH ${s.tsih}  ${s.state}, logged in ${(Number(s.loggedInNs) / 1e9).toFixed(3)} s`);
    for (const x of s.timeline) out.push(`      ${f6(x.rel).padStart(12)}  ${x.what}`);
    if (s.keys.length > 0) {
      out.push("      negotiated:");
      for (const k of s.keys) {
        const how = k.answered !== null ? `${k.proposer} offered ${k.offered}, answered ${k.answered}` : `declared by ${k.proposer}`;
        out.push(`        ${`${k.key}=${k.result ?? "(unchanged)"}`.padEnd(40)} ${how}`);
      }
    }
  }

  out.push("", "Commands");
  if (j.commands.length === 0) out.push("  none");
  else {
    out.push(indent(formatTable(["Index", "Command", "Count", "Reads", "Writes", "Bytes", "Not GOOD"],
      j.commands.map((o) => [o.op, o.name, o.count, o.reads, o.writes, formatBytes(o.bytes), o.errors]))));
    out.push(`  status: ${Object.entries(j.statuses).map(([k, n]) => `${k} ${n}`).join(", ")}`);
  }

  out.push("", "SCSI service response time (s), as tshark -z scsi,srt,0 (CHECK CONDITION left out), with percentiles");
  if (j.srt.length === 0) out.push("  none");
  else {
    out.push(indent(formatTable(["Index", "Procedure", "Calls", "Min SRT", "Max SRT", "Avg SRT", "Sum SRT", "p50", "p95", "p99"],
      j.srt.map((s) => [s.op, s.name, s.calls, f6(s.minS), f6(s.maxS), f6(s.avgS), f6(s.sumS), f6(s.p50S), f6(s.p95S), f6(s.p99S)]))));
  }

  out.push("", "Disconnects");
  if (j.disconnects.length === 0) out.push("  none");
  for (const d of j.disconnects) out.push(`  ${f6(d.rel).padStart(12)}  S${d.session}  ${d.reason.padEnd(22)} ${d.detail}${d.inFlight ? ` (${d.inFlight} command(s) in flight)` : ""}`);
  if (j.recoveries.length > 0) {
    out.push("", "Recoveries");
    for (const r of j.recoveries) out.push(`  ${f6(r.rel).padStart(12)}  S${r.session}  attempt ${r.attempt} after ${r.delayMs} ms (${r.reason})`);
  }

  out.push("", "Anomalies");
  if (j.anomalies.length === 0) out.push("  none");
  for (const a of j.anomalies) {
    out.push(`  ${a.kind.padEnd(22)} ${a.count}`);
    for (const e of a.examples) out.push(`      ${e}`);
  }

  out.push("", "TCP and capture");
  const t = c.trouble;
  out.push(`  retransmissions ${t.retransmission}, overlaps ${t["overlap-conflict"]}, out of order ${t["out-of-order"]}, duplicate ACKs ${t["duplicate-ack"]}, zero windows ${t["zero-window"]}, out of window ${t["out-of-window"]}`);
  out.push(`  gaps ${c.gaps} (${formatBytes(c.gapBytes)} not in capture), malformed ${c.malformed} (${formatBytes(c.malformedBytes)} skipped), digest errors ${c.digestErrors}, file warnings ${c.warnings}`);
  return out.join("\n");
}

function indent(s: string): string {
  return s.split("\n").map((l) => `  ${l}`).join("\n");
}
