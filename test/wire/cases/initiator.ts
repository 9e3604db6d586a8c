/** Expected objects of the initiator-to-target fixtures (opcodes 0x00-0x06, 0x10, 0x1c-0x1e). */
import type { Ahs, ScsiCommand } from "../../../src/wire/types.js";
import type { Case } from "./common.js";
import {
  DISK1, hex, INITIATOR, ISID, LUN1, NO_TAG, NONE, OPERATIONAL_KEYS, pattern, SECURITY_KEYS, text,
} from "./common.js";

const READ10_CDB = hex("28 00 00 00 10 00 00 00 08 00 00 00 00 00 00 00");
const READ32_CDB = hex(`7f 00 00 00 00 00 00 18 00 09 00 00 00 00 00 00
                        00 00 20 00 00 00 00 00 00 00 00 00 00 00 00 08`);
const CONT_SPLIT = 52;

const read10: ScsiCommand = {
  kind: "scsi-command", immediate: false, final: true, read: true, write: false, attr: 1, lun: LUN1,
  itt: 0x21, expectedDataTransferLength: 4096, cmdSN: 1, expStatSN: 0x1002, cdb: READ10_CDB,
  bidiReadLength: undefined, ahs: [], data: NONE,
};

const read32: ScsiCommand = {
  kind: "scsi-command", immediate: false, final: true, read: true, write: false, attr: 2, lun: LUN1,
  itt: 0x25, expectedDataTransferLength: 4096, cmdSN: 4, expStatSN: 0x1002, cdb: READ32_CDB,
  bidiReadLength: undefined, ahs: [], data: NONE,
};

const loginRequest = {
  kind: "login-request" as const, immediate: true, versionMax: 0, versionMin: 0, isid: ISID, tsih: 0, itt: 7,
  cid: 1, cmdSN: 1, ahs: [] as Ahs[],
};

const dataOut = { kind: "data-out" as const, lun: LUN1, itt: 0x24, ttt: 0x1000, expStatSN: 0x1003, ahs: [] as Ahs[] };
const logout = {
  kind: "logout-request" as const, immediate: true, cmdSN: 11, expStatSN: 0x1007, ahs: [] as Ahs[], data: NONE,
};
const snack = { kind: "snack" as const, expStatSN: 0x1003, ahs: [] as Ahs[], data: NONE };

export const INITIATOR_CASES: Case[] = [
  {
    file: "nop-out-ping-data", shows: "an immediate ping with 5 bytes of data and 3 of padding",
    pdu: {
      kind: "nop-out", immediate: true, lun: 0n, itt: 0x10, ttt: NO_TAG, cmdSN: 1, expStatSN: 0x1002,
      ahs: [], data: text("ping!"),
    },
  },
  {
    file: "nop-out-reply-to-target-ping", shows: "ITT 0xffffffff and the target's TTT",
    pdu: {
      kind: "nop-out", immediate: true, lun: 0n, itt: NO_TAG, ttt: 0x00c0ffee, cmdSN: 1, expStatSN: 0x1003,
      ahs: [], data: NONE,
    },
  },
  { file: "scsi-command-read10", shows: "F R ATTR=Simple, LUN 1, a 10-byte CDB in the 16-byte field", pdu: read10 },
  {
    file: "scsi-command-read10-header-digest", shows: "the same READ(10) followed by its header digest",
    pdu: read10, opts: { headerDigest: true },
  },
  {
    file: "scsi-command-write10-immediate", shows: "W with 513 bytes of immediate data and 3 of padding",
    pdu: {
      kind: "scsi-command", immediate: false, final: true, read: false, write: true, attr: 1, lun: LUN1,
      itt: 0x23, expectedDataTransferLength: 1024, cmdSN: 2, expStatSN: 0x1002,
      cdb: hex("2a 00 00 00 20 00 00 00 02 00 00 00 00 00 00 00"), bidiReadLength: undefined,
      ahs: [], data: pattern(513, 0x00),
    },
  },
  {
    file: "scsi-command-write10", shows: "W without immediate data",
    pdu: {
      kind: "scsi-command", immediate: false, final: true, read: false, write: true, attr: 1, lun: LUN1,
      itt: 0x24, expectedDataTransferLength: 1024, cmdSN: 3, expStatSN: 0x1002,
      cdb: hex("2a 00 00 00 30 00 00 00 02 00 00 00 00 00 00 00"), bidiReadLength: undefined,
      ahs: [], data: NONE,
    },
  },
  {
    file: "scsi-command-cdb32-ahs", shows: "a 32-byte CDB continued in an Extended CDB AHS (AHSLength 17)",
    pdu: read32,
  },
  {
    file: "scsi-command-cdb32-header-digest", shows: "the header digest covers BHS and AHS",
    pdu: read32, opts: { headerDigest: true },
  },
  {
    file: "scsi-command-bidi", shows: "R W ATTR=Head of Queue with the Bidirectional Read Length AHS",
    pdu: {
      kind: "scsi-command", immediate: false, final: true, read: true, write: true, attr: 3, lun: LUN1,
      itt: 0x26, expectedDataTransferLength: 512, cmdSN: 5, expStatSN: 0x1002,
      cdb: hex("53 00 00 00 40 00 00 00 01 00 00 00 00 00 00 00"), bidiReadLength: 512, ahs: [], data: NONE,
    },
  },
  {
    file: "task-request-abort-task", shows: "ABORT TASK with Referenced Task Tag and RefCmdSN",
    pdu: {
      kind: "task-request", immediate: true, function: 1, lun: LUN1, itt: 0x30, referencedTaskTag: 0x21,
      cmdSN: 6, expStatSN: 0x1002, refCmdSN: 1, expDataSN: 0, ahs: [], data: NONE,
    },
  },
  {
    file: "task-request-lu-reset", shows: "LOGICAL UNIT RESET with the reserved Referenced Task Tag",
    pdu: {
      kind: "task-request", immediate: true, function: 5, lun: LUN1, itt: 0x31, referencedTaskTag: NO_TAG,
      cmdSN: 6, expStatSN: 0x1003, refCmdSN: 0, expDataSN: 0, ahs: [], data: NONE,
    },
  },
  {
    file: "login-request-security", shows: "T=1 CSG=0 NSG=1, ISID, TSIH 0, CID, security keys",
    pdu: {
      ...loginRequest, transit: true, continue: false, csg: 0, nsg: 1, expStatSN: 0, data: text(SECURITY_KEYS),
    },
  },
  {
    file: "login-request-operational", shows: "T=1 CSG=1 NSG=3 with the operational keys",
    pdu: {
      ...loginRequest, transit: true, continue: false, csg: 1, nsg: 3, expStatSN: 0x1001,
      data: text(OPERATIONAL_KEYS),
    },
  },
  {
    file: "login-request-continue", shows: "C=1 T=0, text cut inside a key",
    pdu: {
      ...loginRequest, transit: false, continue: true, csg: 1, nsg: 0, expStatSN: 0x1001,
      data: text(OPERATIONAL_KEYS.slice(0, CONT_SPLIT)),
    },
  },
  {
    file: "login-request-continue-end", shows: "the rest of the continued text with T=1",
    pdu: {
      ...loginRequest, transit: true, continue: false, csg: 1, nsg: 3, expStatSN: 0x1002,
      data: text(OPERATIONAL_KEYS.slice(CONT_SPLIT)),
    },
  },
  {
    file: "text-request-sendtargets", shows: "SendTargets=All with F=1 and TTT 0xffffffff",
    pdu: {
      kind: "text-request", immediate: false, final: true, continue: false, lun: 0n, itt: 2, ttt: NO_TAG,
      cmdSN: 1, expStatSN: 0xa02, ahs: [], data: text("SendTargets=All\0"),
    },
  },
  {
    file: "data-out-mid-burst", shows: "F=0 in the middle of a burst",
    pdu: { ...dataOut, final: false, dataSN: 0, bufferOffset: 0, data: pattern(512, 0x10) },
  },
  {
    file: "data-out-final", shows: "F=1 with DataSN and Buffer Offset",
    pdu: { ...dataOut, final: true, dataSN: 1, bufferOffset: 512, data: pattern(512, 0x20) },
  },
  {
    file: "logout-request-close-session", shows: "reason 0 (close the session)",
    pdu: { ...logout, reasonCode: 0, itt: 0x40, cid: 0 },
  },
  {
    file: "logout-request-close-connection", shows: "reason 1 with CID",
    pdu: { ...logout, reasonCode: 1, itt: 0x41, cid: 2 },
  },
  {
    file: "logout-request-remove-for-recovery", shows: "reason 2 with CID",
    pdu: { ...logout, reasonCode: 2, itt: 0x42, cid: 3 },
  },
  {
    file: "snack-data-r2t", shows: "type 0 Data/R2T with BegRun and RunLength",
    pdu: { ...snack, type: 0, lun: LUN1, itt: 0x21, ttt: NO_TAG, begRun: 3, runLength: 2 },
  },
  {
    file: "snack-status", shows: "type 1 Status with ITT 0xffffffff",
    pdu: { ...snack, type: 1, lun: 0n, itt: NO_TAG, ttt: NO_TAG, begRun: 0x1003, runLength: 2 },
  },
  {
    file: "snack-data-ack", shows: "type 2 DataACK with the Data-In's TTT",
    pdu: { ...snack, type: 2, lun: LUN1, itt: NO_TAG, ttt: 0x99, begRun: 1, runLength: 0 },
  },
  {
    file: "snack-rdata", shows: "type 3 R-Data with a SNACK Tag in the TTT field",
    pdu: { ...snack, type: 3, lun: LUN1, itt: 0x21, ttt: 0x5a5a0001, begRun: 0, runLength: 0 },
  },
  {
    file: "vendor-i0-with-data", shows: "opcode 0x1c with I=1, its BHS kept as bytes, data padded",
    pdu: {
      kind: "vendor", opcode: 0x1c, immediate: true, itt: 0x50,
      bhs: hex(`5c 80 12 34  00 00 00 06  00 00 00 00  00 00 00 00  00 00 00 50  de ad be ef
                00 00 00 01  00 00 00 02  00 00 00 03  00 00 00 04  00 00 00 05  00 00 00 06`),
      ahs: [], data: text("vendor"),
    },
  },
  {
    file: "scsi-command-report-luns-wlun", shows: "a LUN field with the top bit set, ITT/CmdSN/ExpStatSN >= 2^31",
    pdu: {
      kind: "scsi-command", immediate: false, final: true, read: true, write: false, attr: 1,
      lun: 0xc101_0000_0000_0000n, itt: 0x80000001, expectedDataTransferLength: 256, cmdSN: 0xffffffff,
      expStatSN: 0x80000000, cdb: hex("a0 00 00 00 00 00 00 00 01 00 00 00 00 00 00 00"),
      bidiReadLength: undefined, ahs: [], data: NONE,
    },
  },
  {
    file: "scsi-command-tur-immediate", shows: "I=1 and ATTR=0 (Untagged) on a SCSI Command",
    pdu: {
      kind: "scsi-command", immediate: true, final: true, read: false, write: false, attr: 0, lun: 0n,
      itt: 0x28, expectedDataTransferLength: 0, cmdSN: 7, expStatSN: 0x1005, cdb: new Uint8Array(16),
      bidiReadLength: undefined, ahs: [], data: NONE,
    },
  },
  {
    file: "task-request-task-reassign", shows: "TASK REASSIGN with ExpDataSN",
    pdu: {
      kind: "task-request", immediate: true, function: 8, lun: LUN1, itt: 0x32, referencedTaskTag: 0x21,
      cmdSN: 8, expStatSN: 0x1005, refCmdSN: 0, expDataSN: 3, ahs: [], data: NONE,
    },
  },
  {
    file: "text-request-continue-fetch", shows: "an empty request echoing the target's TTT",
    pdu: {
      kind: "text-request", immediate: false, final: true, continue: false, lun: 0n, itt: 3, ttt: 0xabcd,
      cmdSN: 2, expStatSN: 0xa04, ahs: [], data: NONE,
    },
  },
  {
    file: "login-request-add-connection", shows: "a Random-format ISID (top bit set), TSIH and CID >= 0x8000",
    pdu: {
      ...loginRequest, isid: 0x801e2d3c4b5a, tsih: 0xfedc, itt: 9, cid: 0x8001, cmdSN: 0x80000000, expStatSN: 0,
      transit: true, continue: false, csg: 1, nsg: 3,
      data: text(`InitiatorName=${INITIATOR}\0TargetName=${DISK1}\0HeaderDigest=CRC32C,None\0DataDigest=CRC32C,None\0`),
    },
  },
];
