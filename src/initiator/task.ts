/**
 * One SCSI command: its state (the task machine), its data phases and its timings. The
 * session queues and sends it; the connection hands it the Data-In, R2T and SCSI Response
 * PDUs addressed to its ITT.
 */
import { TaskError } from "../errors.js";
import { fire } from "../fsm/fsm.js";
import { TASK_FSM, type TaskEvent } from "../fsm/task-fsm.js";
import type { ProbeSet } from "../probe/bus.js";
import type { ConnRef, Ns, SessionRef, TaskRef, TaskState } from "../probe/types.js";
import type { DataIn, DataOut, R2T, ScsiCommand, ScsiResponse } from "../wire/types.js";
import { senseTriple } from "../scsi/sense.js";
import { RESERVED_TAG } from "../wire/layout.js";
import { PLACE_ROOM } from "../wire/framer.js";
import type { Clock, TimerHandle } from "./clock.js";
import { allocReadBuffer } from "./slab.js";

/** Shared empties for commands without immediate data or AHS (read, never written). */
const NO_DATA = new Uint8Array(0);
const NO_AHS = Object.freeze([]) as unknown as ScsiCommand["ahs"];
const NO_DATA_OUT = Object.freeze([]) as unknown as DataOut[];

/** What the target answered for a command: a SCSI status is a result, CHECK CONDITION included. */
export interface ScsiResult {
  /** iSCSI Response: 0 Command Completed at Target, 1 Target Failure. */
  response: number;
  /** SAM status: 0x00 GOOD, 0x02 CHECK CONDITION, 0x08 BUSY, 0x18 RESERVATION CONFLICT, ... */
  status: number;
  /** Sense data (fixed or descriptor format) when the target sent some. */
  sense: Uint8Array | undefined;
  /** Data read (trimmed to what arrived); empty for writes. */
  data: Uint8Array;
  /** Residual Count with its direction: underflow means less moved than expected. */
  residual: number;
  underflow: boolean;
  overflow: boolean;
  /** Queued to status, in nanoseconds. */
  latencyNs: Ns;
}

/** Negotiated values the data path needs. */
export interface DataPathParams {
  immediateData: boolean;
  initialR2T: boolean;
  firstBurstLength: number;
  maxBurstLength: number;
  /** The target's MaxRecvDataSegmentLength: what we may put in one PDU. */
  maxXmitDataSegmentLength: number;
}

/** What a task needs from its session. */
export interface TaskOwner {
  readonly ref: SessionRef;
  readonly probes: ProbeSet;
  readonly clock: Clock;
  /** Send PDUs of this task on the current connection. */
  sendData(task: Task, pdus: DataOut[]): void;
  /** A protocol violation on this task: the connection must go (ERL 0). */
  protocolError(task: Task, detail: string, anomaly: "datasn-gap" | "r2tsn-gap" | "data-in-offset"): void;
  /** The task reached COMPLETED: take it out of the tables. */
  retire(task: Task): void;
}

export interface TaskInit {
  lunField: bigint;
  lun: number;
  cdb: Uint8Array;
  dir: "read" | "write" | "none";
  /** Expected Data Transfer Length. */
  length: number;
  writeData: Uint8Array | undefined;
  lba: bigint | undefined;
  timeoutMs: number;
  /** The caller's buffer for read data. */
  into?: Uint8Array;
}

export class Task implements TaskRef {
  state: TaskState = "FREE";
  itt = RESERVED_TAG;
  cmdSN = 0;
  conn: ConnRef | undefined;
  readonly lun: number;
  readonly lunField: bigint;
  readonly op: number;
  readonly lba: bigint | undefined;
  readonly length: number;
  readonly dir: "read" | "write" | "none";
  readonly cdb: Uint8Array;
  readonly writeData: Uint8Array | undefined;
  readonly timeoutMs: number;
  timer: TimerHandle | undefined;
  /** Set while an ABORT TASK or LU reset is out for this task. */
  escalation: "abort" | "lu-reset" | undefined;

  queuedT: Ns;
  sentT: Ns | undefined;
  firstDataT: Ns | undefined;
  r2tWaitNs = 0n;
  private waitFromT: Ns | undefined;
  private readBuf: Uint8Array | undefined;
  private readonly into: Uint8Array | undefined;
  private received = 0;
  private expDataSN = 0;
  private expR2TSN = 0;
  private sent = 0;

  constructor(
    private readonly owner: TaskOwner,
    init: TaskInit,
    private readonly settle: (r: ScsiResult | TaskError) => void,
  ) {
    this.lunField = init.lunField;
    this.lun = init.lun;
    this.cdb = init.cdb;
    this.op = init.cdb[0];
    this.dir = init.dir;
    this.length = init.length;
    this.writeData = init.writeData;
    this.lba = init.lba;
    this.timeoutMs = init.timeoutMs;
    if (init.into && init.into.length < init.length) {
      throw new RangeError(`read buffer of ${init.into.length} bytes is shorter than the ${init.length} expected`);
    }
    this.into = init.into;
    this.queuedT = owner.clock.now();
  }

  get session(): SessionRef {
    return this.owner.ref;
  }
  get probes(): ProbeSet {
    return this.owner.probes;
  }
  get clock(): Clock {
    return this.owner.clock;
  }

  /** Move the task machine; `t` when the moment's time is already read (one clock read per moment). */
  move(event: TaskEvent, detail?: string, t?: Ns): void {
    fire(TASK_FSM, this, event, undefined, detail, t);
  }

  /** Fire task:queued (E1 already applied by the session). */
  queued(): void {
    const p = this.probes["task:queued"];
    if (p.hasSubscribers) p.publish({ task: this, t: this.queuedT });
  }

  /**
   * Build the SCSI Command PDU and any unsolicited data (immediate data and Data-Out up to
   * FirstBurstLength, RFC 7143 §4.2.5.2) for sending with `cmdSN` on `conn`.
   */
  build(conn: ConnRef, cmdSN: number, expStatSN: number, dp: DataPathParams): { cmd: ScsiCommand; unsolicited: DataOut[] } {
    this.conn = conn;
    this.cmdSN = cmdSN;
    this.sent = 0;
    this.received = 0;
    this.expDataSN = 0;
    this.expR2TSN = 0;
    this.readBuf = undefined;
    let immediate: Uint8Array = NO_DATA;
    let unsolicited = NO_DATA_OUT;
    if (this.dir === "write" && this.writeData) {
      const first = Math.min(this.length, dp.firstBurstLength);
      if (dp.immediateData) {
        immediate = this.writeData.subarray(0, Math.min(first, dp.maxXmitDataSegmentLength));
        this.sent = immediate.length;
      }
      if (!dp.initialR2T && this.sent < first) {
        unsolicited = this.dataOuts(RESERVED_TAG, this.sent, first - this.sent, dp.maxXmitDataSegmentLength, expStatSN);
        this.sent = first;
      }
    }
    const cmd: ScsiCommand = {
      kind: "scsi-command", immediate: false, final: unsolicited.length === 0,
      read: this.dir === "read", write: this.dir === "write", attr: 1 /* Simple */, lun: this.lunField,
      itt: this.itt, expectedDataTransferLength: this.length, cmdSN, expStatSN, cdb: this.cdb,
      bidiReadLength: undefined, ahs: NO_AHS, data: immediate,
    };
    return { cmd, unsolicited };
  }

  /** The command is on the wire (E2). */
  onSent(): void {
    this.sentT = this.clock.now();
    this.waitFromT = this.sentT;
    this.move("send", undefined, this.sentT);
    const p = this.probes["task:sent"];
    if (p.hasSubscribers) p.publish({ task: this, t: this.sentT });
    if (this.dir === "write" && this.sent > 0) this.firstData(this.sentT, 0, this.sent);
  }

  /** Data-Out PDUs covering [offset, offset+len) under one TTT, DataSN from 0, F on the last. */
  private dataOuts(ttt: number, offset: number, len: number, max: number, expStatSN: number): DataOut[] {
    const out: DataOut[] = [];
    const data = this.writeData!;
    for (let o = 0, sn = 0; o < len; o += max, sn++) {
      const n = Math.min(max, len - o);
      out.push({
        kind: "data-out", final: o + n >= len, lun: this.lunField, itt: this.itt, ttt, expStatSN,
        dataSN: sn, bufferOffset: offset + o, ahs: [], data: data.subarray(offset + o, offset + o + n),
      });
    }
    return out;
  }

  private firstData(t: Ns, offset: number, length: number): void {
    if (this.firstDataT !== undefined) return;
    this.firstDataT = t;
    const p = this.probes["task:first-data"];
    if (p.hasSubscribers) p.publish({ task: this, t });
    const x = this.probes["task:xfer-start"];
    if (x.hasSubscribers && this.dir !== "none") x.publish({ task: this, dir: this.dir, bufferOffset: offset, length, t });
  }

  /** R2T: send the requested Data-Out sequence (RFC 7143 §11.8). */
  onR2T(r: R2T, expStatSN: number, dp: DataPathParams): void {
    const t = this.clock.now();
    if (r.r2tSN !== this.expR2TSN) {
      return this.owner.protocolError(this, `R2TSN ${r.r2tSN}, expected ${this.expR2TSN}`, "r2tsn-gap");
    }
    this.expR2TSN++;
    const end = r.bufferOffset + r.desiredDataTransferLength;
    if (this.dir !== "write" || !this.writeData || end > this.length || r.desiredDataTransferLength > dp.maxBurstLength) {
      return this.owner.protocolError(this, `R2T for bytes ${r.bufferOffset}..${end} of a ${this.length}-byte ${this.dir}`, "data-in-offset");
    }
    if (this.waitFromT !== undefined) this.r2tWaitNs += t - this.waitFromT;
    const p = this.probes["task:r2t"];
    if (p.hasSubscribers) {
      p.publish({ task: this, r2tSN: r.r2tSN, bufferOffset: r.bufferOffset, desiredDataTransferLength: r.desiredDataTransferLength, t });
    }
    this.firstData(t, r.bufferOffset, r.desiredDataTransferLength);
    this.owner.sendData(this, this.dataOuts(r.ttt, r.bufferOffset, r.desiredDataTransferLength, dp.maxXmitDataSegmentLength, expStatSN));
    this.sent = Math.max(this.sent, end);
    this.waitFromT = this.clock.now();
  }

  /**
   * Where the `n` data bytes of a Data-In at `bufferOffset` go while they arrive (the framer's
   * data placement): this command's buffer, when they are the next bytes it expects.
   */
  dataInTarget(bufferOffset: number, n: number): Uint8Array | undefined {
    const end = bufferOffset + n;
    if (this.dir !== "read" || bufferOffset !== this.received || end > this.length) return undefined;
    // When more of this command's data is to come, the bytes after these are still to be
    // written: room for the framer to read the next header into along with the data (Placer).
    return this.buffer().subarray(bufferOffset, end < this.length ? Math.min(this.length, end + PLACE_ROOM) : end);
  }

  /** Where read data goes: the caller's buffer, else one of our own, taken at the first data. */
  private buffer(): Uint8Array {
    return this.readBuf ??= this.into ?? allocReadBuffer(this.length);
  }

  /** Data-In: check DataSN and offset, copy the data, complete on S (phase collapse). */
  onDataIn(d: DataIn): void {
    if (d.dataSN !== this.expDataSN) {
      return this.owner.protocolError(this, `Data-In DataSN ${d.dataSN}, expected ${this.expDataSN}`, "datasn-gap");
    }
    this.expDataSN++;
    const n = d.data.length;
    const t = this.clock.now(); // first data and status of a phase-collapsed Data-In share it
    if (n > 0) {
      if (d.bufferOffset !== this.received || d.bufferOffset + n > this.length || this.dir !== "read") {
        return this.owner.protocolError(this,
          `Data-In of ${n} bytes at offset ${d.bufferOffset}, expected offset ${this.received} within ${this.length}`, "data-in-offset");
      }
      this.firstData(t, d.bufferOffset, n);
      // Copied: the Data-In is a view of the connection's read buffer, reused on the next read;
      // unless it was placed in our buffer as it arrived (dataInTarget).
      const buf = this.buffer();
      if (d.data.buffer !== buf.buffer || d.data.byteOffset !== buf.byteOffset + d.bufferOffset) buf.set(d.data, d.bufferOffset);
      this.received += n;
    }
    if (d.statusPresent) {
      this.complete(t, 0, d.status, undefined, d.residualCount, d.underflow, d.overflow);
    }
  }

  /** SCSI Response: status, sense, residuals (RFC 7143 §11.4). */
  onResponse(r: ScsiResponse): void {
    let sense: Uint8Array | undefined;
    if (r.data.length >= 2) {
      const senseLength = (r.data[0] << 8) | r.data[1];
      if (senseLength > 0) sense = r.data.slice(2, 2 + senseLength);
    }
    this.complete(this.clock.now(), r.response, r.status, sense, r.residualCount, r.underflow, r.overflow);
  }

  private complete(t: Ns, response: number, status: number, sense: Uint8Array | undefined, residual: number, underflow: boolean, overflow: boolean): void {
    this.move("complete", undefined, t);
    const data = this.readBuf ? (this.received === this.readBuf.length ? this.readBuf : this.readBuf.subarray(0, this.received)) : NO_DATA;
    this.finish(t, { response, status, sense, residual, underflow, overflow, data, latencyNs: t - this.queuedT }, undefined);
  }

  /** End without status: aborted, failed, closed. */
  abandon(event: "abort-done" | "fail" | "timeout" | "abort" | "conn-fail", err: TaskError): void {
    this.move(event, err.message);
    if (this.state === "COMPLETED") this.finish(this.clock.now(), undefined, err);
  }

  private finish(t: Ns, result: ScsiResult | undefined, err: TaskError | undefined): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.owner.retire(this);
    const done = this.probes["task:done"];
    if (this.firstDataT !== undefined && this.dir !== "none") {
      const x = this.probes["task:xfer-done"];
      if (x.hasSubscribers) x.publish({ task: this, dir: this.dir, bufferOffset: 0, length: this.dir === "read" ? this.received : this.sent, t });
    }
    if (done.hasSubscribers) {
      done.publish({
        task: this, response: result?.response, status: result?.status, sense: senseTriple(result?.sense),
        error: err?.code, bytes: this.dir === "read" ? this.received : this.sent, residual: result?.residual ?? 0,
        queuedT: this.queuedT, sentT: this.sentT, firstDataT: this.firstDataT, r2tWaitNs: this.r2tWaitNs, t,
      });
    }
    this.move("free", undefined, t);
    this.settle(result ?? err!);
  }
}
