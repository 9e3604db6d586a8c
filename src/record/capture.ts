/**
 * The recorder's probe subscribers, on the main thread: each copies what its table needs
 * from the probe arguments into the queue's slots (numbers, interned names, a few strings),
 * so no live object crosses to the writer thread and the per-event cost stays a few stores.
 *
 * Identity: sessions by oid; connections by object (a session that reconnects gets new
 * Connection objects that may reuse a cid, and each gets its own row with its cid); tasks by
 * object, numbered at their first recorded event; logins by connection.
 *
 * Task transitions on the routine path (E1 queue, E2 send, E3 complete, E8 free) are not
 * recorded unless asked: the task row already holds their times. The others (abort,
 * timeout, connection failure, E9, E10) are.
 */
import type { AnyProbeArgs, Probe, ProbeBus } from "../probe/bus.js";
import type {
  AnomalyArgs, DisconnectArgs, LoginKeyArgs, LoginResultArgs, LoginStartArgs, PduArgs, SessionRecoveryArgs,
  StateChangeArgs, TaskDoneArgs, UnhandledArgs,
} from "../probe/catalog.js";
import type { ConnRef, Ns, ProbeModule, SessionRef, TaskRef } from "../probe/types.js";
import { pduOpcode } from "../wire/types.js";
import { BIG_NULL, KIND } from "./layout.js";
import type { RecordQueue } from "./queue.js";

/** What the subscribers record beyond the default. */
export interface CaptureOptions {
  /** Record PDU headers (every PDU: the most expensive option). Default false. */
  pdus?: boolean;
  /** Record every task transition, the routine E1/E2/E3/E8 too. Default false. */
  allTaskTransitions?: boolean;
}

interface SessionIds {
  id: number;
}

const ROUTINE_TASK_RFC = new Set(["E1", "E2", "E3", "E8"]);
/** Security-stage keys whose values may be stored; every other CHAP_/SRP_/KRB_/SPKM_ key is redacted. */
const SAFE_AUTH_KEYS = new Set(["CHAP_A", "CHAP_I", "CHAP_N"]);
const AUTH_KEY = /^(CHAP|SRP|KRB|SPKM[12]?)_/;
const REDACTED = "<redacted>";

type Handler = (a: never, p: Probe<AnyProbeArgs>) => void;

/**
 * @example
 * const detach = new ProbeCapture(queue, { pdus: true }).attach(bus, "initiator");
 * // ... probes fire, records queue up ...
 * detach();
 */
export class ProbeCapture {
  private readonly sessions = new Map<number, SessionIds>();
  private readonly connIds = new WeakMap<ConnRef, number>();
  private readonly taskIds = new WeakMap<TaskRef, number>();
  private readonly loginIds = new WeakMap<ConnRef, number>();
  /** The last session and connection looked up: consecutive events are mostly about the same ones. */
  private lastSessionRef: SessionRef | undefined;
  private lastSession: SessionIds | undefined;
  private lastConnRef: ConnRef | undefined;
  private lastConnId = 0;
  /** Tasks numbered before their task:done (by a recorded transition); while 0, task:done skips the WeakMap. */
  private numberedTasks = 0;
  private readonly dirSym: { read: number; write: number; none: number };
  private nextSession = 0;
  private nextConn = 0;
  private nextTask = 0;
  private nextLogin = 0;

  constructor(private readonly q: RecordQueue, private readonly opts: CaptureOptions = {}) {
    this.dirSym = { read: q.symId("read"), write: q.symId("write"), none: q.symId("none") };
  }

  /** Subscribe to `bus` (one module, or both); returns the unsubscribe. */
  attach(bus: ProbeBus, module?: ProbeModule): () => void {
    const offs: Array<() => void> = [];
    const on = (key: string, fn: Handler) => {
      offs.push(bus.subscribe(module ? `iscsi:${module}:${key}` : key, fn as unknown as (a: AnyProbeArgs, p: Probe<AnyProbeArgs>) => void));
    };
    on("session:state-change", (a: StateChangeArgs<SessionRef, string>, p) => this.sessionState(a, p.id));
    on("conn:state-change", (a: StateChangeArgs<ConnRef, string>, p) => this.connState(a, p.id));
    on("task:state-change", (a: StateChangeArgs<TaskRef, string>, p) => this.taskState(a, p.id));
    on("task:done", (a: TaskDoneArgs, p) => this.taskDone(a, p.id));
    on("conn:disconnect", (a: DisconnectArgs, p) => this.disconnect(a, p.id));
    on("login:start", (a: LoginStartArgs, p) => this.loginStart(a, p.id));
    on("login:key", (a: LoginKeyArgs, p) => this.loginKey(a, p.id));
    on("login:result", (a: LoginResultArgs, p) => this.loginResult(a, p.id));
    on("session:recovery", (a: SessionRecoveryArgs, p) => this.recovery(a, p.id));
    on("anomaly:*", (a: AnomalyArgs, p) => this.anomaly(a, p.id));
    on("fsm:unhandled", (a: UnhandledArgs, p) => this.unhandled(a, p.id));
    if (this.opts.pdus) {
      on("pdu:send", (a: PduArgs, p) => this.pdu(a, true, p.id));
      on("pdu:receive", (a: PduArgs, p) => this.pdu(a, false, p.id));
    }
    return () => {
      for (const off of offs.splice(0)) off();
    };
  }

  // ---- identity: structural records, never dropped ----

  private session(ref: SessionRef, t: Ns): SessionIds {
    if (ref === this.lastSessionRef) return this.lastSession!;
    let s = this.sessions.get(ref.oid);
    if (s) {
      this.lastSessionRef = ref;
      this.lastSession = s;
      return s;
    }
    s = { id: ++this.nextSession };
    this.sessions.set(ref.oid, s);
    const q = this.q;
    q.force(KIND.session);
    q.int(s.id); q.int(ref.oid); q.sym(ref.type); q.str(ref.initiatorName); q.str(ref.targetName);
    q.int(ref.isid); q.int(ref.tsih); q.sym(ref.state); q.big(t);
    return s;
  }

  /** A connection is its object: a reconnect is a new row even with the same cid, and a late event of the old one still finds the old row. */
  private conn(ref: ConnRef, t: Ns): number {
    if (ref === this.lastConnRef) return this.lastConnId;
    let id = this.connIds.get(ref);
    if (id === undefined) {
      const sessionId = this.session(ref.session, t).id;
      id = ++this.nextConn;
      this.connIds.set(ref, id);
      this.connRecord(ref, id, sessionId, t);
    }
    this.lastConnRef = ref;
    this.lastConnId = id;
    return id;
  }

  private connRecord(ref: ConnRef, id: number, sessionId: number, t: Ns): void {
    const q = this.q;
    q.force(KIND.conn);
    q.int(id); q.int(sessionId); q.int(ref.cid); q.str(ref.local); q.str(ref.remote); q.sym(ref.state); q.big(t);
  }

  private task(ref: TaskRef): number {
    let id = this.taskIds.get(ref);
    if (id === undefined) {
      id = ++this.nextTask;
      this.taskIds.set(ref, id);
      this.numberedTasks++;
    }
    return id;
  }

  private login(conn: ConnRef): number {
    let id = this.loginIds.get(conn);
    if (id === undefined) {
      id = ++this.nextLogin;
      this.loginIds.set(conn, id);
    }
    return id;
  }

  // ---- events: dropped and counted when the queue is full ----

  private state(a: StateChangeArgs<unknown, string>): void {
    const q = this.q;
    q.sym(a.from); q.sym(a.to); q.sym(a.event); q.sym(a.rfc); q.str(a.detail); q.big(a.t);
  }

  private sessionState(a: StateChangeArgs<SessionRef, string>, probe: string): void {
    const s = this.session(a.ref, a.t);
    if (!this.q.begin(probe, KIND.sessionState, a.t)) return;
    this.q.int(s.id);
    this.q.int(a.ref.tsih);
    this.state(a);
  }

  private connState(a: StateChangeArgs<ConnRef, string>, probe: string): void {
    const id = this.conn(a.ref, a.t);
    const sid = this.session(a.ref.session, a.t).id;
    if (!this.q.begin(probe, KIND.connState, a.t)) return;
    const q = this.q;
    q.int(id); q.int(sid); q.str(a.ref.local); q.str(a.ref.remote);
    this.state(a);
  }

  private taskState(a: StateChangeArgs<TaskRef, string>, probe: string): void {
    if (!this.opts.allTaskTransitions && ROUTINE_TASK_RFC.has(a.rfc)) return;
    const sid = this.session(a.ref.session, a.t).id;
    const id = this.task(a.ref);
    if (!this.q.begin(probe, KIND.taskState, a.t)) return;
    this.q.int(id);
    this.q.int(sid);
    this.state(a);
  }

  /** The per-command path: slots written in place (layout.ts `task`), no method call per field. */
  private taskDone(a: TaskDoneArgs, probe: string): void {
    const task = a.task;
    const sid = this.session(task.session, a.t).id;
    const cid = task.conn === undefined ? NaN : this.conn(task.conn, a.t);
    // A task row is written once: forget the object, so a producer that reuses it gets a new id.
    let id = this.numberedTasks > 0 ? this.taskIds.get(task) : undefined;
    if (id === undefined) {
      id = ++this.nextTask;
    } else {
      this.taskIds.delete(task);
      this.numberedTasks--;
    }
    const q = this.q;
    if (!q.claim(probe, KIND.task, a.t)) return;
    const n = q.nums;
    const b = q.bigs;
    let i = q.at;
    let j = q.bigAt;
    n[i++] = id; n[i++] = sid; n[i++] = cid; n[i++] = task.lun; n[i++] = task.itt; n[i++] = task.cmdSN; n[i++] = task.op;
    b[j++] = task.lba ?? BIG_NULL; n[i++] = task.length; n[i++] = this.dirSym[task.dir];
    b[j++] = a.queuedT; b[j++] = a.sentT ?? BIG_NULL; b[j++] = a.firstDataT ?? BIG_NULL;
    n[i++] = a.response ?? NaN; n[i++] = a.status ?? NaN;
    const sense = a.sense;
    n[i++] = sense ? sense.key : NaN; n[i++] = sense ? sense.asc : NaN; n[i++] = sense ? sense.ascq : NaN;
    n[i++] = a.error === undefined ? -1 : q.symId(a.error);
    n[i++] = a.bytes; n[i++] = a.residual; b[j++] = a.r2tWaitNs; b[j++] = a.t;
  }

  private disconnect(a: DisconnectArgs, probe: string): void {
    const cid = this.conn(a.conn, a.t);
    const sid = this.session(a.conn.session, a.t).id;
    const q = this.q;
    if (!q.begin(probe, KIND.disconnect, a.t)) return;
    q.int(cid); q.int(sid); q.sym(a.reason); q.str(a.detail); q.int(a.inFlight);
    q.big(a.sinceLastRxNs); q.big(a.lastNopRttNs); q.int(a.statusClass); q.int(a.statusDetail); q.big(a.t);
  }

  private loginStart(a: LoginStartArgs, probe: string): void {
    const cid = this.conn(a.conn, a.t);
    const sid = this.session(a.conn.session, a.t).id;
    this.loginIds.delete(a.conn);
    const id = this.login(a.conn);
    const q = this.q;
    if (!q.begin(probe, KIND.loginStart, a.t)) return;
    q.int(id); q.int(cid); q.int(sid); q.int(a.attempt); q.big(a.t);
  }

  private loginKey(a: LoginKeyArgs, probe: string): void {
    const cid = this.conn(a.conn, a.t);
    const sid = this.session(a.conn.session, a.t).id;
    const id = this.login(a.conn);
    const q = this.q;
    if (!q.begin(probe, KIND.loginKey, a.t)) return;
    const secret = AUTH_KEY.test(a.key) && !SAFE_AUTH_KEYS.has(a.key);
    q.int(id); q.int(cid); q.int(sid); q.sym(a.key);
    q.str(secret && a.offered !== undefined ? REDACTED : a.offered);
    q.str(secret && a.answered !== undefined ? REDACTED : a.answered);
    q.str(secret && a.result !== undefined ? REDACTED : a.result);
    q.sym(a.proposer); q.sym(a.rule); q.big(a.t);
  }

  private loginResult(a: LoginResultArgs, probe: string): void {
    const cid = this.conn(a.conn, a.t);
    const sid = this.session(a.conn.session, a.t).id;
    const id = this.login(a.conn);
    this.loginIds.delete(a.conn);
    const q = this.q;
    if (!q.begin(probe, KIND.loginResult, a.t)) return;
    q.int(id); q.int(cid); q.int(sid); q.int(a.statusClass); q.int(a.statusDetail); q.sym(a.status);
    q.int(a.tsih); q.big(a.durationNs); q.str(a.redirectedTo); q.big(a.t);
  }

  private recovery(a: SessionRecoveryArgs, probe: string): void {
    const sid = this.session(a.session, a.t).id;
    const q = this.q;
    if (!q.begin(probe, KIND.recovery, a.t)) return;
    q.int(sid); q.int(a.attempt); q.int(a.delayMs); q.sym(a.reason); q.big(a.t);
  }

  private anomaly(a: AnomalyArgs, probe: string): void {
    const cid = this.conn(a.conn, a.t);
    const sid = this.session(a.conn.session, a.t).id;
    const q = this.q;
    if (!q.begin(probe, KIND.anomaly, a.t)) return;
    q.int(cid); q.int(sid); q.sym(a.kind); q.str(a.detail); q.int(a.itt); q.int(a.expected); q.int(a.got); q.big(a.t);
  }

  private unhandled(a: UnhandledArgs, probe: string): void {
    const q = this.q;
    if (!q.begin(probe, KIND.anomaly, a.t)) return;
    q.int(NaN); q.int(NaN); q.sym("fsm-unhandled"); q.str(`${a.machine} state machine: no transition from ${a.state} on ${a.event}`);
    q.int(NaN); q.int(NaN); q.int(NaN); q.big(a.t);
  }

  /** The per-PDU path (only with `pdus`): slots written in place (layout.ts `pdu`). */
  private pdu(a: PduArgs, tx: boolean, probe: string): void {
    const cid = this.conn(a.conn, a.t);
    const q = this.q;
    if (!q.claim(probe, KIND.pdu, a.t)) return;
    const p = a.pdu as unknown as { [k: string]: number | undefined };
    const n = q.nums;
    let i = q.at;
    n[i++] = cid; n[i++] = tx ? 1 : 0; n[i++] = pduOpcode(a.pdu); n[i++] = q.symId(a.pdu.kind); n[i++] = p.itt ?? NaN;
    n[i++] = p.ttt ?? NaN; n[i++] = p.cmdSN ?? NaN; n[i++] = p.expStatSN ?? NaN; n[i++] = p.statSN ?? NaN;
    n[i++] = p.expCmdSN ?? NaN; n[i++] = p.maxCmdSN ?? NaN; n[i++] = p.dataSN ?? NaN; n[i++] = p.r2tSN ?? NaN;
    n[i++] = p.bufferOffset ?? NaN; n[i++] = a.pdu.data.length; n[i++] = a.wireLength;
    q.bigs[q.bigAt] = a.t;
  }
}
