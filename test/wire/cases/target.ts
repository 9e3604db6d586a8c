/** Expected objects of the target-to-initiator fixtures (opcodes 0x20-0x26, 0x31, 0x32, 0x3c-0x3f). */
import type { Ahs, AsyncMessage, DataIn, LoginResponse, ScsiResponse } from "../../../src/wire/types.js";
import type { Case } from "./common.js";
import { hex, ISID, LUN1, NO_TAG, NONE, OPERATIONAL_ANSWER, pattern, SENDTARGETS_ANSWER, text } from "./common.js";

/** SenseLength 18 + fixed-format sense (0x70): ILLEGAL REQUEST, INVALID FIELD IN CDB (0x24/0x00). */
const SENSE_ILLEGAL_REQUEST = hex("00 12  70 00 05 00  00 00 00 0a  00 00 00 00  24 00 00 00  00 00");
/** SenseLength 18 + fixed-format sense: UNIT ATTENTION, REPORTED LUNS DATA HAS CHANGED (0x3f/0x0e). */
const SENSE_UA_LUNS_CHANGED = hex("00 12  70 00 06 00  00 00 00 0a  00 00 00 00  3f 0e 00 00  00 00");
/** Standard INQUIRY data, 36 bytes. */
const INQUIRY = new Uint8Array([...hex("00 00 06 02 1f 00 00 02"), ...text("ISCSISCPVIRTUAL-DISK    0001")]);
/** Unit Serial Number VPD page (0x80), 17 bytes. */
const VPD_SERIAL = new Uint8Array([...hex("00 80 00 0d"), ...text("ISCSISCOPE001")]);

const resp: Omit<ScsiResponse, "itt" | "statSN" | "expCmdSN" | "maxCmdSN" | "expDataSN"> = {
  kind: "scsi-response", bidiReadOverflow: false, bidiReadUnderflow: false, overflow: false, underflow: false,
  response: 0, status: 0, snackTag: 0, bidiReadResidualCount: 0, residualCount: 0, ahs: [], data: NONE,
};

const dataIn: Omit<DataIn, "itt" | "statSN" | "expCmdSN" | "maxCmdSN" | "dataSN" | "bufferOffset" | "data"> = {
  kind: "data-in", final: true, acknowledge: false, overflow: false, underflow: false, statusPresent: false,
  status: 0, lun: LUN1, ttt: NO_TAG, residualCount: 0, ahs: [],
};

const login: Omit<LoginResponse, "transit" | "csg" | "nsg" | "tsih" | "statSN" | "maxCmdSN" | "statusClass" |
  "statusDetail" | "data"> = {
  kind: "login-response", continue: false, versionMax: 0, versionActive: 0, isid: ISID, itt: 7, expCmdSN: 1,
  ahs: [],
};

const async: Omit<AsyncMessage, "asyncEvent" | "parameter1" | "parameter2" | "parameter3" | "lun"> = {
  kind: "async-message", itt: NO_TAG, statSN: 0x100d, expCmdSN: 0x11, maxCmdSN: 0x50, asyncVCode: 0,
  ahs: [], data: NONE,
};

const noAhs: Ahs[] = [];

export const TARGET_CASES: Case[] = [
  {
    file: "nop-in-answer", shows: "the NOP-Out's ITT and ping data echoed, padded",
    pdu: {
      kind: "nop-in", lun: 0n, itt: 0x10, ttt: NO_TAG, statSN: 0x1002, expCmdSN: 1, maxCmdSN: 0x40,
      ahs: noAhs, data: text("ping!"),
    },
  },
  {
    file: "nop-in-target-ping", shows: "ITT 0xffffffff and a real TTT",
    pdu: {
      kind: "nop-in", lun: 0n, itt: NO_TAG, ttt: 0x00c0ffee, statSN: 0x1003, expCmdSN: 1, maxCmdSN: 0x40,
      ahs: noAhs, data: NONE,
    },
  },
  {
    file: "scsi-response-good", shows: "GOOD with ExpDataSN and no residuals",
    pdu: { ...resp, itt: 0x22, statSN: 0x1002, expCmdSN: 2, maxCmdSN: 0x41, expDataSN: 2 },
  },
  {
    file: "scsi-response-write-good", shows: "GOOD for a write, ExpDataSN counting R2Ts",
    pdu: { ...resp, itt: 0x24, statSN: 0x1004, expCmdSN: 4, maxCmdSN: 0x43, expDataSN: 1 },
  },
  {
    file: "scsi-response-check-condition", shows: "CHECK CONDITION with SenseLength and fixed-format sense data",
    pdu: {
      ...resp, status: 2, itt: 0x2b, statSN: 0x1008, expCmdSN: 0x0c, maxCmdSN: 0x4b, expDataSN: 0,
      data: SENSE_ILLEGAL_REQUEST,
    },
  },
  {
    file: "scsi-response-underflow", shows: "U with Residual Count",
    pdu: {
      ...resp, underflow: true, itt: 0x2c, statSN: 0x1009, expCmdSN: 0x0d, maxCmdSN: 0x4c, expDataSN: 1,
      residualCount: 0xe00,
    },
  },
  {
    file: "scsi-response-bidi-read-overflow-write-underflow", shows: "o and U with both residual counts",
    pdu: {
      ...resp, bidiReadOverflow: true, underflow: true, itt: 0x26, statSN: 0x100a, expCmdSN: 0x0e,
      maxCmdSN: 0x4d, expDataSN: 1, bidiReadResidualCount: 0x100, residualCount: 0x80,
    },
  },
  {
    file: "scsi-response-bidi-read-underflow-write-overflow", shows: "u and O with both residual counts",
    pdu: {
      ...resp, bidiReadUnderflow: true, overflow: true, itt: 0x26, statSN: 0x100a, expCmdSN: 0x0e,
      maxCmdSN: 0x4d, expDataSN: 1, bidiReadResidualCount: 0x200, residualCount: 0x40,
    },
  },
  {
    file: "scsi-response-target-failure", shows: "Response 0x01 Target Failure",
    pdu: { ...resp, response: 1, itt: 0x2d, statSN: 0x100b, expCmdSN: 0x0f, maxCmdSN: 0x4e, expDataSN: 0 },
  },
  {
    file: "scsi-response-snack-tag", shows: "the SNACK Tag field after an R-Data SNACK",
    pdu: {
      ...resp, itt: 0x21, snackTag: 0x5a5a0001, statSN: 0x100c, expCmdSN: 0x10, maxCmdSN: 0x4f, expDataSN: 8,
    },
  },
  {
    file: "task-response-complete", shows: "Response 0 Function complete",
    pdu: {
      kind: "task-response", response: 0, itt: 0x30, statSN: 0x1004, expCmdSN: 7, maxCmdSN: 0x46,
      ahs: noAhs, data: NONE,
    },
  },
  {
    file: "task-response-no-task", shows: "Response 1 Task does not exist",
    pdu: {
      kind: "task-response", response: 1, itt: 0x30, statSN: 0x1004, expCmdSN: 7, maxCmdSN: 0x46,
      ahs: noAhs, data: NONE,
    },
  },
  {
    file: "login-response-security", shows: "T=1 CSG=0 NSG=1 with TargetPortalGroupTag and AuthMethod",
    pdu: {
      ...login, transit: true, csg: 0, nsg: 1, tsih: 0, statSN: 0x1000, maxCmdSN: 1, statusClass: 0,
      statusDetail: 0, data: text("TargetPortalGroupTag=1\0AuthMethod=None\0"),
    },
  },
  {
    file: "login-response-final", shows: "T=1 CSG=1 NSG=3, TSIH assigned, Status 0",
    pdu: {
      ...login, transit: true, csg: 1, nsg: 3, tsih: 0x12, statSN: 0x1001, maxCmdSN: 0x40, statusClass: 0,
      statusDetail: 0, data: text(OPERATIONAL_ANSWER),
    },
  },
  {
    file: "login-response-auth-failure", shows: "Status-Class 2 Detail 1, authentication failure",
    pdu: {
      ...login, transit: false, csg: 0, nsg: 0, tsih: 0, statSN: 0x1001, maxCmdSN: 1, statusClass: 2,
      statusDetail: 1, data: NONE,
    },
  },
  {
    file: "login-response-redirect", shows: "Status 0x0101 with TargetAddress",
    pdu: {
      ...login, transit: false, csg: 0, nsg: 0, tsih: 0, statSN: 0x1000, maxCmdSN: 1, statusClass: 1,
      statusDetail: 1, data: text("TargetAddress=192.0.2.20:3260,1\0"),
    },
  },
  {
    file: "text-response-sendtargets", shows: "two targets, each with its TargetAddress, F=1",
    pdu: {
      kind: "text-response", final: true, continue: false, lun: 0n, itt: 2, ttt: NO_TAG, statSN: 0xa02,
      expCmdSN: 2, maxCmdSN: 2, ahs: noAhs, data: text(SENDTARGETS_ANSWER),
    },
  },
  {
    file: "text-response-continue", shows: "C=1 F=0 with a TTT other than 0xffffffff",
    pdu: {
      kind: "text-response", final: false, continue: true, lun: 0n, itt: 3, ttt: 0xabcd, statSN: 0xa03,
      expCmdSN: 2, maxCmdSN: 2, ahs: noAhs, data: text(SENDTARGETS_ANSWER.slice(0, 70)),
    },
  },
  {
    file: "data-in-middle", shows: "F=0 middle PDU, status fields reserved",
    pdu: {
      ...dataIn, final: false, itt: 0x22, statSN: 0, expCmdSN: 2, maxCmdSN: 0x41, dataSN: 0, bufferOffset: 0,
      data: pattern(512, 0x30),
    },
  },
  {
    file: "data-in-final", shows: "F=1 without status",
    pdu: {
      ...dataIn, itt: 0x22, statSN: 0, expCmdSN: 2, maxCmdSN: 0x41, dataSN: 1, bufferOffset: 512,
      data: pattern(512, 0x40),
    },
  },
  {
    file: "data-in-final-status", shows: "F=1 S=1 status GOOD (phase collapse) with StatSN",
    pdu: {
      ...dataIn, statusPresent: true, itt: 0x21, statSN: 0x1002, expCmdSN: 2, maxCmdSN: 0x41, dataSN: 7,
      bufferOffset: 3584, data: pattern(512, 0x50),
    },
  },
  {
    file: "data-in-underflow", shows: "U S with Residual Count",
    pdu: {
      ...dataIn, underflow: true, statusPresent: true, lun: 0n, itt: 0x27, statSN: 0x1005, expCmdSN: 8,
      maxCmdSN: 0x47, dataSN: 0, bufferOffset: 0, residualCount: 219, data: INQUIRY,
    },
  },
  {
    file: "data-in-ack-requested", shows: "A=1 with a TTT for the DataACK",
    pdu: {
      ...dataIn, acknowledge: true, itt: 0x29, ttt: 0x99, statSN: 0, expCmdSN: 9, maxCmdSN: 0x48, dataSN: 0,
      bufferOffset: 0, data: hex("00 00 ff ff 00 00 02 00"),
    },
  },
  {
    file: "data-in-digests", shows: "header digest, data with 3 padding bytes, data digest",
    opts: { headerDigest: true, dataDigest: true },
    pdu: {
      ...dataIn, underflow: true, statusPresent: true, lun: 0n, itt: 0x2a, statSN: 0x1006, expCmdSN: 0x0a,
      maxCmdSN: 0x49, dataSN: 0, bufferOffset: 0, residualCount: 238, data: VPD_SERIAL,
    },
  },
  {
    file: "logout-response-success", shows: "Response 0 with Time2Wait and Time2Retain",
    pdu: {
      kind: "logout-response", response: 0, itt: 0x40, statSN: 0x1007, expCmdSN: 0x0b, maxCmdSN: 0x4a,
      time2Wait: 2, time2Retain: 20, ahs: noAhs, data: NONE,
    },
  },
  {
    file: "logout-response-cid-not-found", shows: "Response 1 CID not found",
    pdu: {
      kind: "logout-response", response: 1, itt: 0x40, statSN: 0x1007, expCmdSN: 0x0b, maxCmdSN: 0x4a,
      time2Wait: 0, time2Retain: 0, ahs: noAhs, data: NONE,
    },
  },
  {
    file: "r2t", shows: "TTT, R2TSN, Buffer Offset and Desired Data Transfer Length",
    pdu: {
      kind: "r2t", lun: LUN1, itt: 0x24, ttt: 0x1000, statSN: 0x1003, expCmdSN: 4, maxCmdSN: 0x43, r2tSN: 0,
      bufferOffset: 0, desiredDataTransferLength: 1024, ahs: noAhs, data: NONE,
    },
  },
  {
    file: "async-message-scsi-event", shows: "AsyncEvent 0 with sense data for LUN 1",
    pdu: {
      ...async, lun: LUN1, asyncEvent: 0, parameter1: 0, parameter2: 0, parameter3: 0, data: SENSE_UA_LUNS_CHANGED,
    },
  },
  {
    file: "async-message-logout-request", shows: "AsyncEvent 1 with Parameter3",
    pdu: { ...async, lun: 0n, asyncEvent: 1, parameter1: 0, parameter2: 0, parameter3: 15 },
  },
  {
    file: "async-message-drop-connection", shows: "AsyncEvent 2 with CID, Time2Wait, Time2Retain",
    pdu: { ...async, lun: 0n, asyncEvent: 2, parameter1: 1, parameter2: 2, parameter3: 20 },
  },
  {
    file: "async-message-drop-all", shows: "AsyncEvent 3 with Time2Wait, Time2Retain",
    pdu: { ...async, lun: 0n, asyncEvent: 3, parameter1: 0, parameter2: 2, parameter3: 20 },
  },
  {
    file: "async-message-negotiation-request", shows: "AsyncEvent 4 with Parameter3",
    pdu: { ...async, lun: 0n, asyncEvent: 4, parameter1: 0, parameter2: 0, parameter3: 30 },
  },
  {
    file: "async-message-vendor", shows: "AsyncEvent 255 with AsyncVCode",
    pdu: { ...async, lun: 0n, asyncEvent: 255, asyncVCode: 0x2a, parameter1: 0, parameter2: 0, parameter3: 0 },
  },
  {
    file: "reject-protocol-error", shows: "reason 0x04 with DataSN and the rejected SNACK header as data",
    pdu: {
      kind: "reject", reason: 0x04, itt: NO_TAG, statSN: 0x100e, expCmdSN: 0x12, maxCmdSN: 0x51, dataSN: 5,
      ahs: noAhs,
      data: hex(`10 80 00 00  00 00 00 00  00 01 00 00  00 00 00 00  00 00 00 21  ff ff ff ff
                 00 00 00 00  00 00 10 03  00 00 00 00  00 00 00 00  00 00 00 03  00 00 00 02`),
    },
  },
  {
    file: "reject-invalid-pdu-field", shows: "reason 0x09 with the rejected Text Request header as data",
    pdu: {
      kind: "reject", reason: 0x09, itt: NO_TAG, statSN: 0xa03, expCmdSN: 0x12, maxCmdSN: 0x51, dataSN: 0,
      ahs: noAhs,
      data: hex(`04 c0 00 00  00 00 00 10  00 00 00 00  00 00 00 00  00 00 00 03  ff ff ff ff
                 00 00 00 02  00 00 0a 03  00 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00`),
    },
  },
  {
    file: "vendor-t2-no-data", shows: "opcode 0x3e, its BHS kept as bytes",
    pdu: {
      kind: "vendor", opcode: 0x3e, immediate: false, itt: NO_TAG,
      bhs: hex(`3e 80 00 01  00 00 00 00  00 00 00 00  00 00 00 00  ff ff ff ff  76 65 6e 00
                76 65 6e 01  76 65 6e 02  76 65 6e 03  76 65 6e 04  76 65 6e 05  76 65 6e 06`),
      ahs: noAhs, data: NONE,
    },
  },
  {
    file: "data-in-overflow", shows: "O S with Residual Count",
    pdu: {
      ...dataIn, overflow: true, statusPresent: true, itt: 0x2e, statSN: 0x100f, expCmdSN: 0x13, maxCmdSN: 0x52,
      dataSN: 0, bufferOffset: 0, residualCount: 512, data: pattern(512, 0x60),
    },
  },
  {
    file: "r2t-second", shows: "R2TSN 1, a TTT and sequence numbers >= 2^31",
    pdu: {
      kind: "r2t", lun: LUN1, itt: 0x2f, ttt: 0x80000002, statSN: 0xfffffff0, expCmdSN: 0xfffffffe,
      maxCmdSN: 0x1d, r2tSN: 1, bufferOffset: 262144, desiredDataTransferLength: 262144, ahs: noAhs, data: NONE,
    },
  },
  {
    file: "login-response-continue-ack", shows: "the empty answer to a C=1 request, T=0 CSG=1",
    pdu: {
      ...login, transit: false, csg: 1, nsg: 0, tsih: 0, statSN: 0x1001, maxCmdSN: 1, statusClass: 0,
      statusDetail: 0, data: NONE,
    },
  },
  {
    file: "login-response-continue", shows: "C=1 with the first part of the target's text",
    pdu: {
      ...login, continue: true, transit: false, csg: 1, nsg: 0, tsih: 0, statSN: 0x1001, maxCmdSN: 1,
      statusClass: 0, statusDetail: 0, data: text(OPERATIONAL_ANSWER.slice(0, 100)),
    },
  },
  {
    file: "login-response-add-connection", shows: "Random-format ISID, TSIH 0xfedc, sequence numbers >= 2^31",
    pdu: {
      ...login, transit: true, csg: 1, nsg: 3, isid: 0x801e2d3c4b5a, tsih: 0xfedc, itt: 9, statSN: 0x9abcdef0,
      expCmdSN: 0x80000000, maxCmdSN: 0x8000001f, statusClass: 0, statusDetail: 0,
      data: text("HeaderDigest=CRC32C\0DataDigest=CRC32C\0"),
    },
  },
];
