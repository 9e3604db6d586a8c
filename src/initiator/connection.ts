/**
 * One iSCSI connection: the transport, the framer, the connection state machine, StatSN,
 * NOP keepalive, Async Messages and Reject, and the dispatch of received PDUs. Every PDU
 * in or out fires its probes; every end fires `conn:disconnect` once, with one reason.
 */
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { IscsiError, LoginError, NegotiationError, PduError, TaskError, TransportError } from "../errors.js";
import { fire, post } from "../fsm/fsm.js";
import { CONNECTION_FSM, type ConnEvent } from "../fsm/connection-fsm.js";
import { PDU_PROBE_KEY } from "../probe/catalog.js";
import type { ProbeSet } from "../probe/bus.js";
import type { AnomalyKind, ConnRef, ConnState, DisconnectReason, Ns } from "../probe/types.js";
import { encodePduVec } from "../wire/encode.js";
import { PduFramer, type FrameInfo } from "../wire/framer.js";
import { u32 } from "../wire/byte-reader.js";
import { DATA_IN, RESERVED_TAG } from "../wire/layout.js";
import { OPCODE_MASK, Opcode } from "../wire/opcodes.js";
import { StatSNTracker } from "../wire/statsn.js";
import { encodeText } from "../wire/text.js";
import type { AsyncMessage, NopIn, Pdu, Reject } from "../wire/types.js";
import { LOGOUT_RESPONSE, REJECT_REASON } from "../wire/names.js";
import { type Clock, type TimerHandle, msBetween } from "./clock.js";
import { LoginRedirect, runLogin, type LoginOutcome } from "./login.js";
import { formatPortal, type Portal } from "./options.js";
import type { Session } from "./session.js";
import type { Task } from "./task.js";
import type { Transport, TransportEnd } from "./transport.js";

/** A response we wait for, by ITT: login, text, logout, NOP ping, task management. */
interface Waiter {
  resolve(pdu: Pdu): void;
  reject(err: Error): void;
}

export class Connection implements ConnRef {
  state: ConnState = "FREE";
  local = "";
  remote: string;
  /** The address actually connected to (a host name resolves to several). */
  address: string | undefined;
  readonly framer = new PduFramer({ maxDataSegmentLength: 8192, placer: (h, n) => this.placeDataIn(h, n) });
  /** The command whose buffer a Data-In's data was last placed in, and where (framer data placement). */
  private placing: { task: Task; dest: Uint8Array } | undefined;
  private digests = { headerDigest: false, dataDigest: false };
  private readonly statSN = new StatSNTracker();
  lastRxT: Ns | null = null;
  lastNopRttNs: Ns | null = null;
  reason: DisconnectReason | undefined;
  /** The reason in words, as conn:disconnect said it. */
  reasonDetail = "";
  outcome: LoginOutcome | undefined;
  /** Why the login failed (LoginError with the target's status, NegotiationError, ...). */
  loginFailure: Error | undefined;
  /** Where a Status-Class 1 login response sent us. */
  redirect: Portal | undefined;
  /** Time2Wait the target asked for before we reconnect (Async 2/3, Logout Response). */
  holdSeconds = 0;
  private ended = false;
  private readonly waiters = new Map<number, Waiter>();
  private timers = new Set<TimerHandle>();
  private nopItt: number | undefined;
  private nopSentT: Ns = 0n;
  private startT: Ns;

  constructor(
    readonly session: Session,
    readonly cid: number,
    readonly portal: Portal,
    private readonly transport: Transport,
    readonly attempt: number,
  ) {
    this.remote = formatPortal(portal);
    this.startT = session.clock.now();
  }

  get probes(): ProbeSet {
    return this.session.probes;
  }
  get clock(): Clock {
    return this.session.clock;
  }

  /** Drive the connection machine. */
  move(event: ConnEvent, detail?: string): void {
    fire(CONNECTION_FSM, this, event, undefined, detail);
  }

  /** T1: start connecting. */
  start(): void {
    this.move("connect", `to ${this.remote}`);
  }

  // ---- FSM actions (named in src/fsm/connection-fsm.ts) ----

  doConnect(): void {
    void this.connectAny().then(
      () => this.move("connected"),
      (e: TransportError) => this.fail(e.code === "ETIMEDOUT" ? "connect-timeout" : "connect-failed", e.message),
    );
  }

  doLogin(): void {
    const p = this.probes["login:start"];
    if (p.hasSubscribers) p.publish({ conn: this, attempt: this.attempt, t: this.clock.now() });
    this.arm(this.session.timeouts.loginMs, () => {
      this.timerExpired("login", this.session.timeouts.loginMs);
      this.fail("login-timeout", `no final Login Response within ${this.session.timeouts.loginMs} ms`);
    });
    runLogin(this).then(
      (outcome) => {
        if (this.ended) return;
        this.outcome = outcome;
        this.move("login-ok");
      },
      (e: unknown) => this.loginError(e),
    );
  }

  doLoggedIn(): void {
    this.clearTimers();
    const o = this.outcome!;
    this.digests = { headerDigest: o.params.headerDigest, dataDigest: o.params.dataDigest };
    this.framer.headerDigest = o.params.headerDigest;
    this.framer.dataDigest = o.params.dataDigest;
    this.framer.maxDataSegmentLength = o.params.maxRecvDataSegmentLength;
    this.armNop();
    this.session.connLoggedIn(this);
  }

  doLogout(arg: unknown): void {
    const reasonCode = typeof arg === "number" ? arg : 0;
    this.clearTimers();
    const itt = this.session.nextItt();
    this.arm(this.session.timeouts.logoutMs, () => {
      this.timerExpired("logout", this.session.timeouts.logoutMs);
      this.fail(this.reason ?? "user-logout", `no Logout Response within ${this.session.timeouts.logoutMs} ms`, "logout-failed");
    });
    this.exchange({
      kind: "logout-request", immediate: true, reasonCode, itt, cid: this.cid, cmdSN: this.session.cmdSN,
      expStatSN: this.expStatSN, ahs: [], data: new Uint8Array(0),
    }).then((r) => {
      if (r.kind !== "logout-response") return;
      this.holdSeconds = r.time2Wait;
      if (r.response === 0) this.end(this.reason ?? "user-logout", "logged out", "logout-ok");
      else this.fail(this.reason ?? "user-logout", `Logout Response ${r.response} (${LOGOUT_RESPONSE[r.response] ?? "unknown"})`, "logout-failed");
    }, () => {});
  }

  doLogoutRequested(): void {
    this.reason = "target-logout-request";
    post(CONNECTION_FSM, this, "logout", 0, "the target asked for a logout (AsyncEvent 1)");
  }

  doClose(): void {
    this.shutdown(false);
    this.session.connClosed(this);
  }

  doFail(): void {
    this.shutdown(true);
    this.session.connFailed(this);
  }

  // ---- sending and receiving ----

  /** Whether a PDU sent now would leave (false once the target's FIN is in). */
  get writable(): boolean {
    return this.transport.writable;
  }

  /**
   * Encode and send one PDU, firing pdu:send and its opcode probe. A PDU the transport refuses
   * (the target's FIN is in, the failure not yet handled) fires nothing: it never left.
   */
  send(pdu: Pdu): void {
    const parts = encodePduVec(pdu, this.digests);
    if (!this.transport.write(parts)) return;
    const gen = this.probes["pdu:send"];
    const named = this.probes[PDU_PROBE_KEY[pdu.kind]];
    if (gen.hasSubscribers || named.hasSubscribers) {
      let wireLength = 0;
      for (const p of parts) wireLength += p.length;
      const args = { conn: this, pdu, wireLength, t: this.clock.now() };
      if (gen.hasSubscribers) gen.publish(args);
      if (named.hasSubscribers) named.publish(args);
    }
  }

  /** Send a request and wait for the response with the same ITT. */
  exchange(pdu: Pdu & { itt: number }): Promise<Pdu> {
    return new Promise<Pdu>((resolve, reject) => {
      this.waiters.set(pdu.itt, { resolve, reject });
      this.send(pdu);
    });
  }

  private onData(chunk: Uint8Array): void {
    this.lastRxT = this.clock.now();
    try {
      this.framer.push(chunk, this.onPdu, this.onDigestError);
    } catch (e) {
      if (e instanceof PduError) {
        const reason = e.code === "ERR_PDU_DIGEST" ? (e.field === "HeaderDigest" ? "header-digest-error" : "data-digest-error") : "protocol-error";
        this.anomaly(e.code === "ERR_PDU_DIGEST" ? reason as AnomalyKind : "malformed", e.message);
        this.fail(reason, e.message);
      } else if (e instanceof IscsiError) {
        this.fail("protocol-error", e.message);
      } else {
        throw e;
      }
    }
  }

  /**
   * Data placement: a large Data-In whose header is in goes straight into its command's
   * buffer when it brings the next bytes the command expects (libiscsi reads into the task's
   * iovecs the same way); the transport then reads into that memory (readTarget).
   */
  private placeDataIn(header: Uint8Array, n: number): Uint8Array | undefined {
    if ((header[0] & OPCODE_MASK) !== Opcode.DataIn || this.state !== "LOGGED_IN") return undefined;
    const task = this.session.taskFor(u32(header, 0, DATA_IN.itt));
    const dest = task?.dataInTarget(u32(header, 0, DATA_IN.bufferOffset), n);
    this.placing = dest && task ? { task, dest } : undefined;
    return dest;
  }

  /** A command ended: if its buffer is being read into, the rest of that Data-In goes elsewhere. */
  released(task: Task): void {
    if (this.placing?.task !== task) return;
    this.framer.divert(this.placing.dest);
    this.placing = undefined;
  }

  private readonly onDigestError = (e: PduError, info: FrameInfo): void => {
    const kind = e.field === "HeaderDigest" ? "header-digest-error" : "data-digest-error";
    this.anomaly(kind, `${e.message} (PDU of ${info.length} bytes)`);
    this.fail(kind, e.message); // ERL 0: a digest error ends the connection (RFC 7143 §7.8)
  };

  private readonly onPdu = (pdu: Pdu, info: FrameInfo): void => {
    if (this.ended) return;
    const gen = this.probes["pdu:receive"];
    const named = this.probes[PDU_PROBE_KEY[pdu.kind]];
    if (gen.hasSubscribers || named.hasSubscribers) {
      const args = { conn: this, pdu, wireLength: info.length, t: this.lastRxT! };
      if (gen.hasSubscribers) gen.publish(args);
      if (named.hasSubscribers) named.publish(args);
    }
    switch (pdu.kind) {
      case "nop-in": case "scsi-response": case "task-response": case "text-response": case "data-in":
      case "logout-response": case "r2t": case "async-message": case "reject":
        this.checkStatSN(pdu);
        this.session.onWindow(pdu.expCmdSN, pdu.maxCmdSN, this);
        break;
      case "login-response":
        this.checkStatSN(pdu); // the window of a login is taken from its final response
        break;
      default:
        break;
    }
    this.dispatch(pdu);
  };

  private dispatch(pdu: Pdu): void {
    switch (pdu.kind) {
      case "scsi-response": case "data-in": case "r2t":
        return this.session.onTaskPdu(this, pdu);
      case "nop-in": return this.onNopIn(pdu);
      case "async-message": return this.onAsync(pdu);
      case "reject": return this.onReject(pdu);
      case "login-response": case "text-response": case "logout-response": case "task-response":
        return this.resolveWaiter(pdu.itt, pdu);
      case "vendor": return;
      default:
        return this.fail("protocol-error", `the target sent an initiator PDU (${pdu.kind})`);
    }
  }

  private resolveWaiter(itt: number, pdu: Pdu): void {
    const w = this.waiters.get(itt);
    if (!w) return this.anomaly("unknown-itt", `${pdu.kind} for ITT 0x${itt.toString(16)} with nothing outstanding`, itt);
    this.waiters.delete(itt);
    // The waiter runs later (a promise), when the read buffer the PDU points into may have been
    // reused by further reads of the same turn: give it its own copy of the data segment.
    if (pdu.data.length > 0) pdu.data = pdu.data.slice();
    w.resolve(pdu);
  }

  /** ExpStatSN for the requests we send. */
  get expStatSN(): number {
    return this.statSN.expStatSN;
  }

  /** RFC 7143 §4.2.2.2: a status-bearing PDU must carry StatSN = ExpStatSN. */
  private checkStatSN(pdu: Pdu & { statSN: number }): void {
    const expected = this.statSN.check(pdu);
    if (expected === undefined) return;
    const p = this.probes["anomaly:statsn-gap"];
    if (p.hasSubscribers) {
      p.publish({ conn: this, kind: "statsn-gap", detail: `${pdu.kind} StatSN ${pdu.statSN}, expected ${expected}`, expected, got: pdu.statSN, t: this.clock.now() });
    }
  }

  // ---- NOP keepalive (open-iscsi noop_out_interval / noop_out_timeout) ----

  private armNop(): void {
    const interval = this.session.timeouts.nopIntervalMs;
    if (interval <= 0) return;
    this.arm(interval, () => {
      if (this.state !== "LOGGED_IN") return;
      const idle = this.lastRxT === null ? interval : msBetween(this.lastRxT, this.clock.now());
      if (idle + 1 < interval || this.nopItt !== undefined) return this.armNop();
      this.ping();
    });
  }

  private ping(): void {
    const itt = this.session.nextItt();
    this.nopItt = itt;
    this.nopSentT = this.clock.now();
    const timeout = this.session.timeouts.nopTimeoutMs;
    const timer = this.arm(timeout, () => {
      this.timerExpired("nop", timeout);
      const since = this.lastRxT === null ? "never" : `${(msBetween(this.lastRxT, this.clock.now()) / 1000).toFixed(1)} s ago`;
      this.fail("nop-timeout", `NOP-Out ping not answered within ${timeout / 1000} s; last receive ${since}`);
    });
    this.exchange({
      kind: "nop-out", immediate: true, lun: 0n, itt, ttt: RESERVED_TAG, cmdSN: this.session.cmdSN,
      expStatSN: this.expStatSN, ahs: [], data: new Uint8Array(0),
    }).then(() => {
      timer.cancel();
      this.timers.delete(timer);
      this.nopItt = undefined;
      const t = this.clock.now();
      this.lastNopRttNs = t - this.nopSentT;
      const p = this.probes["conn:nop-rtt"];
      if (p.hasSubscribers) p.publish({ conn: this, rttNs: this.lastNopRttNs, t });
      this.armNop();
    }, () => {});
  }

  private onNopIn(n: NopIn): void {
    if (n.itt !== RESERVED_TAG) return this.resolveWaiter(n.itt, n);
    if (n.ttt === RESERVED_TAG) return; // an unsolicited NOP-In that wants no answer
    // A target ping: answer with its TTT and LUN, ITT 0xffffffff, immediate (RFC 7143 §11.18).
    this.send({
      kind: "nop-out", immediate: true, lun: n.lun, itt: RESERVED_TAG, ttt: n.ttt, cmdSN: this.session.cmdSN,
      expStatSN: this.expStatSN, ahs: [], data: n.data,
    });
  }

  // ---- Async Message and Reject ----

  private onAsync(a: AsyncMessage): void {
    switch (a.asyncEvent) {
      case 1:
        if (this.state === "LOGGED_IN" || this.state === "LOGOUT_REQUESTED" || this.state === "IN_LOGOUT") {
          this.move("async-logout-request", `logout requested within ${a.parameter3} s`);
        }
        return;
      case 2:
        this.holdSeconds = a.parameter2;
        return this.fail("target-drop-connection", `the target dropped connection ${a.parameter1} (Time2Wait ${a.parameter2} s, Time2Retain ${a.parameter3} s)`);
      case 3:
        this.holdSeconds = a.parameter2;
        return this.fail("target-drop-all", `the target dropped all connections (Time2Wait ${a.parameter2} s, Time2Retain ${a.parameter3} s)`);
      case 4:
        return this.session.renegotiate(this, a.parameter3);
      default:
        return; // 0: SCSI async event (sense in the data); 255: vendor. Probes carry them.
    }
  }

  private onReject(r: Reject): void {
    const itt = r.data.length >= 20 ? ((r.data[16] << 24) | (r.data[17] << 16) | (r.data[18] << 8) | r.data[19]) >>> 0 : RESERVED_TAG;
    const what = `${REJECT_REASON[r.reason] ?? `reason 0x${r.reason.toString(16)}`}`;
    this.anomaly("reject", `the target rejected a PDU (ITT 0x${itt.toString(16)}): ${what}`, itt);
    const w = this.waiters.get(itt);
    if (w) {
      this.waiters.delete(itt);
      return w.reject(new TaskError("ERR_TASK_REJECTED", `rejected by the target: ${what}`));
    }
    this.session.onReject(this, itt, what);
  }

  // ---- ending ----

  /**
   * The single failure entry: fires conn:disconnect once with `reason`, then moves the
   * machine with the event that fits the state (T2, T7, T15, T16, T17).
   */
  fail(reason: DisconnectReason, detail: string, event?: ConnEvent, status?: { cls: number; detail: number }): void {
    if (this.ended || this.state === "FREE" || this.state === "CLEANUP_WAIT") return;
    const ev: ConnEvent = event ?? (this.state === "XPT_WAIT" ? "connect-failed"
      : this.state === "IN_LOGIN" && (reason === "login-failed" || reason === "login-timeout") ? "login-failed" : "fail");
    this.end(reason, detail, ev, status);
  }

  private end(reason: DisconnectReason, detail: string, ev: ConnEvent, status?: { cls: number; detail: number }): void {
    if (this.ended) return;
    this.ended = true;
    this.reason = reason;
    this.reasonDetail = detail;
    const p = this.probes["conn:disconnect"];
    if (p.hasSubscribers) {
      const t = this.clock.now();
      p.publish({
        conn: this, reason, detail, inFlight: this.session.inFlight(this),
        sinceLastRxNs: this.lastRxT === null ? null : t - this.lastRxT, lastNopRttNs: this.lastNopRttNs,
        statusClass: status?.cls, statusDetail: status?.detail, t,
      });
    }
    this.move(ev, detail);
  }

  private loginError(e: unknown): void {
    if (this.ended) return;
    this.loginFailure = e instanceof Error ? e : new Error(String(e));
    if (e instanceof LoginRedirect) this.redirect = e.portal;
    if (e instanceof LoginError && e.statusClass !== 0) {
      this.fail("login-failed", e.message, "login-failed", { cls: e.statusClass, detail: e.statusDetail });
    } else if (e instanceof TaskError && e.code === "ERR_SESSION_CLOSED") {
      // the transport ended during login: onTransportEnd already said why
    } else if (e instanceof NegotiationError) {
      this.fail("login-failed", `login: ${e.message}`, "login-failed");
    } else {
      this.fail("protocol-error", `login: ${this.loginFailure.message}`, "login-failed");
    }
  }

  /** Async Message 4: re-declare what we may in full feature phase (MaxRecvDataSegmentLength). */
  async renegotiate(): Promise<void> {
    if (this.state !== "LOGGED_IN" || !this.outcome) return;
    const itt = this.session.nextItt();
    await this.exchange({
      kind: "text-request", immediate: true, final: true, continue: false, lun: 0n, itt, ttt: RESERVED_TAG,
      cmdSN: this.session.cmdSN, expStatSN: this.expStatSN, ahs: [],
      data: encodeText([["MaxRecvDataSegmentLength", String(this.outcome.params.maxRecvDataSegmentLength)]]),
    }).catch(() => undefined);
  }

  private shutdown(abort: boolean): void {
    this.ended = true;
    this.clearTimers();
    const err = new TaskError("ERR_SESSION_CLOSED", `connection ${this.remote} closed (${this.reason ?? "closed"})`);
    for (const w of this.waiters.values()) w.reject(err);
    this.waiters.clear();
    if (abort) this.transport.destroy();
    else this.transport.close();
  }

  /** The transport ended under us: FIN, RST or error. */
  private onTransportEnd(how: TransportEnd): void {
    if (this.ended) return;
    const reason: DisconnectReason = how.kind === "reset" ? "connection-reset" : "target-closed";
    const detail = how.kind === "fin" ? "the target closed the TCP connection (FIN)"
      : how.kind === "reset" ? "the TCP connection was reset (RST)" : `TCP error ${how.code ?? ""}: ${how.message}`;
    this.fail(reason, detail);
  }

  // ---- helpers ----

  private async connectAny(): Promise<void> {
    const { host, port } = this.portal;
    const addrs = isIP(host) ? [{ address: host, family: isIP(host) }] : await lookup(host, { all: true }).catch((e: NodeJS.ErrnoException) => {
      throw new TransportError(e.code ?? "ENOTFOUND", `cannot resolve ${host}: ${e.code ?? e.message}`);
    });
    let last: TransportError | undefined;
    for (const a of addrs) {
      const t0 = this.clock.now();
      try {
        const info = await this.transport.connect(a.address, port, this.session.timeouts.connectMs, {
          data: (c) => this.onData(c),
          end: (how) => this.onTransportEnd(how),
          readTarget: () => this.framer.readTarget(),
        });
        this.local = info.local;
        this.address = info.remote;
        this.netConnect(a.address, port, a.family, t0, undefined);
        return;
      } catch (e) {
        last = e instanceof TransportError ? e : new TransportError("ECONNECT", String(e));
        this.netConnect(a.address, port, a.family, t0, last.code);
      }
    }
    throw last ?? new TransportError("ENOTFOUND", `no address for ${host}`);
  }

  private netConnect(host: string, port: number, family: number, t0: Ns, error: string | undefined): void {
    const p = this.probes["net:connect"];
    if (!p.hasSubscribers) return;
    const t = this.clock.now();
    p.publish({ conn: this, host, port, family: family === 6 ? 6 : 4, ok: error === undefined, error, durationNs: t - t0, t });
  }

  /** Time since this connection attempt started (for login:result). */
  sinceStart(): Ns {
    return this.clock.now() - this.startT;
  }

  anomaly(kind: AnomalyKind, detail: string, itt?: number, expected?: number, got?: number): void {
    const p = this.probes[ANOMALY_PROBE[kind]];
    if (p.hasSubscribers) p.publish({ conn: this, kind, detail, itt, expected, got, t: this.clock.now() });
  }

  timerExpired(timer: "login" | "logout" | "nop", timeoutMs: number): void {
    const p = this.probes["timer:expire"];
    if (p.hasSubscribers) p.publish({ conn: this, session: this.session, timer, timeoutMs, t: this.clock.now() });
  }

  private arm(ms: number, fn: () => void): TimerHandle {
    const h = this.clock.setTimer(ms, () => {
      this.timers.delete(h);
      fn();
    });
    this.timers.add(h);
    return h;
  }

  private clearTimers(): void {
    for (const t of this.timers) t.cancel();
    this.timers.clear();
  }
}

/** anomaly:<kind> probe keys as constants. */
const ANOMALY_PROBE = Object.fromEntries(
  (["statsn-gap", "datasn-gap", "r2tsn-gap", "unknown-itt", "duplicate-itt", "expcmdsn-backwards", "maxcmdsn-invalid",
    "header-digest-error", "data-digest-error", "data-out-beyond-r2t", "data-in-offset", "nop-unanswered", "reject", "malformed"] as const)
    .map((k) => [k, `anomaly:${k}`]),
) as { [K in AnomalyKind]: `anomaly:${K}` };
