/**
 * `iscsiscope demo`: the whole tool on one machine with nothing configured. It starts a
 * private tgtd on loopback (installing Debian's tgt when absent and we are root), discovers
 * and logs in, runs a mixed workload during which tgtd drops the connection (so the
 * recovery shows), logs out, and prints what the probes saw: the state transitions with
 * their RFC labels, the disconnect and its reason, the negotiated keys, the counters, the
 * latency.
 */
import type { ProbeBus } from "../probe/bus.js";
import type { DisconnectArgs, LoginResultArgs, SessionRecoveryArgs, StateChangeArgs } from "../probe/catalog.js";
import type { ConnRef, SessionRef } from "../probe/types.js";
import type { SessionParams } from "../login/params.js";
import { probeArgsJson } from "../probe/json.js";
import { IscsiStats } from "../stat/collector.js";
import { Log2Histogram } from "../stat/histogram.js";
import { secondsOption, type CommandSpec, type Parsed } from "./args.js";
import { runWorkload, type WorkloadResult } from "../initiator/workload.js";
import { formatBenchResult } from "./cmd-bench.js";
import { commandRig, formatNs, formatTable, printJson } from "./common.js";
import { formatQuantize } from "./quantize.js";
import { ensureTools } from "./peers/install.js";
import { startTgtd, type Tgtd } from "./peers/tgtd.js";
import { UsageError } from "./usage-error.js";

export const DEMO: CommandSpec = {
  name: "demo",
  summary: "start a private tgtd on loopback, run a workload through the initiator, show what the probes saw",
  usage: "iscsiscope demo [--time S] [--json] [--trace FILE]",
  options: {
    time: { type: "string", arg: "S", help: "length of the workload (default 8 s)" },
    json: { type: "boolean", help: "machine-readable output (JSON)" },
    trace: { type: "string", arg: "FILE", help: "write every probe as NDJSON to FILE" },
  },
  positionals: [],
  required: 0,
  help: `Needs Debian's tgt (tgtd, tgtadm); as root the demo installs it with apt-get.
Nothing outside a temporary directory is touched; the target listens on 127.0.0.1 only.`,
};

const TARGET = "iqn.2026-11.io.iscsiscope:demo";

/** What the demo listens for on the bus, besides the counters. */
interface Seen {
  t0: bigint | undefined;
  timeline: string[];
  disconnects: DisconnectArgs[];
  recoveries: SessionRecoveryArgs[];
  logins: LoginResultArgs[];
  latency: { read: Log2Histogram; write: Log2Histogram };
  probes: number;
}

function watch(bus: ProbeBus): Seen {
  const seen: Seen = { t0: undefined, timeline: [], disconnects: [], recoveries: [], logins: [],
    latency: { read: new Log2Histogram(), write: new Log2Histogram() }, probes: 0 };
  const rel = (t: bigint) => `+${(Number(t - (seen.t0 ??= t)) / 1e9).toFixed(3)}s`;
  bus.subscribe("iscsi:::", () => { seen.probes++; });
  const line = (t: bigint, what: string, move: string, rfc: string, detail: string | undefined) =>
    seen.timeline.push(`${rel(t).padStart(9)}  ${what.padEnd(12)} ${move.padEnd(28)} ${rfc.padEnd(4)} ${detail ?? ""}`.trimEnd());
  bus.on("session:state-change", (a: StateChangeArgs<SessionRef, string>) =>
    line(a.t, `session ${a.ref.oid}`, `${a.from} -> ${a.to}`, a.rfc, a.detail));
  bus.on("conn:state-change", (a: StateChangeArgs<ConnRef, string>) =>
    line(a.t, `  conn ${a.ref.session.oid}.${a.ref.cid}`, `${a.from} -> ${a.to}`, a.rfc, a.detail));
  bus.on("conn:disconnect", (a) => { seen.disconnects.push(a); line(a.t, `  conn ${a.conn.session.oid}.${a.conn.cid}`, `disconnect: ${a.reason}`, "", a.detail); });
  bus.on("session:recovery", (a) => { seen.recoveries.push(a); line(a.t, `session ${a.session.oid}`, `recovery attempt ${a.attempt}`, "", `in ${a.delayMs} ms`); });
  bus.on("login:result", (a) => { seen.logins.push(a); });
  bus.on("task:done", (a) => {
    if (a.status === undefined) return;
    const h = a.task.dir === "write" ? seen.latency.write : seen.latency.read;
    h.add(Number(a.t - a.queuedT));
  });
  return seen;
}

/** tgtd with one target and two LUNs on sparse files in its own temporary directory. */
async function privateTarget(): Promise<Tgtd> {
  const { missing, command } = ensureTools(["tgtd", "tgtadm"], { install: true, quiet: true, log: (l) => console.error(`iscsiscope demo: ${l}`) });
  if (missing.length > 0) throw new UsageError(`the demo needs Debian's tgt (${missing.join(", ")} not found); as root run: ${command}`, 1);
  const tgtd = await startTgtd();
  await tgtd.addTarget({ iqn: TARGET, luns: [{ size: "256M" }, { size: "64M" }] });
  return tgtd;
}

export async function runDemo(p: Parsed): Promise<number> {
  const seconds = secondsOption(p.values.time, "time", 8);
  let tgtd: Tgtd | undefined;
  const rig = await commandRig(p.values);
  const stats = new IscsiStats(rig.bus);
  const seen = watch(rig.bus);
  try {
    tgtd = await privateTarget();
    const portal = `127.0.0.1:${tgtd.port}`;
    if (!p.values.json) console.log(`iscsiscope demo: a private tgtd on ${portal}, target ${TARGET}, LUN 1 (256 MiB) and LUN 2 (64 MiB)\n`);
    const found = await rig.ini.discover(portal);
    const s = await rig.ini.login({ targetName: found[0].targetName, portals: found[0].portals, queueDepth: 16 });
    const t = tgtd;
    const drop = setTimeout(() => void dropConnection(t), (seconds * 1000) / 2);
    const mixed = await runWorkload(s, { lun: 1, rw: "randrw", bs: 4096, qd: 16, seconds: seconds * 0.75, rwmix: 70, verify: true });
    clearTimeout(drop);
    const seq = await runWorkload(s, { lun: 2, rw: "write", bs: 1 << 20, qd: 4, seconds: seconds * 0.25 });
    await s.logout();
    const snapshot = stats.snapshot();
    if (p.values.json) printJson({ portal, target: TARGET, discovered: found, workloads: [mixed, seq], timeline: seen.timeline, disconnects: seen.disconnects.map((d) => probeArgsJson(d)), params: s.params, kstats: snapshot, probes: seen.probes });
    else printReport(seen, [mixed, seq], snapshot, found.length, s.params);
    return mixed.errors + mixed.verifyMismatches + seq.errors > 0 ? 1 : 0;
  } finally {
    stats.close();
    await rig.close();
    await tgtd?.stop();
  }
}

/** Have tgtd drop our connection (`tgtadm --op delete --mode conn`), as an admin or a failover would. */
async function dropConnection(tgtd: Tgtd): Promise<void> {
  const show = await tgtd.showTarget();
  for (const target of show.targets) {
    for (const sess of target.sessions) {
      for (const c of sess.connections) await tgtd.dropConnection(target.tid, sess.sid, c.cid).catch(() => undefined);
    }
  }
}

/** The session's parameters in force, with RFC key names, both data segment limits. */
export function formatParams(p: SessionParams): string {
  const yn = (b: boolean) => (b ? "Yes" : "No");
  return [
    `HeaderDigest=${p.headerDigest ? "CRC32C" : "None"}`, `DataDigest=${p.dataDigest ? "CRC32C" : "None"}`,
    `InitialR2T=${yn(p.initialR2T)}`, `ImmediateData=${yn(p.immediateData)}`, `FirstBurstLength=${p.firstBurstLength}`,
    `MaxBurstLength=${p.maxBurstLength}`, `MaxRecvDataSegmentLength=${p.maxRecvDataSegmentLength} (ours) / ${p.maxXmitDataSegmentLength} (target's)`,
    `MaxOutstandingR2T=${p.maxOutstandingR2T}`, `ErrorRecoveryLevel=${p.errorRecoveryLevel}`,
    `DefaultTime2Wait=${p.defaultTime2Wait}`, `DefaultTime2Retain=${p.defaultTime2Retain}`,
  ].join(" ");
}

function printReport(seen: Seen, work: WorkloadResult[], kstats: ReturnType<IscsiStats["snapshot"]>, targets: number, params: SessionParams | undefined): void {
  const login = seen.logins.find((l) => l.conn.session.type === "Normal");
  console.log(`Discovery found ${targets} target(s). Login: ${login?.status}, TSIH ${login?.tsih}, in ${login ? formatNs(login.durationNs) : "?"}`);
  if (params) console.log(`Negotiated: ${formatParams(params)}\n`);
  console.log("State transitions (RFC 7143 labels), disconnects and recovery:");
  for (const l of seen.timeline) console.log(`  ${l}`);
  for (const d of seen.disconnects.filter((x) => x.reason !== "user-logout")) {
    const rec = seen.recoveries.find((r) => r.t >= d.t);
    console.log(`\n  ${d.reason}: ${d.detail}; ${d.inFlight} command(s) in flight, last receive ${d.sinceLastRxNs === null ? "never" : `${formatNs(d.sinceLastRxNs)} before`}` +
      (rec ? `; the session came back after attempt ${rec.attempt} (hold ${rec.delayMs} ms), the commands in flight were sent again` : ""));
  }
  console.log("\nWorkloads:");
  for (const w of work) console.log(formatBenchResult(w, TARGET).split("\n").map((l) => `  ${l}`).join("\n"));
  const conn = kstats.filter((k) => k.class === "iscsi_conn" && Number(k.data.tx_pdus) > 0 && k.instance === kstats.find((x) => x.class === "iscsi_sess" && x.data.type === "Normal")?.instance);
  const sums: Record<string, number> = {};
  for (const k of conn) for (const [n, v] of Object.entries(k.data)) if (typeof v === "number" && /_pdus$|_octets$|bytes$|_err/.test(n)) sums[n] = (sums[n] ?? 0) + v;
  console.log("\nCounters of the normal session, all its connections (iscsistat -p names):");
  console.log(formatTable(["statistic", "value"], Object.entries(sums).filter(([, v]) => v > 0).map(([n, v]) => [n, v])).split("\n").map((l) => `  ${l}`).join("\n"));
  console.log("\nLatency from queued to status, as the task:done probe saw it (ns):");
  for (const [op, h] of Object.entries(seen.latency)) {
    if (h.count === 0) continue;
    console.log(`  ${op}: ${h.count} commands, p50 <= ${formatNs(h.percentile(50))}, p99 <= ${formatNs(h.percentile(99))}, max ${formatNs(h.max)}`);
    console.log(formatQuantize(h).split("\n").map((l) => `    ${l}`).join("\n"));
  }
  console.log(`\n${seen.probes} probe events in all; --trace FILE writes each as NDJSON.`);
}
