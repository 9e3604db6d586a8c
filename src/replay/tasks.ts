/**
 * SCSI commands seen on the wire, matched by ITT within their session: queued and sent when
 * the command goes by (the wire shows no wait), R2Ts and their waits, Data-In and Data-Out
 * checked against DataSN, R2TSN, offsets and the windows the target opened, status and
 * sense, task management, and commands sent again after a reconnect. Fires the same task
 * probes and transitions as the initiator (src/initiator/task.ts), in the same order.
 */
import { fire } from "../fsm/fsm.js";
import { TASK_FSM, type TaskEvent } from "../fsm/task-fsm.js";
import type { AnomalyKind, Ns } from "../probe/types.js";
import { cdbInfo, lunFromField, senseTriple } from "../scsi/index.js";
import { snLt } from "../wire/serial.js";
import type { DataIn, DataOut, R2T, ScsiCommand, ScsiResponse, TaskRequest, TaskResponse } from "../wire/types.js";
import { negotiated } from "./login.js";
import { ReplayTask, type ReplayConn, type ReplaySession } from "./objects.js";

export type AnomalyFn = (conn: ReplayConn, kind: AnomalyKind, detail: string, itt?: number, expected?: number, got?: number) => void;

/** Sequence numbers not known (after a capture gap): the next PDU sets them. */
const UNKNOWN = -1;

function move(task: ReplayTask, event: TaskEvent, detail?: string): void {
  fire(TASK_FSM, task, event, undefined, detail);
}

function sameCommand(task: ReplayTask, c: ScsiCommand, lun: number): boolean {
  if (task.lun !== lun || task.length !== c.expectedDataTransferLength || task.cdb.length !== c.cdb.length) return false;
  for (let i = 0; i < c.cdb.length; i++) if (task.cdb[i] !== c.cdb[i]) return false;
  return true;
}

/**
 * A SCSI Command: a new task, queued and sent at once (E1, E2); or, after a reconnect, a
 * command the failed connection took back going out again (E2 with a new ITT and CmdSN, as
 * the initiator re-sends it). `onWire` fires the command's PDU probes between the two, where
 * the initiator fires them.
 */
export function onCommand(conn: ReplayConn, c: ScsiCommand, anomaly: AnomalyFn, onWire: () => void): void {
  const s = conn.session;
  const t = conn.clock.now();
  const lun = lunFromField(c.lun) ?? -1;
  const old = s.tasks.get(c.itt);
  if (old && old.state !== "FREE") anomaly(conn, "duplicate-itt", `SCSI Command reuses ITT 0x${c.itt.toString(16)} of a command still outstanding`, c.itt);
  const again = s.requeued.findIndex((x) => sameCommand(x, c, lun));
  let task: ReplayTask;
  if (again >= 0) {
    task = s.requeued.splice(again, 1)[0];
    task.resend(conn, c.itt, c.cmdSN, t);
    onWire();
  } else {
    const dir = c.read ? "read" : c.write ? "write" : "none";
    const cdb = new Uint8Array(c.cdb);
    task = new ReplayTask(s, conn, c.itt, c.cmdSN, lun, cdb, cdbInfo(cdb).lba, c.expectedDataTransferLength, dir, t);
    move(task, "queue");
    const q = conn.probes["task:queued"];
    if (q.hasSubscribers) q.publish({ task, t });
    onWire();
  }
  s.tasks.set(c.itt, task);
  if (task.dir === "write") {
    // Immediate data, and the unsolicited first burst when InitialR2T is No (RFC 7143 §13.10).
    const initialR2T = (negotiated(conn, "InitialR2T") ?? "Yes") === "Yes";
    const first = Number(negotiated(conn, "FirstBurstLength") ?? 65536);
    task.allowed.push([0, initialR2T ? c.data.length : Math.min(first, c.expectedDataTransferLength)]);
    task.bytes = c.data.length;
  }
  move(task, "send");
  const sent = conn.probes["task:sent"];
  if (sent.hasSubscribers) sent.publish({ task, t });
  if (task.bytes > 0) firstData(task, t, 0, task.bytes);
}

function firstData(task: ReplayTask, t: Ns, offset: number, length: number): void {
  if (task.firstDataT !== undefined) return;
  task.firstDataT = t;
  const p = task.probes["task:first-data"];
  if (p.hasSubscribers) p.publish({ task, t });
  const x = task.probes["task:xfer-start"];
  if (x.hasSubscribers && task.dir !== "none") x.publish({ task, dir: task.dir, bufferOffset: offset, length, t });
}

function taskOf(conn: ReplayConn, itt: number, kind: string, anomaly: AnomalyFn): ReplayTask | undefined {
  const task = conn.session.tasks.get(itt);
  if (task && (task.state === "ACTIVE" || task.state === "ABORTING")) return task;
  anomaly(conn, "unknown-itt", `${kind} for ITT 0x${itt.toString(16)} with no command outstanding`, itt);
  return undefined;
}

export function onDataIn(conn: ReplayConn, d: DataIn, anomaly: AnomalyFn): void {
  const task = taskOf(conn, d.itt, "Data-In", anomaly);
  if (!task) return;
  const t = conn.clock.now();
  if (task.expDataSN !== UNKNOWN && d.dataSN !== task.expDataSN) {
    anomaly(conn, "datasn-gap", `Data-In DataSN ${d.dataSN}, expected ${task.expDataSN}`, d.itt, task.expDataSN, d.dataSN);
  }
  task.expDataSN = d.dataSN + 1;
  const n = d.data.length;
  if (n > 0) {
    if (task.nextOffset !== UNKNOWN && (d.bufferOffset !== task.nextOffset || d.bufferOffset + n > task.length)) {
      anomaly(conn, "data-in-offset", `Data-In of ${n} bytes at offset ${d.bufferOffset}, expected offset ${task.nextOffset} within ${task.length}`,
        d.itt, task.nextOffset, d.bufferOffset);
    }
    firstData(task, t, d.bufferOffset, n);
    task.nextOffset = d.bufferOffset + n;
    task.bytes += n;
  }
  if (d.statusPresent) done(task, "complete", { response: 0, status: d.status, sense: undefined, residual: d.residualCount });
}

export function onR2T(conn: ReplayConn, r: R2T, anomaly: AnomalyFn): void {
  const task = taskOf(conn, r.itt, "R2T", anomaly);
  if (!task) return;
  const t = conn.clock.now();
  if (task.expR2TSN !== UNKNOWN && r.r2tSN !== task.expR2TSN) {
    anomaly(conn, "r2tsn-gap", `R2TSN ${r.r2tSN}, expected ${task.expR2TSN}`, r.itt, task.expR2TSN, r.r2tSN);
  }
  task.expR2TSN = r.r2tSN + 1;
  task.r2tWaitNs += t - task.waitFrom;
  task.allowed.push([r.bufferOffset, r.bufferOffset + r.desiredDataTransferLength]);
  const p = task.probes["task:r2t"];
  if (p.hasSubscribers) p.publish({ task, r2tSN: r.r2tSN, bufferOffset: r.bufferOffset, desiredDataTransferLength: r.desiredDataTransferLength, t });
  firstData(task, t, r.bufferOffset, r.desiredDataTransferLength);
}

export function onDataOut(conn: ReplayConn, d: DataOut, anomaly: AnomalyFn): void {
  const task = taskOf(conn, d.itt, "Data-Out", anomaly);
  if (!task) return;
  const t = conn.clock.now();
  const [from, to] = [d.bufferOffset, d.bufferOffset + d.data.length];
  if (!task.allowed.some(([a, b]) => from >= a && to <= b)) {
    anomaly(conn, "data-out-beyond-r2t", `Data-Out for bytes ${from}..${to} outside what R2Ts and the first burst allowed`, d.itt);
  }
  task.bytes = Math.max(task.bytes, to);
  if (d.final) task.waitFrom = t;
}

export function onResponse(conn: ReplayConn, r: ScsiResponse, anomaly: AnomalyFn): void {
  const task = taskOf(conn, r.itt, "SCSI Response", anomaly);
  if (!task) return;
  let sense: Uint8Array | undefined;
  if (r.data.length >= 2) {
    const n = (r.data[0] << 8) | r.data[1];
    if (n > 0) sense = r.data.subarray(2, 2 + n);
  }
  done(task, "complete", { response: r.response, status: r.status, sense, residual: r.residualCount });
}

interface Outcome {
  response: number;
  status: number;
  sense: Uint8Array | undefined;
  residual: number;
}

/**
 * The end of a command: the transition (E3/E10 with a status; E9 or E7 without), then
 * task:xfer-done, task:done and E8, as the initiator's Task.finish fires them.
 */
function done(task: ReplayTask, event: TaskEvent, outcome: Outcome | undefined, error?: string, detail = error): void {
  const t = task.clock.now();
  move(task, event, detail);
  if (task.state !== "COMPLETED") return;
  if (task.session.tasks.get(task.itt) === task) task.session.tasks.delete(task.itt);
  const x = task.probes["task:xfer-done"];
  if (x.hasSubscribers && task.firstDataT !== undefined && task.dir !== "none") x.publish({ task, dir: task.dir, bufferOffset: 0, length: task.bytes, t });
  const p = task.probes["task:done"];
  if (p.hasSubscribers) {
    p.publish({
      task, response: outcome?.response, status: outcome?.status, sense: senseTriple(outcome?.sense), error, bytes: task.bytes,
      residual: outcome?.residual ?? 0, queuedT: task.queuedT, sentT: task.sentT, firstDataT: task.firstDataT, r2tWaitNs: task.r2tWaitNs, t,
    });
  }
  move(task, "free");
}

/** A task management request: the commands it names go ABORTING (E4). */
export function onTaskRequest(conn: ReplayConn, r: TaskRequest, name: string): void {
  for (const task of affected(conn.session, r.function, lunFromField(r.lun) ?? -1, r.referencedTaskTag)) {
    if (task.state === "ACTIVE") move(task, "abort", name);
  }
}

/** Its response: when the function completed (or the task was already gone) the commands end (E9). */
export function onTaskResponse(conn: ReplayConn, r: TaskResponse, req: TaskRequest | undefined): void {
  if (!req || (r.response !== 0 && r.response !== 1)) return;
  for (const task of affected(conn.session, req.function, lunFromField(req.lun) ?? -1, req.referencedTaskTag)) {
    if (task.state === "ABORTING") done(task, "abort-done", undefined, "ERR_TASK_ABORTED");
  }
}

function affected(s: ReplaySession, fn: number, lun: number, ref: number): ReplayTask[] {
  const all = [...s.tasks.values()];
  if (fn === 1) return all.filter((t) => t.itt === ref);
  if (fn === 2 || fn === 4 || fn === 5) return all.filter((t) => t.lun === lun);
  return fn === 6 || fn === 7 ? all : [];
}

/** The target rejected a command: it ends without status (E7), as the initiator gives it up. */
export function onCommandRejected(conn: ReplayConn, itt: number): boolean {
  const task = conn.session.tasks.get(itt);
  if (!task || (task.state !== "ACTIVE" && task.state !== "ABORTING")) return false;
  done(task, "fail", undefined, "ERR_TASK_REJECTED");
  return true;
}

/**
 * N5: the commands on the failed connection are taken back (E7 to PENDING) to be sent again
 * after the reconnect; those being aborted end.
 */
export function takeBack(s: ReplaySession, detail: string): void {
  const tasks = [...s.tasks.values()].sort((a, b) => (snLt(a.cmdSN, b.cmdSN) ? -1 : 1));
  for (const task of tasks) {
    if (task.state === "ACTIVE") {
      move(task, "conn-fail", detail);
      s.tasks.delete(task.itt);
      s.requeued.push(task);
    } else if (task.state === "ABORTING") {
      done(task, "conn-fail", undefined, "ERR_TASK_ABORTED", detail);
    }
  }
}

/** N3/N6: everything still outstanding or waiting to be sent again ends without status. */
export function failAll(s: ReplaySession, code: string, detail: string): void {
  for (const task of [...s.tasks.values(), ...s.requeued]) {
    if (task.state === "ACTIVE" || task.state === "ABORTING" || task.state === "PENDING") done(task, "fail", undefined, code, detail);
  }
  s.requeued = [];
  s.tasks.clear();
}

/** After a capture gap from the target, the next Data-In and R2T set the sequences again. */
export function forgetSequences(conn: ReplayConn): void {
  for (const task of conn.session.tasks.values()) {
    if (task.conn !== conn) continue;
    task.expDataSN = UNKNOWN;
    task.expR2TSN = UNKNOWN;
    task.nextOffset = UNKNOWN;
  }
}

/** Commands on the wire on `conn` (sent, not completed). */
export function inFlight(conn: ReplayConn): number {
  let n = 0;
  for (const task of conn.session.tasks.values()) if (task.conn === conn && (task.state === "ACTIVE" || task.state === "ABORTING")) n++;
  return n;
}
