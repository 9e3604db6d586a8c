/**
 * Synthetic probe arguments for the record tests that publish on a bus directly (no
 * initiator): a session, its connections, tasks and PDUs with chosen values.
 */
import type { TaskDoneArgs } from "../../src/probe/catalog.js";
import type { ConnRef, SessionRef, TaskRef } from "../../src/probe/types.js";
import type { DataIn, ScsiCommand } from "../../src/wire/types.js";

export const T0 = 1_795_000_000_123_456_789n;

export function session(oid = 1, targetName = "iqn.2026-11.io.iscsiscope.test:synthetic"): SessionRef {
  return { oid, type: "Normal", initiatorName: "iqn.2026-11.io.iscsiscope:test", targetName, isid: 0x80123456_0001, tsih: 0, state: "FREE" };
}

export function conn(s: SessionRef, cid = 0): ConnRef {
  return { session: s, cid, local: "127.0.0.1:50000", remote: "127.0.0.1:3260", state: "FREE" };
}

export function task(c: ConnRef, itt: number, over: Partial<TaskRef> = {}): TaskRef {
  return { session: c.session, conn: c, itt, cmdSN: itt + 100, lun: 1, op: 0x28, lba: BigInt(itt) * 8n, length: 4096, dir: "read", state: "COMPLETED", ...over };
}

export function done(ref: TaskRef, t: bigint, over: Partial<TaskDoneArgs> = {}): TaskDoneArgs {
  return {
    task: ref, response: 0, status: 0, sense: undefined, error: undefined, bytes: ref.length, residual: 0,
    queuedT: t - 900_000n, sentT: t - 800_000n, firstDataT: t - 100_000n, r2tWaitNs: 0n, t, ...over,
  };
}

export function scsiCommand(itt: number): ScsiCommand {
  return {
    kind: "scsi-command", immediate: false, final: true, read: true, write: false, attr: 1, lun: 1n << 48n, itt,
    expectedDataTransferLength: 4096, cmdSN: itt + 100, expStatSN: 7, cdb: new Uint8Array([0x28, 0, 0, 0, 0, 8, 0, 0, 8, 0]),
    bidiReadLength: undefined, ahs: [], data: new Uint8Array(0),
  };
}

export function dataIn(itt: number): DataIn {
  return {
    kind: "data-in", final: true, acknowledge: false, overflow: false, underflow: false, statusPresent: true, status: 0,
    lun: 1n << 48n, itt, ttt: 0xffffffff, statSN: 8, expCmdSN: 102, maxCmdSN: 133, dataSN: 0, bufferOffset: 0, residualCount: 0,
    ahs: [], data: new Uint8Array(4096),
  };
}
