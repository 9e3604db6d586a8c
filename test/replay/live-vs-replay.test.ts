/**
 * The proof of the replay: a live run of our initiator against tgtd, captured by tcpdump,
 * replayed from the capture. The probe stream the replay fires (module pcap) must equal the
 * one the initiator fired (module initiator) — transitions, logins and their keys, commands
 * with their status, disconnect reasons, recovery, discovery, NOP round trips, PDUs per
 * connection and the counters built from them — except for what the wire cannot show:
 *
 * - times: the probe `t` (the initiator's clock vs the capture's), login and connect durations,
 *   NOP round-trip values, queue and R2T waits, iostat times;
 * - timer:expire (timers are not on the wire) and the counters built from it;
 * - session:recovery's delayMs (the hold the initiator planned vs the one the capture shows:
 *   checked to be at least the planned one);
 * - conn:disconnect's detail text and inFlight (commands written after the target's FIN and
 *   before the initiator read it are in flight live, and taken back at once in the replay);
 * - task:queued's time (a command is queued where the wire shows it sent);
 * - commands sent into the target's reset (see sentIntoReset): when the live run hits that
 *   race, it runs again (at most three more times) rather than compare what never left.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Initiator } from "../../src/initiator/initiator.js";
import { ProbeBus, type AnyProbeArgs, type Probe } from "../../src/probe/bus.js";
import type { ConnRef, ProbeModule, SessionRef, TaskRef } from "../../src/probe/types.js";
import { replayCapture } from "../../src/replay/index.js";
import { IscsiStats } from "../../src/stat/collector.js";
import type { Kstat } from "../../src/stat/kstat.js";
import { startCapture } from "../helpers/tcpdump.js";
import { withTgtd, type Tgtd } from "../helpers/tgtd.js";

const IQN = {
  main: "iqn.2026-11.io.iscsiscope.test:replay-main",
  r2t: "iqn.2026-11.io.iscsiscope.test:replay-r2t",
  chap: "iqn.2026-11.io.iscsiscope.test:replay-chap",
};
const CHAP = { user: "replay-user", secret: "replay-secret-12" };

/** What a probe stream is reduced to: everything visible on the wire, by session and connection ordinal. */
interface Streams {
  lines: Map<string, string[]>;
  recoveryDelays: number[];
  /** Anomalies with their details, for the failure message. */
  anomalies: string[];
}

/** Records a module's probes as comparable lines, naming sessions S1, S2, ... in order of appearance. */
function record(bus: ProbeBus, module: ProbeModule): Streams {
  const sessions = new Map<SessionRef, string>();
  const conns = new Map<ConnRef, string>();
  const taskLog = new Map<TaskRef, string[]>();
  const out: Streams = { lines: new Map(), recoveryDelays: [], anomalies: [] };
  const S = (s: SessionRef) => {
    let n = sessions.get(s);
    if (!n) sessions.set(s, (n = `S${sessions.size + 1}`));
    return n;
  };
  const C = (c: ConnRef) => {
    let n = conns.get(c);
    if (!n) conns.set(c, (n = `${S(c.session)}.c${[...conns.keys()].filter((x) => x.session === c.session).length + 1}`));
    return n;
  };
  const push = (cat: string, line: string) => {
    const l = out.lines.get(cat) ?? [];
    l.push(line);
    out.lines.set(cat, l);
  };
  const sense = (x: { key: number; asc: number; ascq: number } | undefined) => (x ? `${x.key}/${x.asc}/${x.ascq}` : "-");
  bus.subscribe(`iscsi:${module}::`, (a: AnyProbeArgs, p: Probe<AnyProbeArgs>) => {
    const x = a as unknown as Record<string, unknown>;
    switch (p.key) {
      case "session:state-change": {
        const s = x.ref as SessionRef;
        return push(`session ${S(s)}`, `${x.from}->${x.to} ${x.rfc} tsih=${s.tsih} isid=${s.isid.toString(16)} ${s.type} ${s.targetName}`);
      }
      case "conn:state-change": return push(`conn ${C(x.ref as ConnRef)}`, `${x.from}->${x.to} ${x.rfc} cid=${(x.ref as ConnRef).cid}`);
      case "task:state-change": {
        const t = x.ref as TaskRef;
        const l = taskLog.get(t) ?? [];
        l.push(`${x.rfc}`);
        taskLog.set(t, l);
        if (x.to === "FREE") push(`tasks ${S(t.session)}`, `itt=${t.itt} ${l.join(",")}`);
        return;
      }
      case "task:done": {
        const t = x.task as TaskRef;
        return push(`done ${S(t.session)}`, `itt=${t.itt} cmdSN=${t.cmdSN} lun=${t.lun} op=${t.op} lba=${t.lba} len=${t.length} ${t.dir} ` +
          `response=${x.response} status=${x.status} sense=${sense(x.sense as never)} error=${x.error} bytes=${x.bytes} residual=${x.residual} ` +
          `firstData=${x.firstDataT !== undefined}`);
      }
      case "task:r2t": return push(`r2t ${S((x.task as TaskRef).session)}`, `itt=${(x.task as TaskRef).itt} sn=${x.r2tSN} off=${x.bufferOffset} len=${x.desiredDataTransferLength}`);
      case "task:xfer-start": case "task:xfer-done":
        return push(`${p.key} ${S((x.task as TaskRef).session)}`, `itt=${(x.task as TaskRef).itt} ${x.dir} off=${x.bufferOffset} len=${x.length}`);
      case "task:sent": case "task:first-data": return push(`${p.key} ${S((x.task as TaskRef).session)}`, `itt=${(x.task as TaskRef).itt}`);
      case "task:queued": return push(`${p.key} ${S((x.task as TaskRef).session)}`, `op=${(x.task as TaskRef).op} lba=${(x.task as TaskRef).lba}`);
      case "conn:disconnect": return push(`disconnect ${C(x.conn as ConnRef)}`, `${x.reason} status=${x.statusClass}/${x.statusDetail}`);
      case "conn:nop-rtt": return push(`nop-rtt ${C(x.conn as ConnRef)}`, "rtt");
      case "login:start": return push(`login ${C(x.conn as ConnRef)}`, `start attempt=${x.attempt}`);
      case "login:stage": return push(`login ${C(x.conn as ConnRef)}`, `stage ${x.csg}->${x.nsg} T=${x.transit}`);
      case "login:result": return push(`login ${C(x.conn as ConnRef)}`, `result ${x.status} tsih=${x.tsih} redirect=${x.redirectedTo}`);
      case "login:key": return push(`keys ${C(x.conn as ConnRef)}`, `${x.key} by ${x.proposer} offered=${x.offered} answered=${x.answered} result=${x.result} rule=${x.rule}`);
      case "discovery:target": return push(`discovery ${C(x.conn as ConnRef)}`, `${x.targetName} ${x.address}`);
      case "net:connect": return push(`connect ${C(x.conn as ConnRef)}`, `${x.host}:${x.port} ok=${x.ok} ${x.error ?? ""}`);
      case "session:recovery":
        out.recoveryDelays.push(x.delayMs as number);
        return push(`recovery ${S(x.session as SessionRef)}`, `attempt=${x.attempt} reason=${x.reason}`);
      case "pdu:send": case "pdu:receive": {
        const pdu = x.pdu as { kind: string; itt?: number };
        // Per direction: how sends and receives interleave depends on when each side looked.
        return push(`${p.key} ${C(x.conn as ConnRef)}`, `${pdu.kind} itt=${pdu.itt} ${x.wireLength}`);
      }
      case "timer:expire": case "fsm:unhandled": return;
      default:
        if (p.fn === "anomaly") {
          out.anomalies.push(`${C(x.conn as ConnRef)} ${x.kind}: ${x.detail}`);
          return push(`anomaly ${C(x.conn as ConnRef)}`, `${x.kind}`);
        }
        if (p.fn === "pdu") return push(`${p.key} ${C(x.conn as ConnRef)}`, `itt=${(x.pdu as { itt?: number }).itt}`);
        return push(p.key, "?");
    }
  });
  return out;
}

/** Kstats with the times and the timer-fed counters left out, by session ordinal. */
function counters(stats: IscsiStats): Record<string, Record<string, unknown>> {
  const TIMES = new Set(["crtime", "snaptime", "nop_rtt_last_ns", "timeout_err", "cmd_timeouts", "last_disconnect_detail",
    "wtime", "wlentime", "wlastupdate", "rtime", "rlentime", "rlastupdate", "wsvc_ns", "asvc_ns"]);
  const bySession = new Map<number, number>();
  const out: Record<string, Record<string, unknown>> = {};
  for (const k of stats.snapshot()) {
    if (!bySession.has(k.instance)) bySession.set(k.instance, bySession.size + 1);
    const name = k.name.replace(/_\d+(_\d+)?$/, (_m, rest: string | undefined) => `_S${bySession.get(k.instance)}${rest ?? ""}`);
    out[name] = Object.fromEntries(Object.entries(k.data as Kstat["data"]).filter(([f]) => !TIMES.has(f) && f !== "oid"));
  }
  return out;
}

interface Run {
  live: Streams;
  replayed: Streams;
  liveStats: IscsiStats;
  replayStats: IscsiStats;
  stats: Awaited<ReturnType<typeof replayCapture>>["stats"];
}

/** One live run against the three targets, captured, then replayed from the capture. */
async function liveAndReplay(t: TestContext, tgtd: Tgtd, main: number): Promise<Run> {
  const cap = await startCapture({ port: tgtd.port, bufferKiB: 65536 });
  t.after(() => cap.remove());

  const liveBus = new ProbeBus();
  const live = record(liveBus, "initiator");
  const liveStats = new IscsiStats(liveBus, "initiator");
  const ini = new Initiator({ bus: liveBus });
  const portal = { host: "127.0.0.1", port: tgtd.port };
  try {
    // Discovery, then a login refused by CHAP.
    await ini.discover(`127.0.0.1:${tgtd.port}`);
    await assert.rejects(ini.login({ targetName: IQN.chap, portals: [portal], auth: { chap: { user: CHAP.user, secret: "wrong-secret-1234" } } }));
    // A session with I/O, NOP pings both ways, a dropped connection under load and the recovery.
    const s = await ini.login({ targetName: IQN.main, portals: [portal], timeouts: { nopIntervalMs: 250, nopTimeoutMs: 5000 } });
    const data = randomBytes(256 * 1024);
    await s.write(1, 1000, data);
    assert.ok(Buffer.from(await s.read(1, 1000, data.length / 512)).equals(data));
    await Promise.all(Array.from({ length: 64 }, (_, i) => s.read(1, (i * 37) % 4096, 8)));
    await sleep(1300); // idle: our pings (250 ms) and tgtd's (1 s)
    const load = Promise.all(Array.from({ length: 48 }, (_, i) => s.read(1, (i * 101) % 8192, 16)));
    await sleep(5);
    const session = (await tgtd.showTarget()).targets.find((x) => x.tid === main)!.sessions[0];
    await tgtd.dropConnection(main, session.sid, session.connections[0].cid);
    await load; // served after the reconnect
    await s.write(1, 5000, data.subarray(0, 64 * 1024));
    await s.logout();
    // The R2T path.
    const w = await ini.login({ targetName: IQN.r2t, portals: [portal], params: { InitialR2T: true, ImmediateData: false } });
    await w.write(1, 0, data.subarray(0, 96 * 1024));
    await w.logout();
  } finally {
    await ini.close();
  }
  await cap.stop();
  assert.equal(cap.dropped, 0, "tcpdump dropped packets: the replay could not see everything");

  const replayBus = new ProbeBus();
  const replayed = record(replayBus, "pcap");
  const replayStats = new IscsiStats(replayBus, "pcap");
  const { stats } = await replayCapture(cap.file, replayBus, { ports: [tgtd.port] });
  return { live, replayed, liveStats, replayStats, stats };
}

/**
 * The one race the wire decides: commands the initiator sent on the dropped connection after
 * the target's FIN, written after the target had answered earlier ones with a RST. The
 * kernel refused them (EPIPE), so they are in the live stream and not on the wire. Named
 * exactly: the replayed sends on that connection are a prefix of the live ones, and the rest
 * are SCSI Commands.
 */
function sentIntoReset(run: Run): boolean {
  const live = run.live.lines.get("pdu:send S3.c1") ?? [];
  const wire = run.replayed.lines.get("pdu:send S3.c1") ?? [];
  return wire.length < live.length && wire.every((l, i) => l === live[i])
    && live.slice(wire.length).every((l) => l.startsWith("scsi-command "));
}

test("tgtd + tcpdump: the probe stream replayed from the capture equals the live one, less what the wire cannot show", (t) => withTgtd(t, {}, async (tgtd) => {
  const main = await tgtd.addTarget({ iqn: IQN.main, luns: [{ size: "64M" }], params: { nop_interval: 1, nop_count: 3 } });
  await tgtd.addTarget({ iqn: IQN.r2t, luns: [{ size: "16M" }], params: { InitialR2T: "Yes", ImmediateData: "No", FirstBurstLength: 8192, MaxBurstLength: 16384, MaxRecvDataSegmentLength: 4096 } });
  await tgtd.addTarget({ iqn: IQN.chap, luns: [{ size: "16M" }], chap: CHAP });

  let run = await liveAndReplay(t, tgtd, main);
  for (let again = 0; again < 3 && sentIntoReset(run); again++) {
    t.diagnostic("commands sent into the target's reset never reached the wire: the live run again");
    run = await liveAndReplay(t, tgtd, main);
  }
  const { live, replayed, liveStats, replayStats, stats } = run;

  assert.ok((live.lines.get("recovery S3") ?? []).length > 0, "the live run recovered from the drop");
  assert.ok((live.lines.get("nop-rtt S3.c1") ?? []).length > 0, "the live run pinged");
  assert.ok([...live.lines.keys()].some((k) => k.startsWith("r2t ")), "the live run took the R2T path");
  assert.deepEqual([...replayed.lines.keys()].sort(), [...live.lines.keys()].sort(), `the same categories of events; anomalies live ${JSON.stringify(live.anomalies)}, replayed ${JSON.stringify(replayed.anomalies)}`);
  for (const [cat, lines] of live.lines) assert.deepEqual(replayed.lines.get(cat), lines, cat);
  assert.equal(replayed.recoveryDelays.length, live.recoveryDelays.length);
  replayed.recoveryDelays.forEach((d, i) => assert.ok(d >= live.recoveryDelays[i] - 1, `recovery hold ${d} ms >= planned ${live.recoveryDelays[i]} ms`));
  assert.deepEqual(counters(replayStats), counters(liveStats));
  assert.deepEqual({ ...stats, connections: 0 }, { sessions: 4, connections: 0, midStreamSessions: 0, unmatched: 0, unplaced: 0, afterEnd: stats.afterEnd, unhandled: 0, outstanding: 0 });
}));
