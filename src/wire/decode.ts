/**
 * PDU decoder: one explicit function per opcode reading fields in wire order, dispatched by
 * a flat switch on the opcode (the pg-protocol `handlePacket` shape).
 */
import { PduError } from "../errors.js";
import { u8, u16, u24, u32, u48, u64, u32le } from "./byte-reader.js";
import { crc32c } from "./crc32c.js";
import * as L from "./layout.js";
import { BHS_LENGTH, DIGEST_LENGTH, FLAG, AhsType, pad4 } from "./layout.js";
import { IMMEDIATE_BIT, OPCODE_MASK, isVendorOpcode, opcodeName } from "./opcodes.js";
import type * as T from "./types.js";
import type { Ahs, DigestOptions, Pdu } from "./types.js";

/**
 * The `ahs` of every PDU that has none: one shared, frozen empty array (a PDU's AHS list is
 * read, never changed), which spares an allocation per PDU on the data path.
 */
const NO_AHS = Object.freeze([]) as unknown as Ahs[];

/** Options of {@link decodePdu}. */
export interface DecodeOptions extends DigestOptions {
  /** Position of `bytes` in its stream, added to error offsets. */
  offset?: number;
}

/**
 * The total length on the wire of the PDU whose BHS starts `bytes`: header, AHS, digests,
 * data and padding. Needs only the first 8 bytes.
 */
export function pduLength(bytes: Uint8Array, opts: DigestOptions = {}): number {
  const ahs = u8(bytes, 0, L.COMMON.totalAHSLength) * 4;
  const dsl = u24(bytes, 0, L.COMMON.dataSegmentLength);
  return (
    BHS_LENGTH + ahs + (opts.headerDigest ? DIGEST_LENGTH : 0) +
    dsl + pad4(dsl) + (opts.dataDigest && dsl > 0 ? DIGEST_LENGTH : 0)
  );
}

/**
 * Decode one PDU. `bytes` holds exactly one PDU (see {@link pduLength}); the returned
 * object references `bytes` for its data segment and CDB.
 *
 * Throws {@link PduError}: `ERR_PDU_TRUNCATED` (fewer bytes than the header says),
 * `ERR_PDU_OPCODE` (an opcode RFC 7143 does not define), `ERR_PDU_DIGEST` (CRC32C
 * mismatch), `ERR_PDU_FIELD` (an AHS that overruns TotalAHSLength).
 *
 * @example
 * const pdu = decodePdu(bytes, { headerDigest: true });
 * if (pdu.kind === "scsi-response") console.log(pdu.status);
 */
export function decodePdu(bytes: Uint8Array, opts: DecodeOptions = {}): Pdu {
  const at = opts.offset ?? 0;
  if (bytes.length < BHS_LENGTH) {
    throw new PduError("ERR_PDU_TRUNCATED", `PDU of ${bytes.length} bytes is shorter than the 48-byte BHS`, at);
  }
  const total = pduLength(bytes, opts);
  if (bytes.length < total) {
    throw new PduError("ERR_PDU_TRUNCATED", `PDU needs ${total} bytes, have ${bytes.length}`, at);
  }
  const ahsLen = u8(bytes, 0, L.COMMON.totalAHSLength) * 4;
  const dsl = u24(bytes, 0, L.COMMON.dataSegmentLength);
  const headerEnd = BHS_LENGTH + ahsLen;
  const dataStart = headerEnd + (opts.headerDigest ? DIGEST_LENGTH : 0);
  if (opts.headerDigest) checkDigest(bytes, 0, headerEnd, at, "HeaderDigest");
  if (opts.dataDigest && dsl > 0) checkDigest(bytes, dataStart, dataStart + dsl + pad4(dsl), at, "DataDigest");
  const ahs = ahsLen > 0 ? decodeAhs(bytes, ahsLen, at) : NO_AHS;
  return decodeFields(bytes, ahs, bytes.subarray(dataStart, dataStart + dsl), at);
}

/**
 * Decode a PDU whose data segment arrived apart from its header (the framer's data
 * placement): `rest` holds the header (`headerLength` bytes: BHS, AHS, header digest), then
 * the padding and data digest; `data` the data segment, which the PDU references.
 *
 * @example
 * const pdu = decodePlacedPdu(headerAndTrailer, 48, taskBuffer.subarray(0, 262144));
 */
export function decodePlacedPdu(rest: Uint8Array, headerLength: number, data: Uint8Array, opts: DecodeOptions = {}): Pdu {
  const at = opts.offset ?? 0;
  const ahsLen = u8(rest, 0, L.COMMON.totalAHSLength) * 4;
  const dsl = u24(rest, 0, L.COMMON.dataSegmentLength);
  const trailer = pad4(dsl) + (opts.dataDigest && dsl > 0 ? DIGEST_LENGTH : 0);
  if (data.length !== dsl || rest.length !== headerLength + trailer) {
    throw new PduError("ERR_PDU_TRUNCATED", `placed PDU of ${rest.length}+${data.length} bytes does not match its header`, at);
  }
  if (opts.headerDigest) checkDigest(rest, 0, BHS_LENGTH + ahsLen, at, "HeaderDigest");
  if (opts.dataDigest && dsl > 0) {
    const padEnd = headerLength + pad4(dsl);
    digestCompare(rest[0], u32le(rest, padEnd), crc32c(rest, crc32c(data), headerLength, padEnd), at, "DataDigest");
  }
  const ahs = ahsLen > 0 ? decodeAhs(rest, ahsLen, at) : NO_AHS;
  return decodeFields(rest, ahs, data, at);
}

/** The fields of the PDU whose BHS starts `bytes`, by opcode. */
function decodeFields(bytes: Uint8Array, ahs: Ahs[], data: Uint8Array, at: number): Pdu {
  const opcode = bytes[0] & OPCODE_MASK;
  switch (opcode) {
    case 0x00: return decodeNopOut(bytes, ahs, data);
    case 0x01: return decodeScsiCommand(bytes, ahs, data);
    case 0x02: return decodeTaskRequest(bytes, ahs, data);
    case 0x03: return decodeLoginRequest(bytes, ahs, data);
    case 0x04: return decodeTextRequest(bytes, ahs, data);
    case 0x05: return decodeDataOut(bytes, ahs, data);
    case 0x06: return decodeLogoutRequest(bytes, ahs, data);
    case 0x10: return decodeSnack(bytes, ahs, data);
    case 0x20: return decodeNopIn(bytes, ahs, data);
    case 0x21: return decodeScsiResponse(bytes, ahs, data);
    case 0x22: return decodeTaskResponse(bytes, ahs, data);
    case 0x23: return decodeLoginResponse(bytes, ahs, data);
    case 0x24: return decodeTextResponse(bytes, ahs, data);
    case 0x25: return decodeDataIn(bytes, ahs, data);
    case 0x26: return decodeLogoutResponse(bytes, ahs, data);
    case 0x31: return decodeR2T(bytes, ahs, data);
    case 0x32: return decodeAsyncMessage(bytes, ahs, data);
    case 0x3f: return decodeReject(bytes, ahs, data);
    default:
      if (isVendorOpcode(opcode)) return decodeVendor(bytes, ahs, data);
      throw new PduError("ERR_PDU_OPCODE", `unknown opcode 0x${opcode.toString(16).padStart(2, "0")}`, at, "Opcode");
  }
}

function checkDigest(b: Uint8Array, from: number, to: number, at: number, field: string): void {
  digestCompare(b[0], u32le(b, to), crc32c(b, 0, from, to), at, field);
}

function digestCompare(firstByte: number, want: number, got: number, at: number, field: string): void {
  if (want !== got) {
    throw new PduError(
      "ERR_PDU_DIGEST",
      `${field} mismatch in ${opcodeName(firstByte)}: received 0x${hex32(want)}, computed 0x${hex32(got)}`,
      at, field,
    );
  }
}

function hex32(n: number): string {
  return n.toString(16).padStart(8, "0");
}

/** AHS header: AHSLength (2 bytes, counts the AHS-specific byte and the data), type, specific. */
function decodeAhs(b: Uint8Array, ahsLen: number, at: number): Ahs[] {
  const out: Ahs[] = [];
  const end = BHS_LENGTH + ahsLen;
  let o = BHS_LENGTH;
  while (o < end) {
    if (end - o < 4) throw new PduError("ERR_PDU_FIELD", "AHS header overruns TotalAHSLength", at + o, "AHSLength");
    const len = (b[o] << 8) | b[o + 1];
    const dataLen = Math.max(len - 1, 0);
    const size = 4 + dataLen + pad4(dataLen);
    if (o + size > end) {
      throw new PduError("ERR_PDU_FIELD", `AHSLength ${len} overruns TotalAHSLength ${ahsLen / 4}`, at + o, "AHSLength");
    }
    out.push({ type: b[o + 2], specific: b[o + 3], data: b.subarray(o + 4, o + 4 + dataLen) });
    o += size;
  }
  return out;
}

const imm = (b: Uint8Array): boolean => (b[0] & IMMEDIATE_BIT) !== 0;
const flag = (b: Uint8Array, bit: number): boolean => (b[1] & bit) !== 0;

function decodeNopOut(b: Uint8Array, ahs: Ahs[], data: Uint8Array): T.NopOut {
  const F = L.NOP_OUT;
  return {
    kind: "nop-out", immediate: imm(b), lun: u64(b, 0, F.lun), itt: u32(b, 0, F.itt),
    ttt: u32(b, 0, F.ttt), cmdSN: u32(b, 0, F.cmdSN), expStatSN: u32(b, 0, F.expStatSN), ahs, data,
  };
}

function decodeScsiCommand(b: Uint8Array, ahs: Ahs[], data: Uint8Array): T.ScsiCommand {
  const F = L.SCSI_COMMAND;
  let cdb = b.subarray(F.cdb[0], F.cdb[0] + F.cdb[1]);
  let bidiReadLength: number | undefined;
  let rest = ahs;
  if (ahs.length > 0) {
    rest = [];
    for (const a of ahs) {
      if (a.type === AhsType.ExtendedCdb) {
        const full = new Uint8Array(cdb.length + a.data.length);
        full.set(cdb);
        full.set(a.data, cdb.length);
        cdb = full;
      } else if (a.type === AhsType.BidiReadLength && a.data.length >= 4) {
        bidiReadLength = u32(a.data, 0, [0, 4]);
      } else {
        rest.push(a);
      }
    }
  }
  return {
    kind: "scsi-command", immediate: imm(b), final: flag(b, FLAG.F), read: flag(b, FLAG.R),
    write: flag(b, FLAG.W), attr: b[F.flags[0]] & FLAG.ATTR_MASK, lun: u64(b, 0, F.lun),
    itt: u32(b, 0, F.itt), expectedDataTransferLength: u32(b, 0, F.expectedDataTransferLength),
    cmdSN: u32(b, 0, F.cmdSN), expStatSN: u32(b, 0, F.expStatSN), cdb, bidiReadLength, ahs: rest, data,
  };
}

function decodeTaskRequest(b: Uint8Array, ahs: Ahs[], data: Uint8Array): T.TaskRequest {
  const F = L.TASK_REQUEST;
  return {
    kind: "task-request", immediate: imm(b), function: b[F.flags[0]] & FLAG.LOW7,
    lun: u64(b, 0, F.lun), itt: u32(b, 0, F.itt), referencedTaskTag: u32(b, 0, F.referencedTaskTag),
    cmdSN: u32(b, 0, F.cmdSN), expStatSN: u32(b, 0, F.expStatSN), refCmdSN: u32(b, 0, F.refCmdSN),
    expDataSN: u32(b, 0, F.expDataSN), ahs, data,
  };
}

function decodeLoginRequest(b: Uint8Array, ahs: Ahs[], data: Uint8Array): T.LoginRequest {
  const F = L.LOGIN_REQUEST;
  const fl = b[F.flags[0]];
  return {
    kind: "login-request", immediate: imm(b), transit: (fl & FLAG.T) !== 0, continue: (fl & FLAG.C) !== 0,
    csg: (fl & FLAG.CSG_MASK) >> FLAG.CSG_SHIFT, nsg: fl & FLAG.NSG_MASK,
    versionMax: u8(b, 0, F.versionMax), versionMin: u8(b, 0, F.versionMin),
    isid: u48(b, 0, F.isid), tsih: u16(b, 0, F.tsih), itt: u32(b, 0, F.itt), cid: u16(b, 0, F.cid),
    cmdSN: u32(b, 0, F.cmdSN), expStatSN: u32(b, 0, F.expStatSN), ahs, data,
  };
}

function decodeTextRequest(b: Uint8Array, ahs: Ahs[], data: Uint8Array): T.TextRequest {
  const F = L.TEXT_REQUEST;
  return {
    kind: "text-request", immediate: imm(b), final: flag(b, FLAG.F), continue: flag(b, FLAG.C),
    lun: u64(b, 0, F.lun), itt: u32(b, 0, F.itt), ttt: u32(b, 0, F.ttt), cmdSN: u32(b, 0, F.cmdSN),
    expStatSN: u32(b, 0, F.expStatSN), ahs, data,
  };
}

function decodeDataOut(b: Uint8Array, ahs: Ahs[], data: Uint8Array): T.DataOut {
  const F = L.DATA_OUT;
  return {
    kind: "data-out", final: flag(b, FLAG.F), lun: u64(b, 0, F.lun), itt: u32(b, 0, F.itt),
    ttt: u32(b, 0, F.ttt), expStatSN: u32(b, 0, F.expStatSN), dataSN: u32(b, 0, F.dataSN),
    bufferOffset: u32(b, 0, F.bufferOffset), ahs, data,
  };
}

function decodeLogoutRequest(b: Uint8Array, ahs: Ahs[], data: Uint8Array): T.LogoutRequest {
  const F = L.LOGOUT_REQUEST;
  return {
    kind: "logout-request", immediate: imm(b), reasonCode: b[F.flags[0]] & FLAG.LOW7,
    itt: u32(b, 0, F.itt), cid: u16(b, 0, F.cid), cmdSN: u32(b, 0, F.cmdSN),
    expStatSN: u32(b, 0, F.expStatSN), ahs, data,
  };
}

function decodeSnack(b: Uint8Array, ahs: Ahs[], data: Uint8Array): T.Snack {
  const F = L.SNACK;
  return {
    kind: "snack", type: b[F.flags[0]] & FLAG.LOW4, lun: u64(b, 0, F.lun), itt: u32(b, 0, F.itt),
    ttt: u32(b, 0, F.ttt), expStatSN: u32(b, 0, F.expStatSN), begRun: u32(b, 0, F.begRun),
    runLength: u32(b, 0, F.runLength), ahs, data,
  };
}

function decodeNopIn(b: Uint8Array, ahs: Ahs[], data: Uint8Array): T.NopIn {
  const F = L.NOP_IN;
  return {
    kind: "nop-in", lun: u64(b, 0, F.lun), itt: u32(b, 0, F.itt), ttt: u32(b, 0, F.ttt),
    statSN: u32(b, 0, F.statSN), expCmdSN: u32(b, 0, F.expCmdSN), maxCmdSN: u32(b, 0, F.maxCmdSN), ahs, data,
  };
}

function decodeScsiResponse(b: Uint8Array, ahs: Ahs[], data: Uint8Array): T.ScsiResponse {
  const F = L.SCSI_RESPONSE;
  return {
    kind: "scsi-response", bidiReadOverflow: flag(b, FLAG.BIDI_O), bidiReadUnderflow: flag(b, FLAG.BIDI_U),
    overflow: flag(b, FLAG.RESP_O), underflow: flag(b, FLAG.RESP_U),
    response: u8(b, 0, F.response), status: u8(b, 0, F.status), itt: u32(b, 0, F.itt),
    snackTag: u32(b, 0, F.snackTag), statSN: u32(b, 0, F.statSN), expCmdSN: u32(b, 0, F.expCmdSN),
    maxCmdSN: u32(b, 0, F.maxCmdSN), expDataSN: u32(b, 0, F.expDataSN),
    bidiReadResidualCount: u32(b, 0, F.bidiReadResidualCount), residualCount: u32(b, 0, F.residualCount),
    ahs, data,
  };
}

function decodeTaskResponse(b: Uint8Array, ahs: Ahs[], data: Uint8Array): T.TaskResponse {
  const F = L.TASK_RESPONSE;
  return {
    kind: "task-response", response: u8(b, 0, F.response), itt: u32(b, 0, F.itt),
    statSN: u32(b, 0, F.statSN), expCmdSN: u32(b, 0, F.expCmdSN), maxCmdSN: u32(b, 0, F.maxCmdSN), ahs, data,
  };
}

function decodeLoginResponse(b: Uint8Array, ahs: Ahs[], data: Uint8Array): T.LoginResponse {
  const F = L.LOGIN_RESPONSE;
  const fl = b[F.flags[0]];
  return {
    kind: "login-response", transit: (fl & FLAG.T) !== 0, continue: (fl & FLAG.C) !== 0,
    csg: (fl & FLAG.CSG_MASK) >> FLAG.CSG_SHIFT, nsg: fl & FLAG.NSG_MASK,
    versionMax: u8(b, 0, F.versionMax), versionActive: u8(b, 0, F.versionActive),
    isid: u48(b, 0, F.isid), tsih: u16(b, 0, F.tsih), itt: u32(b, 0, F.itt),
    statSN: u32(b, 0, F.statSN), expCmdSN: u32(b, 0, F.expCmdSN), maxCmdSN: u32(b, 0, F.maxCmdSN),
    statusClass: u8(b, 0, F.statusClass), statusDetail: u8(b, 0, F.statusDetail), ahs, data,
  };
}

function decodeTextResponse(b: Uint8Array, ahs: Ahs[], data: Uint8Array): T.TextResponse {
  const F = L.TEXT_RESPONSE;
  return {
    kind: "text-response", final: flag(b, FLAG.F), continue: flag(b, FLAG.C), lun: u64(b, 0, F.lun),
    itt: u32(b, 0, F.itt), ttt: u32(b, 0, F.ttt), statSN: u32(b, 0, F.statSN),
    expCmdSN: u32(b, 0, F.expCmdSN), maxCmdSN: u32(b, 0, F.maxCmdSN), ahs, data,
  };
}

function decodeDataIn(b: Uint8Array, ahs: Ahs[], data: Uint8Array): T.DataIn {
  const F = L.DATA_IN;
  return {
    kind: "data-in", final: flag(b, FLAG.F), acknowledge: flag(b, FLAG.A), overflow: flag(b, FLAG.O),
    underflow: flag(b, FLAG.U), statusPresent: flag(b, FLAG.S), status: u8(b, 0, F.status),
    lun: u64(b, 0, F.lun), itt: u32(b, 0, F.itt), ttt: u32(b, 0, F.ttt), statSN: u32(b, 0, F.statSN),
    expCmdSN: u32(b, 0, F.expCmdSN), maxCmdSN: u32(b, 0, F.maxCmdSN), dataSN: u32(b, 0, F.dataSN),
    bufferOffset: u32(b, 0, F.bufferOffset), residualCount: u32(b, 0, F.residualCount), ahs, data,
  };
}

function decodeLogoutResponse(b: Uint8Array, ahs: Ahs[], data: Uint8Array): T.LogoutResponse {
  const F = L.LOGOUT_RESPONSE;
  return {
    kind: "logout-response", response: u8(b, 0, F.response), itt: u32(b, 0, F.itt),
    statSN: u32(b, 0, F.statSN), expCmdSN: u32(b, 0, F.expCmdSN), maxCmdSN: u32(b, 0, F.maxCmdSN),
    time2Wait: u16(b, 0, F.time2Wait), time2Retain: u16(b, 0, F.time2Retain), ahs, data,
  };
}

function decodeR2T(b: Uint8Array, ahs: Ahs[], data: Uint8Array): T.R2T {
  const F = L.R2T;
  return {
    kind: "r2t", lun: u64(b, 0, F.lun), itt: u32(b, 0, F.itt), ttt: u32(b, 0, F.ttt),
    statSN: u32(b, 0, F.statSN), expCmdSN: u32(b, 0, F.expCmdSN), maxCmdSN: u32(b, 0, F.maxCmdSN),
    r2tSN: u32(b, 0, F.r2tSN), bufferOffset: u32(b, 0, F.bufferOffset),
    desiredDataTransferLength: u32(b, 0, F.desiredDataTransferLength), ahs, data,
  };
}

function decodeAsyncMessage(b: Uint8Array, ahs: Ahs[], data: Uint8Array): T.AsyncMessage {
  const F = L.ASYNC_MESSAGE;
  return {
    kind: "async-message", lun: u64(b, 0, F.lun), itt: u32(b, 0, F.itt), statSN: u32(b, 0, F.statSN),
    expCmdSN: u32(b, 0, F.expCmdSN), maxCmdSN: u32(b, 0, F.maxCmdSN),
    asyncEvent: u8(b, 0, F.asyncEvent), asyncVCode: u8(b, 0, F.asyncVCode),
    parameter1: u16(b, 0, F.parameter1), parameter2: u16(b, 0, F.parameter2),
    parameter3: u16(b, 0, F.parameter3), ahs, data,
  };
}

function decodeReject(b: Uint8Array, ahs: Ahs[], data: Uint8Array): T.Reject {
  const F = L.REJECT;
  return {
    kind: "reject", reason: u8(b, 0, F.reason), itt: u32(b, 0, F.itt), statSN: u32(b, 0, F.statSN),
    expCmdSN: u32(b, 0, F.expCmdSN), maxCmdSN: u32(b, 0, F.maxCmdSN), dataSN: u32(b, 0, F.dataSN), ahs, data,
  };
}

function decodeVendor(b: Uint8Array, ahs: Ahs[], data: Uint8Array): T.VendorPdu {
  return {
    kind: "vendor", opcode: b[0] & OPCODE_MASK, immediate: imm(b), itt: u32(b, 0, L.COMMON.itt),
    bhs: b.subarray(0, BHS_LENGTH), ahs, data,
  };
}
