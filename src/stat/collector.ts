/**
 * kstat-like counters per session, connection and LUN, fed only from the probe bus, so a
 * live initiator and a replayed capture produce the same numbers. Names follow illumos
 * (`iscsi_sess_<oid>`, `iscsi_sess_io_<oid>`, `iscsi_conn_<oid>_<cid>`) with per-LUN
 * `iscsi_lun_io_<oid>_<lun>`; per-PDU statistics keep open-iscsi's names, every one counted.
 *
 * @example
 * const stats = new IscsiStats(bus);      // subscribes
 * // ... I/O ...
 * for (const k of stats.snapshot()) console.log(k.name, k.data);
 * stats.close();
 */
import type { AnyProbeArgs, Probe, ProbeBus } from "../probe/bus.js";
import type {
  AnomalyArgs, DisconnectArgs, LoginResultArgs, NopRttArgs, PduArgs, SessionRecoveryArgs, StateChangeArgs,
  TaskDoneArgs, TimerArgs,
} from "../probe/catalog.js";
import type { ConnRef, Ns, ProbeModule, SessionRef, TaskRef, TaskState } from "../probe/types.js";
import { Log2Histogram } from "./histogram.js";
import { KstatIo, type Kstat, type KstatValue } from "./kstat.js";

/** open-iscsi's per-PDU statistic for each PDU kind, by direction. */
const PDU_STAT: Record<string, string> = {
  "nop-out": "noptx_pdus", "scsi-command": "scsicmd_pdus", "task-request": "tmfcmd_pdus",
  "login-request": "login_pdus", "text-request": "text_pdus", "data-out": "dataout_pdus",
  "logout-request": "logout_pdus", "snack": "snack_pdus", "nop-in": "noprx_pdus",
  "scsi-response": "scsirsp_pdus", "task-response": "tmfrsp_pdus", "login-response": "loginrsp_pdus",
  "text-response": "textrsp_pdus", "data-in": "datain_pdus", "logout-response": "logoutrsp_pdus",
  "r2t": "r2t_pdus", "async-message": "async_pdus", "reject": "rjt_pdus", "vendor": "vendor_pdus",
};

const CONN_COUNTERS = [
  "txdata_octets", "rxdata_octets", ...new Set(Object.values(PDU_STAT)), "digest_err", "timeout_err",
  "err_header_digest", "err_data_digest", "err_connection_reset", "err_protocol_error",
  "cntr_tx_bytes", "cntr_rx_bytes", "tx_pdus", "rx_pdus", "anomalies", "nop_pings", "nop_rtt_last_ns",
] as const;

const SESS_COUNTERS = [
  "cntr_conn", "cntr_reset", "logins", "login_failures", "reconnects", "disconnects", "errors",
  "cmd_timeouts", "cmd_aborts", "cmd_errors", "status_good", "status_check_condition", "status_busy",
  "status_reservation_conflict", "status_task_set_full", "status_other", "window_closed",
] as const;

interface ConnStats {
  crtime: number;
  ref: ConnRef;
  c: Record<string, number>;
}

interface LunStats {
  crtime: number;
  io: KstatIo;
  hist: { read: Log2Histogram; write: Log2Histogram; other: Log2Histogram };
}

interface SessStats {
  crtime: number;
  ref: SessionRef;
  c: Record<string, number>;
  disconnectReasons: Record<string, number>;
  io: KstatIo;
  hist: { read: Log2Histogram; write: Log2Histogram; other: Log2Histogram };
  conns: Map<number, ConnStats>;
  luns: Map<number, LunStats>;
  cmdSN: number;
  expCmdSN: number;
  maxCmdSN: number;
  lastDisconnect: DisconnectArgs | undefined;
}

function zero(keys: readonly string[]): Record<string, number> {
  return Object.fromEntries(keys.map((k) => [k, 0]));
}

function hists() {
  return { read: new Log2Histogram(), write: new Log2Histogram(), other: new Log2Histogram() };
}

export class IscsiStats {
  private readonly sessions = new Map<number, SessStats>();
  private readonly offs: Array<() => void> = [];
  /** Times are kept relative to this base so that they stay exact in a double. */
  private base: Ns | undefined;
  private lastT: Ns = 0n;

  /** Subscribe to `bus`; `module` limits it to live ("initiator") or replayed ("pcap") probes. */
  constructor(bus: ProbeBus, module?: ProbeModule) {
    const on = (key: string, fn: (a: never) => void) => {
      this.offs.push(bus.subscribe(module ? `iscsi:${module}:${key}` : key, fn as unknown as (a: AnyProbeArgs, p: Probe<AnyProbeArgs>) => void));
    };
    on("pdu:send", (a: PduArgs) => this.pdu(a, true));
    on("pdu:receive", (a: PduArgs) => this.pdu(a, false));
    on("session:state-change", (a: StateChangeArgs<SessionRef, string>) => this.sess(a.ref, a.t));
    on("conn:state-change", (a: StateChangeArgs<ConnRef, string>) => this.connState(a));
    on("task:state-change", (a: StateChangeArgs<TaskRef, TaskState>) => this.taskState(a));
    on("task:done", (a: TaskDoneArgs) => this.taskDone(a));
    on("conn:disconnect", (a: DisconnectArgs) => this.disconnect(a));
    on("conn:nop-rtt", (a: NopRttArgs) => this.nopRtt(a));
    on("login:result", (a: LoginResultArgs) => this.loginResult(a));
    on("session:recovery", (a: SessionRecoveryArgs) => { this.sess(a.session, a.t).c.reconnects++; });
    on("timer:expire", (a: TimerArgs) => this.timer(a));
    on("anomaly:*", (a: AnomalyArgs) => this.anomaly(a));
  }

  close(): void {
    for (const off of this.offs.splice(0)) off();
  }

  private rel(t: Ns): number {
    this.base ??= t;
    if (t > this.lastT) this.lastT = t;
    return Number(t - this.base);
  }

  private epoch(rel: number): number {
    return Number(this.base ?? 0n) + rel;
  }

  private sess(ref: SessionRef, t: Ns): SessStats {
    let s = this.sessions.get(ref.oid);
    if (!s) {
      s = {
        crtime: this.rel(t), ref, c: zero(SESS_COUNTERS), disconnectReasons: {}, io: new KstatIo(), hist: hists(),
        conns: new Map(), luns: new Map(), cmdSN: 0, expCmdSN: 0, maxCmdSN: 0, lastDisconnect: undefined,
      };
      this.sessions.set(ref.oid, s);
    }
    return s;
  }

  private conn(ref: ConnRef, t: Ns): ConnStats {
    const s = this.sess(ref.session, t);
    let c = s.conns.get(ref.cid);
    if (!c || c.ref !== ref) {
      c = { crtime: this.rel(t), ref, c: zero(CONN_COUNTERS) };
      s.conns.set(ref.cid, c);
      s.c.cntr_conn++;
    }
    return c;
  }

  private lun(s: SessStats, lun: number, t: Ns): LunStats {
    let l = s.luns.get(lun);
    if (!l) {
      l = { crtime: this.rel(t), io: new KstatIo(), hist: hists() };
      s.luns.set(lun, l);
    }
    return l;
  }

  private pdu(a: PduArgs, tx: boolean): void {
    const c = this.conn(a.conn, a.t).c;
    const p = a.pdu;
    c[PDU_STAT[p.kind]]++;
    if (tx) {
      c.tx_pdus++;
      c.cntr_tx_bytes += a.wireLength;
      if (p.kind === "data-out" || p.kind === "scsi-command") c.txdata_octets += p.data.length;
      if (p.kind === "scsi-command") this.sess(a.conn.session, a.t).cmdSN = (p.cmdSN + 1) >>> 0;
    } else {
      c.rx_pdus++;
      c.cntr_rx_bytes += a.wireLength;
      if (p.kind === "data-in") c.rxdata_octets += p.data.length;
      if ("maxCmdSN" in p) {
        const s = this.sess(a.conn.session, a.t);
        s.expCmdSN = p.expCmdSN;
        if (s.maxCmdSN !== p.maxCmdSN && ((p.maxCmdSN + 1) >>> 0) === p.expCmdSN) s.c.window_closed++;
        s.maxCmdSN = p.maxCmdSN;
      }
    }
  }

  private connState(a: StateChangeArgs<ConnRef, string>): void {
    this.conn(a.ref, a.t);
  }

  /** Queue accounting from task transitions: PENDING is the wait queue, ACTIVE/ABORTING the run queue. */
  private taskState(a: StateChangeArgs<TaskRef, TaskState>): void {
    const s = this.sess(a.ref.session, a.t);
    const l = this.lun(s, a.ref.lun, a.t);
    const t = this.rel(a.t);
    const running = (x: string) => x === "ACTIVE" || x === "ABORTING";
    for (const io of [s.io, l.io]) {
      if (a.from === "PENDING") io.waitExit(t);
      if (running(a.from) && !running(a.to)) io.runExit(t);
      if (a.to === "PENDING") io.waitEnter(t);
      if (running(a.to) && !running(a.from)) io.runEnter(t);
    }
  }

  private taskDone(a: TaskDoneArgs): void {
    const s = this.sess(a.task.session, a.t);
    const l = this.lun(s, a.task.lun, a.t);
    const dir = a.task.dir;
    if (a.status === undefined) {
      s.c.cmd_errors++;
      s.c.errors++;
      if (a.error === "ERR_TASK_ABORTED") s.c.cmd_aborts++;
    } else {
      const name = STATUS_STAT[a.status] ?? "status_other";
      s.c[name]++;
      if (a.status !== 0) s.c.errors++;
    }
    const ns = Number(a.t - a.queuedT);
    const op = dir === "read" ? "read" : dir === "write" ? "write" : "other";
    for (const x of [s, l]) {
      if (dir === "read") { x.io.reads++; x.io.nread += a.bytes; }
      if (dir === "write") { x.io.writes++; x.io.nwritten += a.bytes; }
      x.hist[op].add(ns);
    }
  }

  private disconnect(a: DisconnectArgs): void {
    const s = this.sess(a.conn.session, a.t);
    s.c.disconnects++;
    s.disconnectReasons[a.reason] = (s.disconnectReasons[a.reason] ?? 0) + 1;
    s.lastDisconnect = a;
    const c = this.conn(a.conn, a.t).c;
    if (a.reason === "connection-reset") c.err_connection_reset++;
    if (a.reason !== "user-logout" && a.reason !== "shutdown") s.c.errors++;
  }

  private nopRtt(a: NopRttArgs): void {
    const c = this.conn(a.conn, a.t).c;
    c.nop_pings++;
    c.nop_rtt_last_ns = Number(a.rttNs);
  }

  private loginResult(a: LoginResultArgs): void {
    const s = this.sess(a.conn.session, a.t);
    if (a.statusClass === 0) {
      s.c.logins++;
      if (s.c.logins > 1) s.c.cntr_reset++;
    } else {
      s.c.login_failures++;
    }
  }

  private timer(a: TimerArgs): void {
    if (a.conn) this.conn(a.conn, a.t).c.timeout_err++;
    const ref = a.session ?? a.conn?.session ?? a.task?.session;
    if (ref && a.timer === "command") this.sess(ref, a.t).c.cmd_timeouts++;
  }

  private anomaly(a: AnomalyArgs): void {
    const c = this.conn(a.conn, a.t).c;
    c.anomalies++;
    if (a.kind === "header-digest-error") { c.digest_err++; c.err_header_digest++; }
    else if (a.kind === "data-digest-error") { c.digest_err++; c.err_data_digest++; }
    else if (a.kind !== "reject") c.err_protocol_error++;
  }

  /** Every kstat, brought up to `now` (ns since the epoch; default the last event seen). */
  snapshot(now: Ns = this.lastT): Kstat[] {
    const out: Kstat[] = [];
    const t = this.base === undefined ? 0 : Math.max(0, Number(now - this.base));
    const snaptime = this.epoch(t);
    for (const [oid, s] of this.sessions) {
      s.io.update(t);
      out.push(this.sessKstat(oid, s, snaptime));
      out.push({ module: "iscsi", instance: oid, name: `iscsi_sess_io_${oid}`, class: "iscsi_sess_io", crtime: this.epoch(s.crtime), snaptime,
        data: s.io.toData(), hist: histJson(s.hist) });
      for (const [cid, c] of s.conns) {
        out.push({ module: "iscsi", instance: oid, name: `iscsi_conn_${oid}_${cid}`, class: "iscsi_conn", crtime: this.epoch(c.crtime), snaptime,
          data: { state: c.ref.state, cid, local: c.ref.local, remote: c.ref.remote, ...c.c } });
      }
      for (const [lun, l] of s.luns) {
        l.io.update(t);
        out.push({ module: "iscsi", instance: oid, name: `iscsi_lun_io_${oid}_${lun}`, class: "iscsi_lun_io", crtime: this.epoch(l.crtime), snaptime,
          data: { lun, ...l.io.toData() }, hist: histJson(l.hist) });
      }
    }
    return out;
  }

  private sessKstat(oid: number, s: SessStats, snaptime: number): Kstat {
    const r = s.ref;
    const data: Record<string, KstatValue> = {
      state: r.state, oid, type: r.type, target_name: r.targetName, initiator_name: r.initiatorName,
      isid: r.isid.toString(16).padStart(12, "0"), tsih: r.tsih, cmd_sn: s.cmdSN, cmd_sn_exp: s.expCmdSN, cmd_sn_max: s.maxCmdSN,
      cntr_pkt_pending: s.io.wcnt, cntr_qactive: s.io.rcnt, ...s.c,
    };
    for (const [reason, n] of Object.entries(s.disconnectReasons)) data[`disconnect_${reason.replace(/-/g, "_")}`] = n;
    if (s.lastDisconnect) {
      data.last_disconnect_reason = s.lastDisconnect.reason;
      data.last_disconnect_detail = s.lastDisconnect.detail;
    }
    return { module: "iscsi", instance: oid, name: `iscsi_sess_${oid}`, class: "iscsi_sess", crtime: this.epoch(s.crtime), snaptime, data };
  }
}

const STATUS_STAT: Record<number, string> = {
  0x00: "status_good", 0x02: "status_check_condition", 0x08: "status_busy",
  0x18: "status_reservation_conflict", 0x28: "status_task_set_full",
};

function histJson(h: { read: Log2Histogram; write: Log2Histogram; other: Log2Histogram }): Kstat["hist"] {
  return { read: h.read.toJSON(), write: h.write.toJSON(), other: h.other.toJSON() };
}
