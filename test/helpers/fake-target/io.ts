/**
 * SCSI commands on the wire (RFC 7143 §4.2.5, §11.3–11.8): reads go out as Data-In PDUs of
 * at most the initiator's MaxRecvDataSegmentLength, F at the end of each MaxBurstLength
 * sequence, status collapsed into the last one (S bit); writes take immediate data,
 * unsolicited Data-Out up to FirstBurstLength, and R2Ts for the rest (at most
 * MaxBurstLength each, at most MaxOutstandingR2T at a time). Also task management.
 */
import { RESERVED_TAG as NONE } from "../../../src/wire/layout.js";
import type { DataOut, ScsiCommand, TaskRequest } from "../../../src/wire/types.js";
import type { FakeConnection } from "./connection.js";
import { decodeLun, executeScsi, isWrite, planWrite, Status, type LogicalUnit, type ScsiResult, type WritePlan } from "./scsi.js";

/** A WRITE waiting for its data. */
export interface WriteTask {
  cmd: ScsiCommand;
  lu: LogicalUnit;
  plan: WritePlan;
  buffer: Uint8Array;
  received: number;
  /** End of the unsolicited part (immediate data and Data-Out with TTT 0xffffffff). */
  unsolicitedEnd: number;
  /** Offset the next R2T asks for. */
  nextOffset: number;
  r2tSN: number;
  /** Outstanding R2Ts by TTT. */
  r2ts: Map<number, { offset: number; length: number; got: number }>;
}

const EMPTY = new Uint8Array(0);
const FINISHED_KEPT = 1024;

/** TMF functions (RFC 7143 §11.5.1) and responses (§11.6.1). */
const Tmf = { AbortTask: 1, AbortTaskSet: 2, ClearTaskSet: 4, LogicalUnitReset: 5, TargetWarmReset: 6, TargetColdReset: 7 } as const;
const TmfResponse = { Complete: 0, NoTask: 1, NoLun: 2, NotSupported: 5 } as const;

export function onScsiCommand(conn: FakeConnection, cmd: ScsiCommand, header: Uint8Array): void {
  const node = conn.session!.node;
  if (!node) return conn.protocolError(0x04, header, "SCSI Command in a discovery session");
  const lu = node.luns.get(decodeLun(cmd.lun));
  if (isWrite(cmd.cdb)) return startWrite(conn, cmd, lu, header);
  if (cmd.data.length > 0) return conn.protocolError(0x09, header, "data with a command that writes nothing");
  const r = executeScsi(lu, node.lunList, cmd.cdb);
  if (r.status === Status.Good && r.data && r.data.length > 0 && cmd.expectedDataTransferLength > 0) {
    return sendReadData(conn, cmd, r.data);
  }
  sendStatus(conn, cmd, r, 0, r.data?.length ?? 0);
}

/** SCSI Response; residuals from EDTL and the bytes the command wanted to move. */
function sendStatus(conn: FakeConnection, cmd: ScsiCommand, r: ScsiResult, expDataSN: number, wanted: number): void {
  finish(conn, cmd.itt);
  const edtl = cmd.expectedDataTransferLength;
  const data = r.sense ? senseSegment(r.sense) : EMPTY;
  const moved = r.status === Status.Good ? wanted : 0;
  conn.send({
    kind: "scsi-response", bidiReadOverflow: false, bidiReadUnderflow: false,
    overflow: moved > edtl, underflow: moved < edtl, response: 0, status: r.status, itt: cmd.itt, snackTag: 0,
    statSN: 0, expCmdSN: 0, maxCmdSN: 0, expDataSN, bidiReadResidualCount: 0,
    residualCount: Math.abs(edtl - moved), ahs: [], data,
  });
}

/** SenseLength (2 bytes) followed by the sense data (RFC 7143 §11.4.7). */
function senseSegment(sense: Uint8Array): Uint8Array {
  const d = new Uint8Array(2 + sense.length);
  d[0] = sense.length >> 8;
  d[1] = sense.length & 0xff;
  d.set(sense, 2);
  return d;
}

function sendReadData(conn: FakeConnection, cmd: ScsiCommand, data: Uint8Array): void {
  const core = conn.core;
  const edtl = cmd.expectedDataTransferLength;
  const n = Math.min(data.length, edtl);
  const maxBurst = conn.session!.params!.maxBurstLength;
  const collapse = core.opts.phaseCollapse;
  let dataSN = 0;
  for (let off = 0; off < n;) {
    const burstEnd = (Math.floor(off / maxBurst) + 1) * maxBurst;
    const len = Math.min(conn.params.initiatorMRDSL, n - off, burstEnd - off);
    const last = off + len >= n;
    const skip = core.faults.skipDataSN.take(conn.id);
    if (skip) core.event(conn, "fault", `DataSN skips ${skip} in itt=${cmd.itt}`);
    dataSN += skip ?? 0;
    const shift = core.faults.wrongBufferOffset.take(conn.id);
    if (shift) core.event(conn, "fault", `BufferOffset ${off} sent as ${off + shift} in itt=${cmd.itt}`);
    const status = last && collapse;
    conn.send({
      kind: "data-in", final: last || off + len === burstEnd, acknowledge: false,
      overflow: status && data.length > edtl, underflow: status && data.length < edtl, statusPresent: status,
      status: Status.Good, lun: cmd.lun, itt: cmd.itt, ttt: NONE, statSN: 0, expCmdSN: 0, maxCmdSN: 0,
      dataSN, bufferOffset: (off + (shift ?? 0)) >>> 0, residualCount: status ? Math.abs(edtl - data.length) : 0,
      ahs: [], data: data.subarray(off, off + len),
    });
    dataSN++;
    off += len;
  }
  if (collapse) finish(conn, cmd.itt);
  else sendStatus(conn, cmd, { status: Status.Good }, dataSN, data.length);
}

function startWrite(conn: FakeConnection, cmd: ScsiCommand, lu: LogicalUnit | undefined, header: Uint8Array): void {
  const sp = conn.session!.params!;
  const edtl = cmd.expectedDataTransferLength;
  const imm = cmd.data.length;
  if (imm > 0 && !sp.immediateData) return conn.protocolError(0x04, header, "immediate data with ImmediateData=No");
  if (imm > Math.min(sp.firstBurstLength, edtl)) {
    return conn.protocolError(0x09, header, `${imm} bytes of immediate data, limit ${Math.min(sp.firstBurstLength, edtl)}`);
  }
  const plan = planWrite(lu, cmd.cdb);
  if ("status" in plan) return sendStatus(conn, cmd, plan, 0, 0);
  const buffer = new Uint8Array(edtl);
  buffer.set(cmd.data);
  const unsolicitedEnd = sp.initialR2T ? imm : Math.min(sp.firstBurstLength, edtl);
  const task: WriteTask = {
    cmd, lu: lu!, plan, buffer, received: imm, unsolicitedEnd, nextOffset: unsolicitedEnd, r2tSN: 0, r2ts: new Map(),
  };
  conn.writes.set(cmd.itt, task);
  issueR2Ts(conn, task);
  maybeComplete(conn, task);
}

function issueR2Ts(conn: FakeConnection, t: WriteTask): void {
  const sp = conn.session!.params!;
  const edtl = t.cmd.expectedDataTransferLength;
  while (t.r2ts.size < sp.maxOutstandingR2T && t.nextOffset < edtl) {
    const length = Math.min(sp.maxBurstLength, edtl - t.nextOffset);
    const ttt = conn.nextTtt();
    t.r2ts.set(ttt, { offset: t.nextOffset, length, got: 0 });
    conn.send({
      kind: "r2t", lun: t.cmd.lun, itt: t.cmd.itt, ttt, statSN: 0, expCmdSN: 0, maxCmdSN: 0, r2tSN: t.r2tSN++,
      bufferOffset: t.nextOffset, desiredDataTransferLength: length, ahs: [], data: EMPTY,
    });
    t.nextOffset += length;
  }
}

export function onDataOut(conn: FakeConnection, d: DataOut, header: Uint8Array): void {
  const t = conn.writes.get(d.itt);
  if (!t) {
    if (conn.finished.has(d.itt)) return conn.core.event(conn, "protocol-error", `late Data-Out for itt=${d.itt} dropped`);
    return conn.protocolError(0x09, header, `Data-Out for unknown itt=${d.itt}`);
  }
  const end = d.bufferOffset + d.data.length;
  if (d.ttt === NONE) {
    if (d.bufferOffset < t.cmd.data.length || end > t.unsolicitedEnd) {
      return conn.protocolError(0x09, header, `unsolicited Data-Out [${d.bufferOffset}, ${end}) outside [${t.cmd.data.length}, ${t.unsolicitedEnd})`);
    }
  } else {
    const r = t.r2ts.get(d.ttt);
    if (!r || d.bufferOffset < r.offset || end > r.offset + r.length) {
      return conn.protocolError(0x09, header, `Data-Out TTT ${d.ttt} [${d.bufferOffset}, ${end}) matches no R2T`);
    }
    r.got += d.data.length;
    if (r.got >= r.length) t.r2ts.delete(d.ttt);
  }
  t.buffer.set(d.data, d.bufferOffset);
  t.received += d.data.length;
  issueR2Ts(conn, t);
  maybeComplete(conn, t);
}

function maybeComplete(conn: FakeConnection, t: WriteTask): void {
  const edtl = t.cmd.expectedDataTransferLength;
  if (t.received < edtl) return;
  conn.writes.delete(t.cmd.itt);
  t.lu.disk.write(t.plan.lba, t.buffer.subarray(0, Math.min(edtl, t.plan.bytes)));
  sendStatus(conn, t.cmd, { status: Status.Good }, t.r2tSN, t.plan.bytes);
}

/** Remember an ITT as done, so late Data-Out for it is dropped rather than rejected. */
function finish(conn: FakeConnection, itt: number): void {
  conn.finished.add(itt);
  if (conn.finished.size > FINISHED_KEPT) conn.finished.delete(conn.finished.values().next().value as number);
}

/** Abort one task on every connection of the session; true when it existed. */
function abortTask(conn: FakeConnection, itt: number): boolean {
  const s = conn.session!;
  let found = s.dropped.delete(itt);
  for (const c of s.connections) {
    if (c.writes.delete(itt)) found = true;
    if (c.discardHeld(itt)) found = true;
    if (found) finish(c, itt);
  }
  return found;
}

export function onTaskRequest(conn: FakeConnection, req: TaskRequest, header: Uint8Array): void {
  const s = conn.session!;
  if (!s.node) return conn.protocolError(0x04, header, "Task Management in a discovery session");
  const answer = (response: number): void => conn.send({
    kind: "task-response", response, itt: req.itt, statSN: 0, expCmdSN: 0, maxCmdSN: 0, ahs: [], data: EMPTY,
  });
  const lun = decodeLun(req.lun);
  switch (req.function) {
    case Tmf.AbortTask: {
      if (abortTask(conn, req.referencedTaskTag)) return answer(TmfResponse.Complete);
      // RFC 7143 §11.5.1: a RefCmdSN in the window not yet received counts as received.
      return answer(s.notYetReceived(req.refCmdSN, req.cmdSN) ? TmfResponse.Complete : TmfResponse.NoTask);
    }
    case Tmf.AbortTaskSet:
    case Tmf.ClearTaskSet:
    case Tmf.LogicalUnitReset:
      if (!s.node.luns.has(lun)) return answer(TmfResponse.NoLun);
      abortWhere(conn, (t) => decodeLun(t.cmd.lun) === lun);
      return answer(TmfResponse.Complete);
    case Tmf.TargetWarmReset:
    case Tmf.TargetColdReset:
      abortWhere(conn, () => true);
      return answer(TmfResponse.Complete);
    default:
      return answer(TmfResponse.NotSupported);
  }
}

function abortWhere(conn: FakeConnection, match: (t: WriteTask) => boolean): void {
  const s = conn.session!;
  for (const itt of [...s.dropped]) abortTask(conn, itt);
  for (const c of s.connections) for (const t of [...c.writes.values()]) if (match(t)) abortTask(conn, t.cmd.itt);
}
