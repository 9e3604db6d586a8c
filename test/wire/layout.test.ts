/**
 * The layout table against the RFC 7143 §11 diagrams: every layout must tile the 48-byte BHS
 * (no gap, no overlap, reserved ranges named), agree with the fields every PDU shares, and put
 * the fields the diagrams draw where they draw them.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as L from "../../src/wire/layout.js";
import { BHS_LENGTH, COMMON, FLAG, LAYOUTS } from "../../src/wire/layout.js";
import { isVendorOpcode, Opcode, opcodeName } from "../../src/wire/opcodes.js";

function hex2(n: number): string {
  return `0x${n.toString(16).padStart(2, "0")}`;
}

for (const [key, layout] of Object.entries(LAYOUTS)) {
  const op = Number(key);
  test(`layout of ${opcodeName(op)} (${hex2(op)}) tiles the 48-byte BHS with no gap and no overlap`, () => {
    const fields = Object.entries(layout).sort((a, b) => a[1][0] - b[1][0]);
    let at = 0;
    for (const [name, [offset, size]] of fields) {
      assert.ok(size > 0, `${name} has size ${size}`);
      assert.equal(offset, at, offset > at ? `gap before ${name} at byte ${at}` : `${name} overlaps at byte ${offset}`);
      at = offset + size;
    }
    assert.equal(at, BHS_LENGTH);
  });
}

test("LAYOUTS has an entry for every non-vendor opcode in opcodes.ts, and no other", () => {
  const opcodes = Object.values(Opcode).filter((op) => !isVendorOpcode(op)).sort((a, b) => a - b);
  assert.deepStrictEqual(Object.keys(LAYOUTS).map(Number).sort((a, b) => a - b), opcodes);
});

test("every layout agrees with COMMON on the fields all PDUs share (RFC 7143 §11.2.1)", () => {
  for (const [key, layout] of Object.entries(LAYOUTS)) {
    for (const name of ["opcode", "flags", "totalAHSLength", "dataSegmentLength", "itt"] as const) {
      assert.deepStrictEqual(layout[name], COMMON[name], `${opcodeName(Number(key))}.${name}`);
    }
    if ("lun" in layout) assert.deepStrictEqual(layout.lun, COMMON.lunOrIsid, `${opcodeName(Number(key))}.lun`);
  }
});

test("fields sit where the RFC 7143 §11 diagrams draw them", () => {
  const spots: [string, L.Field, L.Field][] = [
    ["§11.3 SCSI Command Expected Data Transfer Length", L.SCSI_COMMAND.expectedDataTransferLength, [20, 4]],
    ["§11.3 SCSI Command CDB", L.SCSI_COMMAND.cdb, [32, 16]],
    ["§11.4 SCSI Response Response", L.SCSI_RESPONSE.response, [2, 1]],
    ["§11.4 SCSI Response Status", L.SCSI_RESPONSE.status, [3, 1]],
    ["§11.4 SCSI Response SNACK Tag", L.SCSI_RESPONSE.snackTag, [20, 4]],
    ["§11.4 SCSI Response ExpDataSN", L.SCSI_RESPONSE.expDataSN, [36, 4]],
    ["§11.4 SCSI Response Bidirectional Read Residual Count", L.SCSI_RESPONSE.bidiReadResidualCount, [40, 4]],
    ["§11.4 SCSI Response Residual Count", L.SCSI_RESPONSE.residualCount, [44, 4]],
    ["§11.5 TMF Request Referenced Task Tag", L.TASK_REQUEST.referencedTaskTag, [20, 4]],
    ["§11.5 TMF Request RefCmdSN", L.TASK_REQUEST.refCmdSN, [32, 4]],
    ["§11.5 TMF Request ExpDataSN", L.TASK_REQUEST.expDataSN, [36, 4]],
    ["§11.6 TMF Response Response", L.TASK_RESPONSE.response, [2, 1]],
    ["§11.7 Data-Out DataSN", L.DATA_OUT.dataSN, [36, 4]],
    ["§11.7 Data-Out Buffer Offset", L.DATA_OUT.bufferOffset, [40, 4]],
    ["§11.7 Data-In Status", L.DATA_IN.status, [3, 1]],
    ["§11.7 Data-In StatSN", L.DATA_IN.statSN, [24, 4]],
    ["§11.7 Data-In Residual Count", L.DATA_IN.residualCount, [44, 4]],
    ["§11.8 R2T R2TSN", L.R2T.r2tSN, [36, 4]],
    ["§11.8 R2T Desired Data Transfer Length", L.R2T.desiredDataTransferLength, [44, 4]],
    ["§11.9 Async AsyncEvent", L.ASYNC_MESSAGE.asyncEvent, [36, 1]],
    ["§11.9 Async AsyncVCode", L.ASYNC_MESSAGE.asyncVCode, [37, 1]],
    ["§11.9 Async Parameter1", L.ASYNC_MESSAGE.parameter1, [38, 2]],
    ["§11.9 Async Parameter2", L.ASYNC_MESSAGE.parameter2, [40, 2]],
    ["§11.9 Async Parameter3", L.ASYNC_MESSAGE.parameter3, [42, 2]],
    ["§11.10 Text Request TTT", L.TEXT_REQUEST.ttt, [20, 4]],
    ["§11.12 Login Request Version-max", L.LOGIN_REQUEST.versionMax, [2, 1]],
    ["§11.12 Login Request Version-min", L.LOGIN_REQUEST.versionMin, [3, 1]],
    ["§11.12 Login Request ISID", L.LOGIN_REQUEST.isid, [8, 6]],
    ["§11.12 Login Request TSIH", L.LOGIN_REQUEST.tsih, [14, 2]],
    ["§11.12 Login Request CID", L.LOGIN_REQUEST.cid, [20, 2]],
    ["§11.13 Login Response Status-Class", L.LOGIN_RESPONSE.statusClass, [36, 1]],
    ["§11.13 Login Response Status-Detail", L.LOGIN_RESPONSE.statusDetail, [37, 1]],
    ["§11.14 Logout Request CID", L.LOGOUT_REQUEST.cid, [20, 2]],
    ["§11.15 Logout Response Time2Wait", L.LOGOUT_RESPONSE.time2Wait, [40, 2]],
    ["§11.15 Logout Response Time2Retain", L.LOGOUT_RESPONSE.time2Retain, [42, 2]],
    ["§11.16 SNACK BegRun", L.SNACK.begRun, [40, 4]],
    ["§11.16 SNACK RunLength", L.SNACK.runLength, [44, 4]],
    ["§11.17 Reject Reason", L.REJECT.reason, [2, 1]],
    ["§11.17 Reject DataSN/R2TSN", L.REJECT.dataSN, [36, 4]],
    ["§11.18 NOP-Out TTT", L.NOP_OUT.ttt, [20, 4]],
    ["§11.19 NOP-In MaxCmdSN", L.NOP_IN.maxCmdSN, [32, 4]],
  ];
  for (const [what, got, want] of spots) assert.deepStrictEqual(got, want, what);
});

test("flag bits match the RFC 7143 §11 byte-1 diagrams", () => {
  assert.deepStrictEqual(
    [FLAG.F, FLAG.R, FLAG.W, FLAG.ATTR_MASK, FLAG.T, FLAG.C, FLAG.CSG_MASK, FLAG.NSG_MASK],
    [0x80, 0x40, 0x20, 0x07, 0x80, 0x40, 0x0c, 0x03]);
  assert.deepStrictEqual([FLAG.A, FLAG.O, FLAG.U, FLAG.S], [0x40, 0x04, 0x02, 0x01]);
  assert.deepStrictEqual([FLAG.BIDI_O, FLAG.BIDI_U, FLAG.RESP_O, FLAG.RESP_U], [0x10, 0x08, 0x04, 0x02]);
  assert.deepStrictEqual([FLAG.LOW7, FLAG.LOW4, FLAG.CSG_SHIFT], [0x7f, 0x0f, 2]);
});
