/**
 * The replay: capture events in (src/capture), probes out with module `pcap` and capture
 * time. It rebuilds sessions from their logins (ISID, TSIH, CID, names, every key and who
 * proposed it), drives the same connection, session and task machines as the initiator
 * (src/fsm) in the order the initiator drives them, and infers why each connection ended
 * from what the wire shows: who closed it (FIN or RST), what was outstanding (a NOP-Out
 * ping, a task management request, a Login or Logout Request) and what went wrong before
 * (digest errors, rejects, malformed PDUs, Async Messages).
 *
 * What the wire cannot show is not invented: timers (no timer:expire), the wait in the
 * initiator's queue (a command is queued and sent when it goes by), the replacement timeout
 * (a session whose reconnect is not in the capture stays FAILED), and session:recovery fires
 * when the reconnect is seen, with the hold measured, not when the initiator decided it.
 */
import type { CaptureEvent, ConnectionInfo, Direction, GapEvent, MalformedEvent, PduEvent, TcpEvent } from "../capture/index.js";
import { FsmError } from "../errors.js";
import { fire, type Machine } from "../fsm/fsm.js";
import { CONNECTION_FSM, type ConnEvent } from "../fsm/connection-fsm.js";
import { SESSION_FSM, type SessionEvent } from "../fsm/session-fsm.js";
import { PDU_PROBE_KEY } from "../probe/catalog.js";
import type { ProbeBus, ProbeSet } from "../probe/bus.js";
import type { AnomalyKind, DisconnectReason, Ns } from "../probe/types.js";
import { RESERVED_TAG } from "../wire/layout.js";
import { LOGOUT_REASON, LOGOUT_RESPONSE, REJECT_REASON, TMF_FUNCTION, codeName } from "../wire/names.js";
import { snAdd, snLt } from "../wire/serial.js";
import type { AsyncMessage, LoginRequest, LoginResponse, LogoutResponse, NopIn, Pdu, Reject } from "../wire/types.js";
import { completeText, formatLoginStatus, parseTargetAddress, publishKeys, publishResult, publishTargets, trackKeys } from "./login.js";
import { ReplayConn, ReplaySession, type ReplayClock } from "./objects.js";
import * as tasks from "./tasks.js";

/** What the replay did, beside the probes. */
export interface ReplayStats {
  sessions: number;
  connections: number;
  /** Sessions whose login is not in the capture (it began mid-session). */
  midStreamSessions: number;
  /** Responses to commands the capture does not hold (sent before it began, or lost in a gap): not anomalies. */
  unmatched: number;
  /** TCP connections to an iSCSI port that carried no PDU and belong to no failed session (probes, refused connects). */
  unplaced: number;
  /** PDUs after their connection had ended (the initiator ignores them too). */
  afterEnd: number;
  /** Transitions the state machine tables refused (fsm:unhandled fired): broken or hostile traffic. */
  unhandled: number;
  /** Commands still outstanding when the capture ended. */
  outstanding: number;
}

export interface ReplayOptions {
  /** Instance number of the first session (default 1). */
  firstOid?: number;
}

/** Per TCP connection: the handshake times until the first PDU places it in a session. */
interface Track {
  info: ConnectionInfo;
  conn: ReplayConn | undefined;
  synT: Ns | undefined;
  synAckT: Ns | undefined;
  /** Directions that have sent FIN or RST. */
  closed: Set<Direction>;
  /** Capture time of its first event (mid-stream grace). */
  firstT: Ns;
  /** Capture time of the last bytes lost from the initiator (an unknown ITT may answer them). */
  lostToTargetT: Ns | undefined;
}

/**
 * Commands answered within this long after the capture began mid-session (or after bytes
 * from the initiator were lost) may have been sent where the capture cannot see: their
 * responses are counted as unmatched, not reported as unknown-ITT anomalies. 30 s is the
 * Linux SCSI layer's default command timeout; a command older than that has been aborted.
 */
const BLIND_NS = 30_000_000_000n;

/**
 * A target NOP-In ping still unanswered this long before the capture ended is reported
 * (initiators answer within milliseconds; a younger one may be answered after the capture).
 */
const PING_GRACE_NS = 1_000_000_000n;

const ANOMALY: { [K in AnomalyKind]: `anomaly:${K}` } = {
  "statsn-gap": "anomaly:statsn-gap", "datasn-gap": "anomaly:datasn-gap", "r2tsn-gap": "anomaly:r2tsn-gap",
  "unknown-itt": "anomaly:unknown-itt", "duplicate-itt": "anomaly:duplicate-itt", "expcmdsn-backwards": "anomaly:expcmdsn-backwards",
  "maxcmdsn-invalid": "anomaly:maxcmdsn-invalid", "header-digest-error": "anomaly:header-digest-error",
  "data-digest-error": "anomaly:data-digest-error", "data-out-beyond-r2t": "anomaly:data-out-beyond-r2t",
  "data-in-offset": "anomaly:data-in-offset", "nop-unanswered": "anomaly:nop-unanswered", "reject": "anomaly:reject",
  "malformed": "anomaly:malformed",
};

/** Malformed-stream reasons that are the target's or initiator's doing, not the capture's. */
const PROTOCOL_MALFORMED = new Set<MalformedEvent["reason"]>(["bad-header", "undecodable", "too-long"]);

function seconds(ns: Ns): string {
  return `${(Number(ns) / 1e9).toFixed(1)} s`;
}

/**
 * Replays capture events onto a bus.
 *
 * @example
 * const bus = new ProbeBus();
 * bus.on("conn:disconnect", (a) => console.log(a.conn.remote, a.reason, a.detail));
 * const replay = new Replay(bus);
 * await decodeCapture("night.pcapng", (e) => replay.push(e));
 * console.log(replay.stats);
 */
export class Replay {
  readonly probes: ProbeSet;
  readonly stats: ReplayStats = {
    sessions: 0, connections: 0, midStreamSessions: 0, unmatched: 0, unplaced: 0, afterEnd: 0, unhandled: 0, outstanding: 0,
  };
  private t: Ns = 0n;
  private readonly clock: ReplayClock = { now: () => this.t };
  private readonly tracks = new Map<ConnectionInfo, Track>();
  /** The latest session of each initiator name and ISID, to find the session a new login belongs to. */
  private readonly byIsid = new Map<string, ReplaySession>();
  private readonly sessions = new Set<ReplaySession>();
  private nextOid: number;
  private finished = false;

  constructor(bus: ProbeBus, opts: ReplayOptions = {}) {
    this.probes = bus.module("pcap");
    this.nextOid = opts.firstOid ?? 1;
  }

  /** The replayed connection of a capture connection, once its first PDU placed it in a session. */
  connOf(info: ConnectionInfo): ReplayConn | undefined {
    return this.tracks.get(info)?.conn;
  }

  /** Replay one capture event (in capture order). */
  push(e: CaptureEvent): void {
    switch (e.type) {
      case "connection":
        this.track(e.conn, e.time);
        return;
      case "tcp":
        this.t = e.time;
        return this.onTcp(this.track(e.conn, e.time), e);
      case "pdu":
        this.t = e.time;
        return this.onPdu(this.track(e.conn, e.time), e);
      case "gap":
        this.t = e.time;
        return this.onGap(this.track(e.conn, e.time), e);
      case "malformed":
        this.t = e.time;
        return this.onMalformed(this.track(e.conn, e.time), e);
      case "end":
        this.finish();
        return;
      default:
        return; // tcp-trouble and file warnings are the capture summary's
    }
  }

  /**
   * The capture ended: target pings left unanswered are reported, outstanding commands
   * counted. Connections still open stay as they are (the capture ended, not they).
   */
  finish(): ReplayStats {
    if (this.finished) return this.stats;
    this.finished = true;
    for (const track of this.tracks.values()) {
      const conn = track.conn;
      if (!conn || conn.ended) continue;
      this.unansweredPings(conn, this.t - PING_GRACE_NS);
    }
    for (const s of this.sessions) this.stats.outstanding += s.tasks.size;
    return this.stats;
  }

  // ---- TCP ----

  private track(info: ConnectionInfo, t: Ns): Track {
    let track = this.tracks.get(info);
    if (!track) {
      track = { info, conn: undefined, synT: undefined, synAckT: undefined, closed: new Set(), firstT: t, lostToTargetT: undefined };
      this.tracks.set(info, track);
    }
    return track;
  }

  private onTcp(track: Track, e: TcpEvent): void {
    if (e.flag === "syn") {
      track.synT ??= e.time;
      return;
    }
    if (e.flag === "syn-ack") {
      track.synAckT ??= e.time;
      return;
    }
    const first = track.closed.size === 0;
    track.closed.add(e.direction);
    if (e.flag === "rst") track.closed.add(e.direction === "initiator->target" ? "target->initiator" : "initiator->target");
    const conn = track.conn;
    if (conn && !conn.ended) {
      const { reason, detail } = this.whyClosed(conn, e);
      this.unansweredPings(conn, this.t);
      this.fail(conn, reason, detail);
    } else if (!conn && first) {
      this.unplacedClose(track, e);
    }
    if (track.closed.size === 2) this.tracks.delete(track.info);
  }

  /** Bytes lost: sequence checks start again, and what was outstanding may have been answered unseen. */
  private onGap(track: Track, e: GapEvent): void {
    const conn = track.conn;
    if (!conn) return;
    if (e.direction === "initiator->target") {
      track.lostToTargetT = e.time;
      conn.targetPings.clear();
    } else {
      conn.statSN.reset();
      conn.pings.clear();
      conn.requests.clear();
      conn.loginPendingT = undefined;
      tasks.forgetSequences(conn);
    }
  }

  private onMalformed(track: Track, e: MalformedEvent): void {
    const conn = track.conn;
    if (!conn || conn.ended || !PROTOCOL_MALFORMED.has(e.reason)) return;
    const who = e.direction === "initiator->target" ? "initiator" : "target";
    this.anomaly(conn, "malformed", `${e.message} (from the ${who}, frame ${e.frame})`);
    conn.trouble = { reason: "protocol-error", detail: `the ${who} sent bytes that are not a valid PDU (${e.reason}, frame ${e.frame})` };
  }

  // ---- PDUs ----

  private onPdu(track: Track, e: PduEvent): void {
    const pdu = e.pdu;
    let conn = track.conn;
    if (!conn) {
      conn = pdu.kind === "login-request" ? this.attachLogin(track, pdu, e.lost > 0) : this.attachMidStream(track);
      track.conn = conn;
    }
    if (conn.ended) return this.afterEnd(conn, e);
    if (e.digestError) {
      // The receiver discards the PDU (ERL 0 then drops the connection, RFC 7143 §7.8).
      const kind = e.headerDigest === "bad" ? "header-digest-error" : "data-digest-error";
      const from = e.direction === "initiator->target" ? "initiator" : "target";
      const detail = `${kind === "header-digest-error" ? "header" : "data"} digest mismatch on a ${pdu.kind} from the ${from} (frame ${e.frame})`;
      this.anomaly(conn, kind, detail);
      conn.trouble = { reason: kind, detail };
      return;
    }
    if (e.direction === "initiator->target") this.fromInitiator(conn, e);
    else this.fromTarget(conn, e);
  }

  /**
   * A PDU after its connection ended. The initiator ignores what arrives then, but what it
   * sent before it noticed the end went out: those fire pdu:send, and a command among them
   * is taken back at once for the reconnect (E1, E2, E7), as the initiator's queue holds it.
   */
  private afterEnd(conn: ReplayConn, e: PduEvent): void {
    this.stats.afterEnd++;
    if (e.direction !== "initiator->target") return;
    const send = () => this.wire(conn, e, "pdu:send");
    if (e.pdu.kind !== "scsi-command" || conn.session.state !== "FAILED" || conn.session.conn !== conn) return send();
    tasks.onCommand(conn, e.pdu, this.anomaly, send);
    tasks.takeBack(conn.session, `connection lost (${conn.session.lastEnd?.reason ?? "closed"})`);
  }

  private wire(conn: ReplayConn, e: PduEvent, key: "pdu:send" | "pdu:receive"): void {
    const gen = this.probes[key];
    const named = this.probes[PDU_PROBE_KEY[e.pdu.kind]];
    if (!gen.hasSubscribers && !named.hasSubscribers) return;
    const args = { conn, pdu: e.pdu, wireLength: e.length, t: e.time };
    if (gen.hasSubscribers) gen.publish(args);
    if (named.hasSubscribers) named.publish(args);
  }

  private fromInitiator(conn: ReplayConn, e: PduEvent): void {
    const pdu = e.pdu;
    const t = e.time;
    const send = () => this.wire(conn, e, "pdu:send");
    switch (pdu.kind) {
      case "login-request":
        if (conn.state === "IN_LOGIN") {
          trackKeys(conn, "initiator", pdu, e.lost > 0);
          const p = this.probes["login:stage"];
          if (p.hasSubscribers) p.publish({ conn, csg: pdu.csg, nsg: pdu.nsg, transit: pdu.transit, t });
          conn.loginPendingT = t;
        }
        return send();
      case "scsi-command":
        return tasks.onCommand(conn, pdu, this.anomaly, send);
      case "data-out":
        send();
        return tasks.onDataOut(conn, pdu, this.anomaly);
      case "nop-out":
        send();
        if (pdu.itt !== RESERVED_TAG) conn.pings.set(pdu.itt, t);
        else if (pdu.ttt !== RESERVED_TAG) conn.targetPings.delete(pdu.ttt);
        return;
      case "text-request": {
        send();
        const sendTargets = new TextDecoder().decode(pdu.data).includes("SendTargets=");
        if (sendTargets || !conn.requests.has(pdu.itt)) {
          conn.requests.set(pdu.itt, { kind: sendTargets ? "sendtargets" : "text", t, detail: "Text Request" });
        }
        return;
      }
      case "task-request": {
        const name = codeName(TMF_FUNCTION, pdu.function, "function");
        conn.tmf = pdu;
        conn.requests.set(pdu.itt, { kind: "tmf", t, detail: `${name} (ITT 0x${pdu.itt.toString(16)})` });
        send();
        return tasks.onTaskRequest(conn, pdu, name);
      }
      case "logout-request": {
        conn.logoutReason = pdu.reasonCode;
        conn.requests.set(pdu.itt, { kind: "logout", t, detail: "Logout Request" });
        if (pdu.reasonCode === 0 && !conn.logoutRequested) conn.session.closing = true;
        const why = conn.logoutRequested ? "the target asked for a logout (AsyncEvent 1)" : `user logout (${codeName(LOGOUT_REASON, pdu.reasonCode, "reason")})`;
        if (conn.state === "LOGGED_IN" || conn.state === "LOGOUT_REQUESTED") this.connMove(conn, "logout", why);
        return send();
      }
      case "snack": case "vendor":
        return send();
      default:
        send();
        conn.trouble = { reason: "protocol-error", detail: `the initiator sent a target PDU (${pdu.kind}, frame ${e.frame})` };
        return this.anomaly(conn, "malformed", `the initiator sent a target PDU (${pdu.kind}, frame ${e.frame})`);
    }
  }

  private fromTarget(conn: ReplayConn, e: PduEvent): void {
    const pdu = e.pdu;
    conn.lastRxT = e.time;
    this.wire(conn, e, "pdu:receive");
    switch (pdu.kind) {
      case "nop-in": case "scsi-response": case "task-response": case "text-response": case "data-in":
      case "logout-response": case "r2t": case "async-message": case "reject":
        this.checkStatSN(conn, pdu);
        this.onWindow(conn, pdu.expCmdSN, pdu.maxCmdSN);
        break;
      case "login-response":
        this.checkStatSN(conn, pdu);
        break;
      default:
        break;
    }
    switch (pdu.kind) {
      case "login-response": return this.onLoginResponse(conn, pdu, e.lost > 0);
      case "scsi-response": return tasks.onResponse(conn, pdu, this.anomaly);
      case "data-in": return tasks.onDataIn(conn, pdu, this.anomaly);
      case "r2t": return tasks.onR2T(conn, pdu, this.anomaly);
      case "nop-in": return this.onNopIn(conn, pdu);
      case "async-message": return this.onAsync(conn, pdu);
      case "reject": return this.onReject(conn, pdu);
      case "logout-response": return this.onLogoutResponse(conn, pdu);
      case "text-response": {
        const req = conn.requests.get(pdu.itt);
        if (!req) return this.anomaly(conn, "unknown-itt", `text-response for ITT 0x${pdu.itt.toString(16)} with nothing outstanding`, pdu.itt);
        if (req.kind === "sendtargets") publishTargets(conn, pdu);
        if (pdu.final && !pdu.continue) conn.requests.delete(pdu.itt);
        return;
      }
      case "task-response": {
        const req = conn.requests.get(pdu.itt);
        if (!req) return this.anomaly(conn, "unknown-itt", `task-response for ITT 0x${pdu.itt.toString(16)} with nothing outstanding`, pdu.itt);
        conn.requests.delete(pdu.itt);
        const tmf = conn.tmf;
        conn.tmf = undefined;
        return tasks.onTaskResponse(conn, pdu, tmf && tmf.itt === pdu.itt ? tmf : undefined);
      }
      case "vendor": return;
      default:
        conn.trouble = { reason: "protocol-error", detail: `the target sent an initiator PDU (${pdu.kind}, frame ${e.frame})` };
        return this.anomaly(conn, "malformed", `the target sent an initiator PDU (${pdu.kind}, frame ${e.frame})`);
    }
  }

  /** RFC 7143 §4.2.2.2: a status-bearing PDU carries StatSN = ExpStatSN (as the initiator checks). */
  private checkStatSN(conn: ReplayConn, pdu: Pdu & { statSN: number }): void {
    const expected = conn.statSN.check(pdu);
    if (expected !== undefined) this.anomaly(conn, "statsn-gap", `${pdu.kind} StatSN ${pdu.statSN}, expected ${expected}`, undefined, expected, pdu.statSN);
  }

  /** ExpCmdSN/MaxCmdSN (RFC 7143 §4.2.2.1), as the initiator's session checks them. */
  private onWindow(conn: ReplayConn, exp: number, max: number): void {
    const s = conn.session;
    if (snLt(max, snAdd(exp, -1))) {
      return this.anomaly(conn, "maxcmdsn-invalid", `MaxCmdSN ${max} < ExpCmdSN ${exp} - 1: both ignored`, undefined, exp, max);
    }
    if (!s.window) {
      s.window = { exp, max };
      return;
    }
    if (snLt(exp, s.window.exp)) this.anomaly(conn, "expcmdsn-backwards", `ExpCmdSN ${exp} after ${s.window.exp}`, undefined, s.window.exp, exp);
    else s.window.exp = exp;
    if (snLt(s.window.max, max)) s.window.max = max;
  }

  // ---- sessions and logins ----

  /** The first PDU of a connection is a Login Request: find its session (a reconnect) or start one. */
  private attachLogin(track: Track, req: LoginRequest, truncated: boolean): ReplayConn {
    const ids = new Map<string, string>();
    for (const item of new TextDecoder().decode(completeText(req.data, truncated)).split("\0")) {
      const eq = item.indexOf("=");
      if (eq > 0) ids.set(item.slice(0, eq), item.slice(eq + 1));
    }
    const initiatorName = ids.get("InitiatorName") ?? "";
    const targetName = ids.get("TargetName") ?? "";
    const type = ids.get("SessionType") === "Discovery" ? "Discovery" : "Normal";
    const key = `${initiatorName}\0${req.isid}`;
    let s = this.byIsid.get(key);
    if (s && s.targetName !== targetName && targetName !== "") s = undefined;
    if (s && s.state === "LOGGED_IN" && req.tsih === 0 && s.conn && !s.conn.ended) {
      // Session reinstatement (RFC 7143 §6.3.5): the old connection's end is not in the capture.
      const old = s.conn;
      this.at(track.synT ?? this.t, () => {
        const { reason, detail } = this.whyClosed(old, undefined);
        this.fail(old, reason, `${detail}; its end is not in the capture: a new login of the session (same ISID, TSIH 0) began`);
      });
    }
    if (!s || (s.state === "FREE" && !s.retrying) || (s.state === "LOGGED_IN" && req.tsih === 0)) {
      s = new ReplaySession(this.nextOid++, req.isid, this.probes, this.clock);
      s.initiatorName = initiatorName;
      s.targetName = targetName;
      s.type = type;
      this.byIsid.set(key, s);
      this.sessions.add(s);
      this.stats.sessions++;
    }
    const conn = new ReplayConn(track.info, s, this.probes, this.clock);
    conn.cid = req.cid;
    conn.login = { startT: track.synT ?? this.t, keys: new Map(), partial: { initiator: [], target: [] } };
    this.startConn(conn, track);
    return conn;
  }

  /**
   * The first PDU of a connection is not a Login Request: the capture began in full feature
   * phase. A session of its own, LOGGED_IN from the start without transitions (nothing of its
   * login is known: names empty, ISID 0).
   */
  private attachMidStream(track: Track): ReplayConn {
    const s = new ReplaySession(this.nextOid++, 0, this.probes, this.clock, true);
    s.state = "LOGGED_IN";
    this.sessions.add(s);
    this.stats.sessions++;
    this.stats.midStreamSessions++;
    const conn = new ReplayConn(track.info, s, this.probes, this.clock);
    conn.state = "LOGGED_IN";
    conn.midStream = true;
    s.conn = conn;
    this.stats.connections++;
    return conn;
  }

  /**
   * T1 at the SYN, net:connect and T4 at the SYN-ACK, login:start: fired when the first PDU
   * places the connection in its session, at the times the handshake happened. A FAILED
   * session's reconnect first fires session:recovery with the hold it took.
   */
  private startConn(conn: ReplayConn, track: Track): void {
    const s = conn.session;
    this.stats.connections++;
    const synT = track.synT ?? this.t;
    const upT = track.synAckT ?? synT;
    if (s.state === "FAILED") {
      s.attempts++;
      const p = this.probes["session:recovery"];
      const since = s.lastEnd ? synT - s.lastEnd.t : 0n;
      if (p.hasSubscribers) {
        p.publish({ session: s, attempt: s.attempts, delayMs: Number(since / 1_000_000n), reason: s.lastEnd?.reason ?? "connect-failed", t: synT });
      }
    }
    s.conn = conn;
    this.at(synT, () => this.connMove(conn, "connect", `to ${conn.remote}`));
    this.at(upT, () => {
      const p = this.probes["net:connect"];
      if (p.hasSubscribers) {
        const { address, port } = conn.info.target;
        p.publish({ conn, host: address, port, family: address.includes(":") ? 6 : 4, ok: true, durationNs: upT - synT, t: upT });
      }
      this.connMove(conn, "connected");
      const l = this.probes["login:start"];
      if (l.hasSubscribers) l.publish({ conn, attempt: s.attempts + 1, t: upT });
    });
  }

  /**
   * A connection that closed before any PDU: a refused or abandoned reconnect of a FAILED
   * session to the same portal, or else a connection we cannot place (counted).
   */
  private unplacedClose(track: Track, e: TcpEvent): void {
    const target = track.info.target;
    let s: ReplaySession | undefined;
    for (const x of this.sessions) {
      if (x.state === "FAILED" && x.conn && x.conn.info.target.address === target.address && x.conn.info.target.port === target.port) s = x;
    }
    if (!s || track.synT === undefined) {
      this.stats.unplaced++;
      return;
    }
    const conn = new ReplayConn(track.info, s, this.probes, this.clock);
    conn.cid = s.conn?.cid ?? 0;
    if (track.synAckT === undefined) {
      // Refused (RST to the SYN) or given up: T1 then T2, connect-failed.
      this.stats.connections++;
      s.attempts++;
      const rp = this.probes["session:recovery"];
      if (rp.hasSubscribers) {
        const since = s.lastEnd ? track.synT - s.lastEnd.t : 0n;
        rp.publish({ session: s, attempt: s.attempts, delayMs: Number(since / 1_000_000n), reason: s.lastEnd?.reason ?? "connect-failed", t: track.synT });
      }
      s.conn = conn;
      this.at(track.synT, () => this.connMove(conn, "connect", `to ${conn.remote}`));
      const p = this.probes["net:connect"];
      const refused = e.flag === "rst" && e.direction === "target->initiator";
      if (p.hasSubscribers) {
        p.publish({ conn, host: target.address, port: target.port, family: target.address.includes(":") ? 6 : 4, ok: false,
          error: refused ? "ECONNREFUSED" : "ECONNABORTED", durationNs: this.t - track.synT, t: this.t });
      }
      return this.fail(conn, "connect-failed", refused ? `connection to ${conn.remote} refused (RST)` : `connection to ${conn.remote} abandoned before it was accepted`);
    }
    conn.login = { startT: track.synT, keys: new Map(), partial: { initiator: [], target: [] } };
    this.startConn(conn, track);
    const { reason, detail } = this.whyClosed(conn, e);
    this.fail(conn, reason, `${detail} before any Login Request`);
  }

  private onLoginResponse(conn: ReplayConn, rsp: LoginResponse, lost: boolean): void {
    conn.loginPendingT = undefined;
    if (conn.state !== "IN_LOGIN") return;
    const pairs = trackKeys(conn, "target", rsp, lost);
    if (rsp.continue) return; // the rest of the text follows (the initiator asks with an empty request)
    const s = conn.session;
    if (rsp.statusClass !== 0) {
      let redirectedTo: string | undefined;
      if (rsp.statusClass === 1) {
        const a = parseTargetAddress(pairs.find(([k]) => k === "TargetAddress")?.[1] ?? "");
        if (a) redirectedTo = `${a.host}:${a.port}`;
      }
      publishKeys(conn);
      publishResult(conn, rsp, redirectedTo);
      const status = formatLoginStatus(rsp.statusClass, rsp.statusDetail);
      const detail = redirectedTo ? `${status}: redirected to ${redirectedTo}` : `login failed: ${status}`;
      return this.fail(conn, "login-failed", detail, "login-failed", { cls: rsp.statusClass, detail: rsp.statusDetail });
    }
    if (!rsp.transit || rsp.nsg !== 3) return;
    if (s.conn === conn) {
      s.tsih = rsp.tsih;
      s.window = { exp: rsp.expCmdSN, max: rsp.maxCmdSN };
    }
    publishKeys(conn);
    publishResult(conn, rsp, undefined);
    conn.loggedInOnce = true;
    this.connMove(conn, "login-ok");
    if (s.conn !== conn || s.state === "LOGGED_IN") return; // another connection of a logged-in session (MC/S)
    s.attempts = 0;
    s.retrying = false;
    this.sessMove(s, "conn-logged-in", `connection ${conn.cid} to ${conn.remote} logged in`);
  }

  private onLogoutResponse(conn: ReplayConn, r: LogoutResponse): void {
    conn.requests.delete(r.itt);
    if (conn.state !== "IN_LOGOUT") return;
    const reason: DisconnectReason = conn.logoutRequested ? "target-logout-request" : "user-logout";
    if (r.response === 0) return this.end(conn, reason, "logged out", "logout-ok");
    this.fail(conn, reason, `Logout Response ${r.response} (${codeName(LOGOUT_RESPONSE, r.response, "response")})`, "logout-failed");
  }

  private onNopIn(conn: ReplayConn, n: NopIn): void {
    if (n.itt !== RESERVED_TAG) {
      const sent = conn.pings.get(n.itt);
      if (sent === undefined) return this.anomaly(conn, "unknown-itt", `nop-in for ITT 0x${n.itt.toString(16)} with nothing outstanding`, n.itt);
      conn.pings.delete(n.itt);
      conn.lastNopRttNs = this.t - sent;
      const p = this.probes["conn:nop-rtt"];
      if (p.hasSubscribers) p.publish({ conn, rttNs: conn.lastNopRttNs, t: this.t });
      return;
    }
    if (n.ttt !== RESERVED_TAG) conn.targetPings.set(n.ttt, this.t);
  }

  private onAsync(conn: ReplayConn, a: AsyncMessage): void {
    switch (a.asyncEvent) {
      case 1:
        conn.logoutRequested = true;
        if (conn.state === "LOGGED_IN" || conn.state === "LOGOUT_REQUESTED" || conn.state === "IN_LOGOUT") {
          this.connMove(conn, "async-logout-request", `logout requested within ${a.parameter3} s`);
        }
        return;
      case 2:
        return this.fail(conn, "target-drop-connection", `the target dropped connection ${a.parameter1} (Time2Wait ${a.parameter2} s, Time2Retain ${a.parameter3} s)`);
      case 3:
        return this.fail(conn, "target-drop-all", `the target dropped all connections (Time2Wait ${a.parameter2} s, Time2Retain ${a.parameter3} s)`);
      default:
        return; // 0 SCSI event, 4 renegotiation (a Text exchange follows), 255 vendor: the PDU probes carry them
    }
  }

  private onReject(conn: ReplayConn, r: Reject): void {
    const d = r.data;
    const itt = d.length >= 20 ? ((d[16] << 24) | (d[17] << 16) | (d[18] << 8) | d[19]) >>> 0 : RESERVED_TAG;
    const what = codeName(REJECT_REASON, r.reason, "reason");
    this.anomaly(conn, "reject", `the target rejected a PDU (ITT 0x${itt.toString(16)}): ${what}`, itt);
    if (r.reason === 0x02) conn.trouble = { reason: "data-digest-error", detail: `the target rejected a PDU: ${what}` };
    else if (r.reason === 0x04 || r.reason === 0x09) conn.trouble = { reason: "protocol-error", detail: `the target rejected a PDU: ${what}` };
    if (conn.requests.delete(itt)) return;
    if (!tasks.onCommandRejected(conn, itt) && itt !== RESERVED_TAG) this.anomaly(conn, "unknown-itt", `Reject for ITT 0x${itt.toString(16)}`, itt);
  }

  // ---- ending ----

  /** Why a connection ended, from who closed it and what the wire showed before. */
  private whyClosed(conn: ReplayConn, e: TcpEvent | undefined): { reason: DisconnectReason; detail: string } {
    const byTarget = e?.direction === "target->initiator";
    const how = e === undefined ? "disappeared" : e.flag === "rst" ? "reset the TCP connection (RST)" : "closed the TCP connection (FIN)";
    const who = e === undefined ? "the connection" : byTarget ? "the target" : "the initiator";
    if (conn.trouble) return { reason: conn.trouble.reason, detail: `${conn.trouble.detail}; then ${who} ${how}` };
    if (!byTarget) {
      if (conn.state === "IN_LOGIN") {
        if (conn.loginPendingT !== undefined) {
          return { reason: "login-timeout", detail: `no Login Response ${seconds(this.t - conn.loginPendingT)} after the Login Request; then ${who} ${how}` };
        }
        return { reason: "login-failed", detail: `the initiator ended the login; ${who} ${how}` };
      }
      for (const r of conn.requests.values()) {
        if (r.kind === "tmf") return { reason: "task-escalation", detail: `${r.detail} unanswered for ${seconds(this.t - r.t)}; then ${who} ${how}` };
      }
      let oldest: Ns | undefined;
      for (const sent of conn.pings.values()) if (oldest === undefined || sent < oldest) oldest = sent;
      if (oldest !== undefined) {
        const rx = conn.lastRxT === null ? "never" : `${seconds(this.t - conn.lastRxT)} before`;
        return { reason: "nop-timeout", detail: `NOP-Out ping unanswered for ${seconds(this.t - oldest)} (last receive ${rx}); then ${who} ${how}` };
      }
      if (conn.state === "IN_LOGOUT") {
        return { reason: conn.logoutRequested ? "target-logout-request" : "user-logout", detail: `no Logout Response; then ${who} ${how}` };
      }
      if (e === undefined) return { reason: "connection-reset", detail: "the connection vanished without FIN or RST" };
      return { reason: e.flag === "rst" ? "connection-reset" : "shutdown", detail: `${who} ${how} without a Logout` };
    }
    const pings = conn.targetPings.size;
    const after = pings > 0 ? ` with ${pings} NOP-In ping(s) unanswered` : "";
    return { reason: e!.flag === "rst" ? "connection-reset" : "target-closed", detail: `${who} ${how}${after}` };
  }

  /** The initiator's single failure entry: the event that fits the state (T2, T7, T15, T16, T17). */
  private fail(conn: ReplayConn, reason: DisconnectReason, detail: string, event?: ConnEvent, status?: { cls: number; detail: number }): void {
    if (conn.ended || conn.state === "FREE" || conn.state === "CLEANUP_WAIT") return;
    const ev: ConnEvent = event ?? (conn.state === "XPT_WAIT" ? "connect-failed"
      : conn.state === "IN_LOGIN" && (reason === "login-failed" || reason === "login-timeout") ? "login-failed" : "fail");
    this.end(conn, reason, detail, ev, status);
  }

  /** conn:disconnect once, the connection's move, then the session's, as the initiator orders them. */
  private end(conn: ReplayConn, reason: DisconnectReason, detail: string, ev: ConnEvent, status?: { cls: number; detail: number }): void {
    if (conn.ended) return;
    conn.ended = true;
    const t = this.t;
    const p = this.probes["conn:disconnect"];
    if (p.hasSubscribers) {
      p.publish({
        conn, reason, detail, inFlight: tasks.inFlight(conn), sinceLastRxNs: conn.lastRxT === null ? null : t - conn.lastRxT,
        lastNopRttNs: conn.lastNopRttNs, statusClass: status?.cls, statusDetail: status?.detail, t,
      });
    }
    this.connMove(conn, ev, detail);
    const s = conn.session;
    if (s.conn !== conn) return;
    s.lastEnd = { t, reason };
    if (conn.state === "CLEANUP_WAIT") return this.sessionLostConn(conn, reason);
    if (!conn.loggedInOnce && !conn.midStream) {
      s.retrying = true;
      return this.sessMove(s, "login-failed", `${reason}: ${conn.remote}`);
    }
    if (reason === "target-logout-request" && !s.closing) return this.sessionLostConn(conn, reason, "the target asked us to log out");
    this.sessMove(s, "conn-logged-out", "logged out");
    if (s.state === "FREE") tasks.failAll(s, "ERR_SESSION_CLOSED", "the session was logged out");
  }

  /** N5: the commands on the wire are taken back; M1; a discovery or closing session ends (N6). */
  private sessionLostConn(conn: ReplayConn, reason: DisconnectReason, detail = `${reason} on ${conn.remote}`): void {
    const s = conn.session;
    const before = s.state;
    this.sessMove(s, "conn-failed", detail);
    if (before === "LOGGED_IN" && s.state === "FAILED") tasks.takeBack(s, `connection lost (${reason})`);
    if (conn.state === "CLEANUP_WAIT") this.connMove(conn, "cleanup-done", "the session took the commands back");
    if (s.state === "FAILED" && (s.closing || s.type === "Discovery")) {
      this.sessMove(s, "timeout", s.closing ? "closing" : "discovery sessions are not recovered");
      tasks.failAll(s, "ERR_SESSION_CLOSED", "the session was closed");
    }
  }

  /** Target pings sent before `before` and never answered. */
  private unansweredPings(conn: ReplayConn, before: Ns): void {
    for (const [ttt, sent] of conn.targetPings) {
      if (sent > before) continue;
      conn.targetPings.delete(ttt);
      this.anomaly(conn, "nop-unanswered", `the target's NOP-In ping (TTT 0x${ttt.toString(16)}) got no NOP-Out`);
    }
  }

  // ---- helpers ----

  /** Anomalies, less the unknown ITTs that only say the capture did not see the command. */
  private readonly anomaly = (conn: ReplayConn, kind: AnomalyKind, detail: string, itt?: number, expected?: number, got?: number): void => {
    if (kind === "unknown-itt" && this.blind(conn)) {
      this.stats.unmatched++;
      return;
    }
    const p = this.probes[ANOMALY[kind]];
    if (p.hasSubscribers) p.publish({ conn, kind, detail, itt, expected, got, t: this.t });
  };

  private blind(conn: ReplayConn): boolean {
    const track = this.tracks.get(conn.info);
    if (!track) return false;
    if (conn.midStream && this.t - track.firstT < BLIND_NS) return true;
    return track.lostToTargetT !== undefined && this.t - track.lostToTargetT < BLIND_NS;
  }

  private connMove(conn: ReplayConn, ev: ConnEvent, detail?: string): void {
    this.move(CONNECTION_FSM, conn, ev, detail);
  }

  private sessMove(s: ReplaySession, ev: SessionEvent, detail?: string): void {
    this.move(SESSION_FSM, s, ev, detail);
  }

  /** A transition the table refuses fires fsm:unhandled (in `fire`) and is counted; the replay goes on. */
  private move<S extends string, E extends string, A extends string>(m: Machine<S, E, A>, host: Parameters<typeof fire<S, E, A>>[1], ev: E, detail?: string): void {
    try {
      fire(m, host, ev, undefined, detail);
    } catch (e) {
      if (!(e instanceof FsmError)) throw e;
      this.stats.unhandled++;
    }
  }

  /** Run `fn` with the clock at `t` (events fired late, at the time they happened). */
  private at(t: Ns, fn: () => void): void {
    const saved = this.t;
    this.t = t;
    try {
      fn();
    } finally {
      this.t = saved;
    }
  }
}
