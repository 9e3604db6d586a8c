/**
 * An iSCSI session: the session state machine, its connection, the CmdSN window, the queue
 * of commands (PENDING while the window or the queue depth is closed), ITT allocation,
 * session recovery after a connection failure (ERL 0: reinstatement with the same ISID),
 * and task-management escalation (ABORT TASK, then LOGICAL UNIT RESET, then the drop).
 */
import { LoginError, TaskError, TransportError } from "../errors.js";
import { fire } from "../fsm/fsm.js";
import { SESSION_FSM, type SessionEvent } from "../fsm/session-fsm.js";
import type { ProbeSet } from "../probe/bus.js";
import type { SessionRef, SessionState } from "../probe/types.js";
import { lunToField } from "../scsi/lun.js";
import { RESERVED_TAG } from "../wire/layout.js";
import { snAdd, snLe, snLt } from "../wire/serial.js";
import type { DataIn, DataOut, Pdu, R2T, ScsiResponse } from "../wire/types.js";
import type { Clock, TimerHandle } from "./clock.js";
import { Connection } from "./connection.js";
import { Fifo } from "./fifo.js";
import type { SessionParams } from "./login.js";
import { DEFAULT_QUEUE_DEPTH, resolveTimeouts, type SessionOptions, type Timeouts } from "./options.js";
import { Task, type DataPathParams, type ScsiResult, type TaskInit, type TaskOwner } from "./task.js";
import type { TransportFactory } from "./transport.js";
import { soon } from "./soon.js";

/** What a session needs from the initiator that holds it. */
export interface SessionContext {
  readonly probes: ProbeSet;
  readonly clock: Clock;
  readonly initiatorName: string;
  readonly transport: TransportFactory;
  nextOid(): number;
}

/** Why a command should be sent: what the caller passes to {@link Session.scsi}. */
export interface ScsiRequest {
  /** "read" (Data-In), "write" (Data-Out) or "none". */
  dir: "read" | "write" | "none";
  /** Expected Data Transfer Length in bytes (for writes, the data's length by default). */
  length?: number;
  data?: Uint8Array;
  /** LBA for probes and the recorder, when the caller knows it. */
  lba?: bigint;
  /**
   * For reads: put the data here (at least `length` bytes) instead of a new buffer. Only its
   * first `length` bytes are written; of those, the ones past what arrived (a short read, or a
   * command that failed) are unspecified: data is read into place as it comes.
   */
  into?: Uint8Array;
  timeoutMs?: number;
}

const TMF = { ABORT_TASK: 1, LOGICAL_UNIT_RESET: 5 } as const;

export class Session implements SessionRef, TaskOwner {
  state: SessionState = "FREE";
  readonly oid: number;
  readonly type: "Normal" | "Discovery";
  readonly initiatorName: string;
  readonly targetName: string;
  readonly isid: number;
  tsih = 0;
  readonly timeouts: Timeouts;
  readonly queueDepth: number;
  /** Next CmdSN to use, and the window the target last declared. */
  cmdSN = 1;
  expCmdSN = 1;
  maxCmdSN = 1;
  params: SessionParams | undefined;
  conn: Connection | undefined;
  /** Reconnect attempts since the session failed (0 while healthy). */
  attempt = 0;
  private cidSeq = 0;
  private ittSeq = 0;
  private readonly tasks = new Map<number, Task>();
  private readonly pending = new Fifo<Task>();
  private portalIndex = 0;
  private redirects = 0;
  private closing = false;
  private opened: { resolve(): void; reject(e: Error): void } | undefined;
  private closed: { resolve(): void } | undefined;
  private replacement: TimerHandle | undefined;
  private scan: TimerHandle | undefined;
  private lastLoginError: Error | undefined;

  constructor(
    private readonly ctx: SessionContext,
    readonly options: SessionOptions,
    type: "Normal" | "Discovery",
    isid: number,
  ) {
    this.oid = ctx.nextOid();
    this.type = type;
    this.initiatorName = ctx.initiatorName;
    this.targetName = options.targetName;
    this.isid = isid;
    this.timeouts = resolveTimeouts(options.timeouts);
    this.queueDepth = options.queueDepth ?? DEFAULT_QUEUE_DEPTH;
    if (!Number.isInteger(this.queueDepth) || this.queueDepth < 1) throw new RangeError(`queueDepth must be a positive integer, got ${this.queueDepth}`);
  }

  get probes(): ProbeSet {
    return this.ctx.probes;
  }
  get clock(): Clock {
    return this.ctx.clock;
  }
  get ref(): SessionRef {
    return this;
  }

  // ---- life cycle ----

  /** Log in on the first portal that answers. Resolves at N1; rejects with the login's error. */
  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.opened = { resolve, reject };
      this.connect();
    });
  }

  /**
   * Log out (close the session). New commands are refused at once; commands already queued
   * or on the wire are given up to the logout timeout to finish, then the Logout goes out.
   */
  logout(): Promise<void> {
    if (this.state === "FREE" && !this.opened) return Promise.resolve();
    this.closing = true;
    return new Promise((resolve) => {
      this.closed = { resolve };
      const c = this.conn;
      if (this.state === "LOGGED_IN" && c?.state === "LOGGED_IN") return this.logoutWhenDrained();
      if (c && c.state !== "FREE" && c.state !== "CLEANUP_WAIT") c.fail("user-logout", "logout before the connection was logged in");
      else if (this.state === "FAILED") this.move("timeout", "logout of a failed session");
    });
  }

  private drainTimer: TimerHandle | undefined;
  /** The pending reconnect of a FAILED session. */
  private retryTimer: TimerHandle | undefined;

  /** Send the Logout once nothing is queued or on the wire (or the logout timeout passed). */
  private logoutWhenDrained(): void {
    const c = this.conn;
    if (!c || c.state !== "LOGGED_IN") return;
    if (this.tasks.size === 0 && this.queued === 0) {
      this.drainTimer?.cancel();
      return c.move("logout", "user logout");
    }
    this.drainTimer ??= this.clock.setTimer(this.timeouts.logoutMs, () => {
      if (this.conn?.state === "LOGGED_IN") this.conn.move("logout", "user logout (commands still outstanding)");
    });
  }

  private move(event: SessionEvent, detail?: string): void {
    fire(SESSION_FSM, this, event, undefined, detail);
  }

  private connect(portal = this.options.portals[this.portalIndex]): void {
    this.conn = new Connection(this, this.cidSeq++ & 0xffff, portal, this.ctx.transport(), this.attempt + 1);
    this.conn.start();
  }

  /** A connection reached LOGGED_IN (T5). */
  connLoggedIn(c: Connection): void {
    const o = c.outcome!;
    this.params = o.params;
    this.tsih = o.tsih;
    this.cmdSN = o.expCmdSN;
    this.expCmdSN = o.expCmdSN;
    this.maxCmdSN = o.maxCmdSN;
    this.move("conn-logged-in", `connection ${c.cid} to ${c.remote} logged in`);
  }

  /** A connection ended without having failed a logged-in session: T2/T7 (login), T8/T13/T18 (logout). */
  connClosed(c: Connection): void {
    if (c !== this.conn) return;
    if (c.outcome === undefined) return this.move("login-failed", `${c.reason}: ${c.remote}`);
    if (c.reason === "target-logout-request" && !this.closing) return this.move("conn-failed", "the target asked us to log out");
    this.move("conn-logged-out", "logged out");
  }

  /** A logged-in connection failed (T15/T16/T17): N5, then recovery or (closing, discovery) N6. */
  connFailed(c: Connection): void {
    if (c !== this.conn) return;
    this.move("conn-failed", `${c.reason} on ${c.remote}`);
    if (c.state === "CLEANUP_WAIT") c.move("cleanup-done", "the session took the commands back");
  }

  // ---- FSM actions (src/fsm/session-fsm.ts) ----

  doLoggedIn(): void {
    this.attempt = 0;
    this.redirects = 0;
    this.replacement?.cancel();
    this.replacement = undefined;
    this.startScan();
    this.opened?.resolve();
    this.opened = undefined;
    this.pump();
  }

  doLoggedOut(): void {
    this.stopScan();
    this.drainTimer?.cancel();
    this.failAll("ERR_SESSION_CLOSED", "the session was logged out");
    this.closed?.resolve();
    this.closed = undefined;
  }

  /** N5: take back the commands on the wire, start the replacement timer, schedule a reconnect. */
  doFailed(): void {
    this.stopScan();
    const requeue = [...this.tasks.values()].sort((a, b) => (snLt(a.cmdSN, b.cmdSN) ? -1 : 1));
    for (const t of requeue) {
      this.tasks.delete(t.itt);
      if (t.state === "ACTIVE") {
        t.move("conn-fail", `connection lost (${this.conn?.reason})`);
      } else {
        t.abandon("conn-fail", new TaskError("ERR_TASK_ABORTED", "the connection was lost while the command was being aborted"));
      }
    }
    const back = requeue.filter((t) => t.state === "PENDING");
    for (let i = back.length - 1; i >= 0; i--) this.pending.unshift(back[i]);
    if (this.closing || this.type === "Discovery") {
      return queueMicrotask(() => this.move("timeout", this.closing ? "closing" : "discovery sessions are not recovered"));
    }
    const ms = this.timeouts.replacementMs;
    this.replacement = this.clock.setTimer(ms, () => {
      const p = this.probes["timer:expire"];
      if (p.hasSubscribers) p.publish({ session: this, timer: "replacement", timeoutMs: ms, t: this.clock.now() });
      if (this.state === "FAILED") this.move("timeout", `not back within the replacement timeout of ${ms / 1000} s`);
    });
    this.doRetry();
  }

  /** Another attempt after a hold: the target's Time2Wait, then doubling up to 32 s. */
  doRetry(): void {
    if (this.closing) return this.move("timeout", "closing");
    this.attempt++;
    const asked = (this.conn?.holdSeconds ?? 0) * 1000;
    const backoff = Math.min(1000 * 2 ** (this.attempt - 1), 32_000);
    const delayMs = this.attempt === 1 ? Math.max(asked, (this.params?.defaultTime2Wait ?? 2) * 1000) : Math.max(asked, backoff);
    const p = this.probes["session:recovery"];
    if (p.hasSubscribers) p.publish({ session: this, attempt: this.attempt, delayMs, reason: this.conn?.reason ?? "connect-failed", t: this.clock.now() });
    // Commands waiting for the reconnect keep the process alive until it happens (or the
    // replacement timeout fails them); an idle session in recovery does not.
    const waiting = this.pending.length > 0 || this.tasks.size > 0 || this.opened !== undefined;
    this.retryTimer?.cancel();
    this.retryTimer = this.clock.setTimer(delayMs, () => {
      this.retryTimer = undefined;
      if (this.state !== "FAILED") return;
      this.portalIndex = (this.portalIndex + (this.attempt > 1 ? 1 : 0)) % this.options.portals.length;
      this.connect();
    }, { keepAlive: waiting });
  }

  /** N6 (replacement timeout, or closing a failed session): fail everything, stay FREE. */
  doFree(): void {
    this.replacement?.cancel();
    this.retryTimer?.cancel();
    this.retryTimer = undefined;
    this.stopScan();
    const why = this.closing ? "ERR_SESSION_CLOSED" : "ERR_SESSION_FAILED";
    this.failAll(why, this.closing ? "the session was closed" : `the session did not recover within ${this.timeouts.replacementMs / 1000} s`);
    this.closed?.resolve();
    this.closed = undefined;
  }

  /** The first login of the session failed: try the next portal, follow a redirect, or give up. */
  doLoginFailed(): void {
    const c = this.conn!;
    if (this.closing) {
      this.opened?.reject(new TaskError("ERR_SESSION_CLOSED", "logged out before the login completed"));
      this.opened = undefined;
      this.closed?.resolve();
      return;
    }
    const err = c.loginFailure ?? new TransportError(c.reason ?? "ECONNECT", c.reasonDetail || `connection to ${c.remote} failed: ${c.reason}`);
    this.lastLoginError = err;
    if (c.redirect && this.redirects < (this.options.maxRedirects ?? 4)) {
      this.redirects++;
      return this.connect(c.redirect);
    }
    const retryable = !(err instanceof LoginError) || err.statusClass === 3;
    if (retryable && this.portalIndex + 1 < this.options.portals.length) {
      this.portalIndex++;
      return this.connect();
    }
    this.opened?.reject(this.lastLoginError);
    this.opened = undefined;
  }

  // ---- the command queue and the CmdSN window ----

  /**
   * Send a SCSI command. Resolves with the target's answer (any SCSI status, CHECK
   * CONDITION included); rejects with TaskError when it ends without one (aborted after a
   * timeout, rejected, session failed or closed).
   */
  scsi(lun: number, cdb: Uint8Array, req: ScsiRequest): Promise<ScsiResult> {
    const lunField = lunToField(lun);
    if (this.closing || (this.state === "FREE" && this.opened === undefined)) {
      return Promise.reject(new TaskError("ERR_SESSION_CLOSED", "the session is not logged in"));
    }
    return new Promise<ScsiResult>((resolve, reject) => {
      const init: TaskInit = {
        lunField, lun, cdb, dir: req.dir, length: req.length ?? req.data?.length ?? 0,
        writeData: req.data, lba: req.lba, timeoutMs: req.timeoutMs ?? this.timeouts.commandMs, into: req.into,
      };
      const task = new Task(this, init, (r) => (r instanceof TaskError ? reject(r) : resolve(r)));
      task.move("queue", undefined, task.queuedT);
      task.queued();
      this.pending.push(task);
      this.retryTimer?.keepAlive?.(true); // a command now waits for the reconnect
      this.pump();
    });
  }

  /** Send queued commands while the window is open and the queue depth allows. */
  pump(): void {
    const c = this.conn;
    // Not writable: the target's FIN is in and the failure is on its way; commands wait for
    // the reconnect rather than take an ITT and a CmdSN on a connection that cannot carry them.
    if (!c || c.state !== "LOGGED_IN" || this.state !== "LOGGED_IN" || !c.writable) return;
    const dp = this.dataPath();
    while (this.pending.length > 0 && this.tasks.size < this.queueDepth && snLe(this.cmdSN, this.maxCmdSN)) {
      const task = this.pending.shift()!;
      task.itt = this.nextItt();
      this.tasks.set(task.itt, task);
      const { cmd, unsolicited } = task.build(c, this.cmdSN, c.expStatSN, dp);
      this.cmdSN = snAdd(this.cmdSN, 1);
      c.send(cmd);
      for (const d of unsolicited) c.send(d);
      task.onSent();
    }
  }

  /** ExpCmdSN/MaxCmdSN from a target PDU (RFC 7143 §4.2.2.1). */
  onWindow(exp: number, max: number, c: Connection): void {
    if (snLt(max, snAdd(exp, -1))) {
      return c.anomaly("maxcmdsn-invalid", `MaxCmdSN ${max} < ExpCmdSN ${exp} - 1: both ignored`, undefined, exp, max);
    }
    if (snLt(exp, this.expCmdSN)) c.anomaly("expcmdsn-backwards", `ExpCmdSN ${exp} after ${this.expCmdSN}`, undefined, this.expCmdSN, exp);
    else this.expCmdSN = exp;
    if (snLt(this.maxCmdSN, max)) {
      this.maxCmdSN = max;
      if (this.pending.length > 0) this.pump();
    }
  }

  /** Data-In, R2T and SCSI Response go to the task with their ITT. */
  onTaskPdu(c: Connection, pdu: DataIn | R2T | ScsiResponse): void {
    const task = this.tasks.get(pdu.itt);
    if (!task) return c.anomaly("unknown-itt", `${pdu.kind} for ITT 0x${pdu.itt.toString(16)} with no command outstanding`, pdu.itt);
    if (pdu.kind === "data-in") task.onDataIn(pdu);
    else if (pdu.kind === "r2t") task.onR2T(pdu, c.expStatSN, this.dataPath());
    else task.onResponse(pdu);
  }

  onReject(c: Connection, itt: number, what: string): void {
    const task = this.tasks.get(itt);
    if (task) task.abandon("fail", new TaskError("ERR_TASK_REJECTED", `the target rejected the command: ${what}`));
    else if (itt !== RESERVED_TAG) c.anomaly("unknown-itt", `Reject for ITT 0x${itt.toString(16)}`, itt);
  }

  // ---- TaskOwner ----

  sendData(task: Task, pdus: DataOut[]): void {
    const c = this.conn;
    if (!c || c.state !== "LOGGED_IN" || task.conn !== c) return;
    for (const d of pdus) c.send(d);
  }

  protocolError(task: Task, detail: string, anomaly: "datasn-gap" | "r2tsn-gap" | "data-in-offset"): void {
    const c = this.conn;
    if (!c) return;
    c.anomaly(anomaly, detail, task.itt);
    c.fail("protocol-error", `${detail} (ITT 0x${task.itt.toString(16)})`);
  }

  /** The command outstanding under `itt`, if any. */
  taskFor(itt: number): Task | undefined {
    return this.tasks.get(itt);
  }

  retire(task: Task): void {
    if (this.tasks.get(task.itt) === task) this.tasks.delete(task.itt);
    this.conn?.released(task);
    if (!this.pumpQueued) {
      this.pumpQueued = true;
      soon(this.afterRetire);
    }
  }

  private pumpQueued = false;

  /** Once per batch of completions: send what waited for a slot, or go on draining to log out. */
  private readonly afterRetire = (): void => {
    this.pumpQueued = false;
    if (this.closing) this.logoutWhenDrained();
    else this.pump();
  };

  // ---- task management: ABORT TASK -> LOGICAL UNIT RESET -> drop ----

  private startScan(): void {
    this.scan?.cancel();
    this.scan = this.clock.setTimer(1000, () => {
      this.checkTimeouts();
      if (this.state === "LOGGED_IN") this.startScan();
    });
  }

  private stopScan(): void {
    this.scan?.cancel();
    this.scan = undefined;
  }

  /** Once a second: commands past their timeout start the escalation (open-iscsi's error handler). */
  private checkTimeouts(): void {
    const now = this.clock.now();
    for (const t of this.tasks.values()) {
      if (t.state === "ACTIVE" && t.sentT !== undefined && Number(now - t.sentT) / 1e6 >= t.timeoutMs) this.abortTask(t);
    }
  }

  private abortTask(task: Task): void {
    const c = this.conn!;
    const p = this.probes["timer:expire"];
    if (p.hasSubscribers) p.publish({ conn: c, task, timer: "command", timeoutMs: task.timeoutMs, t: this.clock.now() });
    task.move("timeout", `no status within ${task.timeoutMs} ms`);
    task.escalation = "abort";
    this.tmf(c, TMF.ABORT_TASK, task.lunField, task.itt, task.cmdSN, this.timeouts.abortMs).then((ok) => {
      if (task.state !== "ABORTING") return;
      if (ok) return task.abandon("abort-done", new TaskError("ERR_TASK_ABORTED", `timed out after ${task.timeoutMs / 1000} s and was aborted (ABORT TASK)`));
      this.luReset(c, task);
    });
  }

  private luReset(c: Connection, task: Task): void {
    task.escalation = "lu-reset";
    this.tmf(c, TMF.LOGICAL_UNIT_RESET, task.lunField, RESERVED_TAG, task.cmdSN, this.timeouts.luResetMs).then((ok) => {
      if (!ok) return c.fail("task-escalation", `ABORT TASK and LOGICAL UNIT RESET for LUN ${task.lun} failed or timed out: dropping the connection`);
      for (const t of [...this.tasks.values()]) {
        if (t.lunField === task.lunField && (t.state === "ACTIVE" || t.state === "ABORTING")) {
          if (t.state === "ACTIVE") t.move("abort", "LOGICAL UNIT RESET");
          t.abandon("abort-done", new TaskError("ERR_TASK_ABORTED", `aborted by a LOGICAL UNIT RESET of LUN ${task.lun}`));
        }
      }
    });
  }

  /** Send a TMF request; true when the target answered "function complete" or "task does not exist". */
  private tmf(c: Connection, fn: number, lun: bigint, ref: number, refCmdSN: number, timeoutMs: number): Promise<boolean> {
    if (c.state !== "LOGGED_IN") return Promise.resolve(false);
    const itt = this.nextItt();
    return new Promise<boolean>((resolve) => {
      const timer = this.clock.setTimer(timeoutMs, () => {
        const p = this.probes["timer:expire"];
        if (p.hasSubscribers) p.publish({ conn: c, timer: fn === TMF.ABORT_TASK ? "abort" : "lu-reset", timeoutMs, t: this.clock.now() });
        resolve(false);
      });
      c.exchange({
        kind: "task-request", immediate: true, function: fn, lun, itt, referencedTaskTag: ref, cmdSN: this.cmdSN,
        expStatSN: c.expStatSN, refCmdSN, expDataSN: 0, ahs: [], data: new Uint8Array(0),
      }).then((r: Pdu) => {
        timer.cancel();
        resolve(r.kind === "task-response" && (r.response === 0 || r.response === 1));
      }, () => { timer.cancel(); resolve(false); });
    });
  }

  /** Async Message 4: the target wants a Text negotiation; re-declare what we may. */
  renegotiate(c: Connection, _withinSeconds: number): void {
    void _withinSeconds;
    void c.renegotiate();
  }

  // ---- helpers ----

  /** Commands on the wire on `c` (for disconnect context). */
  inFlight(c: Connection): number {
    let n = 0;
    for (const t of this.tasks.values()) if (t.conn === c) n++;
    return n;
  }

  /** Commands waiting (pending) and on the wire (active). */
  get queued(): number {
    return this.pending.length;
  }
  get active(): number {
    return this.tasks.size;
  }

  /** A fresh ITT, never 0xffffffff, never one in use. */
  nextItt(): number {
    for (;;) {
      this.ittSeq = (this.ittSeq + 1) >>> 0;
      if (this.ittSeq !== RESERVED_TAG && !this.tasks.has(this.ittSeq)) return this.ittSeq;
    }
  }

  /** The negotiated values the data path reads (the session's own, not a copy per command). */
  private dataPath(): DataPathParams {
    return this.params!;
  }

  private failAll(code: "ERR_SESSION_CLOSED" | "ERR_SESSION_FAILED", why: string): void {
    const err = new TaskError(code, why);
    for (const t of [...this.tasks.values(), ...this.pending.drain()]) {
      if (t.state !== "FREE" && t.state !== "COMPLETED") t.abandon("fail", err);
    }
    this.tasks.clear();
  }
}
