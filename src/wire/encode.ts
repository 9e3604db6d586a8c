/**
 * PDU encoder: one function per opcode writing the BHS fields, plus the AHS, digests and
 * padding around them. `encodePduVec` returns the pieces for a vectored write so that a
 * large data segment is never copied.
 */
import { concatBytes, put8, put16, put24, put32, put48, put64, put32le } from "./byte-writer.js";
import { crc32c } from "./crc32c.js";
import * as L from "./layout.js";
import { AhsType, BHS_LENGTH, DIGEST_LENGTH, FLAG, MAX_DATA_SEGMENT_LENGTH, pad4 } from "./layout.js";
import { IMMEDIATE_BIT } from "./opcodes.js";
import type * as T from "./types.js";
import { type Ahs, type DigestOptions, type Pdu, pduOpcode } from "./types.js";

const EMPTY = new Uint8Array(0);
const ZERO_PAD = [EMPTY, new Uint8Array(1), new Uint8Array(2), new Uint8Array(3)];

/**
 * Encode a PDU into one contiguous buffer: BHS, AHS, header digest, data, padding, data
 * digest. Throws `RangeError` for a data segment above 2^24-1 bytes or an AHS above
 * 1020 bytes (API misuse, not wire input).
 *
 * @example
 * const bytes = encodePdu({ kind: "nop-out", immediate: true, lun: 0n, itt: 1, ttt: 0xffffffff,
 *   cmdSN: 5, expStatSN: 9, ahs: [], data: new Uint8Array(0) });
 */
export function encodePdu(pdu: Pdu, opts: DigestOptions = {}): Uint8Array {
  const parts = encodePduVec(pdu, opts);
  return parts.length === 1 ? parts[0] : concatBytes(parts);
}

/**
 * Encode a PDU as `[header]` or `[header, data, trailer]` where `data` is the caller's data
 * segment (not copied) and `trailer` holds the padding and data digest.
 */
export function encodePduVec(pdu: Pdu, opts: DigestOptions = {}): Uint8Array[] {
  const data = pdu.data;
  if (data.length > MAX_DATA_SEGMENT_LENGTH) {
    throw new RangeError(`data segment of ${data.length} bytes exceeds DataSegmentLength's 24 bits`);
  }
  const ahs = collectAhs(pdu);
  let ahsLen = 0;
  for (let i = 0; i < ahs.length; i++) ahsLen += ahsSize(ahs[i]);
  if (ahsLen > 255 * 4) throw new RangeError(`AHS of ${ahsLen} bytes exceeds TotalAHSLength's 1020 bytes`);
  const headerEnd = BHS_LENGTH + ahsLen;
  const h = new Uint8Array(headerEnd + (opts.headerDigest ? DIGEST_LENGTH : 0));
  h[0] = pduOpcode(pdu);
  put8(h, L.COMMON.totalAHSLength, ahsLen / 4);
  put24(h, L.COMMON.dataSegmentLength, data.length);
  writeFields(h, pdu);
  let o = BHS_LENGTH;
  for (const a of ahs) o = writeAhs(h, o, a);
  if (opts.headerDigest) put32le(h, headerEnd, crc32c(h, 0, 0, headerEnd));
  if (data.length === 0) return [h];
  const pad = pad4(data.length);
  if (!opts.dataDigest) return pad === 0 ? [h, data] : [h, data, ZERO_PAD[pad]];
  const trailer = new Uint8Array(pad + DIGEST_LENGTH);
  let crc = crc32c(data);
  if (pad > 0) crc = crc32c(ZERO_PAD[pad], crc);
  put32le(trailer, pad, crc);
  return [h, data, trailer];
}

/** The AHS list to send: the typed extras of a SCSI Command first, then `pdu.ahs`. */
function collectAhs(pdu: Pdu): Ahs[] {
  if (pdu.kind !== "scsi-command" || (pdu.cdb.length <= 16 && pdu.bidiReadLength === undefined)) return pdu.ahs;
  const extra: Ahs[] = [];
  if (pdu.cdb.length > 16) extra.push({ type: AhsType.ExtendedCdb, specific: 0, data: pdu.cdb.subarray(16) });
  if (pdu.bidiReadLength !== undefined) {
    const d = new Uint8Array(4);
    put32(d, [0, 4], pdu.bidiReadLength);
    extra.push({ type: AhsType.BidiReadLength, specific: 0, data: d });
  }
  return extra.length === 0 ? pdu.ahs : [...extra, ...pdu.ahs];
}

function ahsSize(a: Ahs): number {
  return 4 + a.data.length + pad4(a.data.length);
}

/** AHSLength counts the AHS-specific byte and the data (RFC 7143 §11.2.2.1). */
function writeAhs(h: Uint8Array, o: number, a: Ahs): number {
  put16(h, [o, 2], a.data.length + 1);
  h[o + 2] = a.type;
  h[o + 3] = a.specific;
  h.set(a.data, o + 4);
  return o + ahsSize(a);
}

const bit = (on: boolean, b: number): number => (on ? b : 0);

function writeFields(h: Uint8Array, pdu: Pdu): void {
  switch (pdu.kind) {
    case "nop-out": return writeNopOut(h, pdu);
    case "scsi-command": return writeScsiCommand(h, pdu);
    case "task-request": return writeTaskRequest(h, pdu);
    case "login-request": return writeLoginRequest(h, pdu);
    case "text-request": return writeTextRequest(h, pdu);
    case "data-out": return writeDataOut(h, pdu);
    case "logout-request": return writeLogoutRequest(h, pdu);
    case "snack": return writeSnack(h, pdu);
    case "nop-in": return writeNopIn(h, pdu);
    case "scsi-response": return writeScsiResponse(h, pdu);
    case "task-response": return writeTaskResponse(h, pdu);
    case "login-response": return writeLoginResponse(h, pdu);
    case "text-response": return writeTextResponse(h, pdu);
    case "data-in": return writeDataIn(h, pdu);
    case "logout-response": return writeLogoutResponse(h, pdu);
    case "r2t": return writeR2T(h, pdu);
    case "async-message": return writeAsyncMessage(h, pdu);
    case "reject": return writeReject(h, pdu);
    case "vendor": return writeVendor(h, pdu);
  }
}

function writeNopOut(h: Uint8Array, p: T.NopOut): void {
  const F = L.NOP_OUT;
  h[0] |= bit(p.immediate, IMMEDIATE_BIT);
  put8(h, F.flags, FLAG.F);
  put64(h, F.lun, p.lun);
  put32(h, F.itt, p.itt);
  put32(h, F.ttt, p.ttt);
  put32(h, F.cmdSN, p.cmdSN);
  put32(h, F.expStatSN, p.expStatSN);
}

function writeScsiCommand(h: Uint8Array, p: T.ScsiCommand): void {
  const F = L.SCSI_COMMAND;
  h[0] |= bit(p.immediate, IMMEDIATE_BIT);
  if ((p.attr & FLAG.ATTR_MASK) !== p.attr) throw new RangeError(`ATTR ${p.attr} is not a 3-bit task attribute`);
  put8(h, F.flags, bit(p.final, FLAG.F) | bit(p.read, FLAG.R) | bit(p.write, FLAG.W) | p.attr);
  put64(h, F.lun, p.lun);
  put32(h, F.itt, p.itt);
  put32(h, F.expectedDataTransferLength, p.expectedDataTransferLength);
  put32(h, F.cmdSN, p.cmdSN);
  put32(h, F.expStatSN, p.expStatSN);
  const cdb = p.cdb;
  const n = Math.min(cdb.length, F.cdb[1]);
  for (let i = 0, o = F.cdb[0]; i < n; i++) h[o + i] = cdb[i]; // 16 bytes: a loop, no view
}

function writeTaskRequest(h: Uint8Array, p: T.TaskRequest): void {
  const F = L.TASK_REQUEST;
  h[0] |= bit(p.immediate, IMMEDIATE_BIT);
  if ((p.function & FLAG.LOW7) !== p.function) throw new RangeError(`TMF function ${p.function} exceeds 7 bits`);
  put8(h, F.flags, FLAG.F | p.function);
  put64(h, F.lun, p.lun);
  put32(h, F.itt, p.itt);
  put32(h, F.referencedTaskTag, p.referencedTaskTag);
  put32(h, F.cmdSN, p.cmdSN);
  put32(h, F.expStatSN, p.expStatSN);
  put32(h, F.refCmdSN, p.refCmdSN);
  put32(h, F.expDataSN, p.expDataSN);
}

function loginFlags(p: T.LoginRequest | T.LoginResponse): number {
  if ((p.csg & 3) !== p.csg || (p.nsg & 3) !== p.nsg) throw new RangeError(`CSG ${p.csg} / NSG ${p.nsg} are 2-bit stage codes`);
  return bit(p.transit, FLAG.T) | bit(p.continue, FLAG.C) |
    ((p.csg << FLAG.CSG_SHIFT) & FLAG.CSG_MASK) | (p.nsg & FLAG.NSG_MASK);
}

function writeLoginRequest(h: Uint8Array, p: T.LoginRequest): void {
  const F = L.LOGIN_REQUEST;
  h[0] |= bit(p.immediate, IMMEDIATE_BIT);
  put8(h, F.flags, loginFlags(p));
  put8(h, F.versionMax, p.versionMax);
  put8(h, F.versionMin, p.versionMin);
  put48(h, F.isid, p.isid);
  put16(h, F.tsih, p.tsih);
  put32(h, F.itt, p.itt);
  put16(h, F.cid, p.cid);
  put32(h, F.cmdSN, p.cmdSN);
  put32(h, F.expStatSN, p.expStatSN);
}

function writeTextRequest(h: Uint8Array, p: T.TextRequest): void {
  const F = L.TEXT_REQUEST;
  h[0] |= bit(p.immediate, IMMEDIATE_BIT);
  put8(h, F.flags, bit(p.final, FLAG.F) | bit(p.continue, FLAG.C));
  put64(h, F.lun, p.lun);
  put32(h, F.itt, p.itt);
  put32(h, F.ttt, p.ttt);
  put32(h, F.cmdSN, p.cmdSN);
  put32(h, F.expStatSN, p.expStatSN);
}

function writeDataOut(h: Uint8Array, p: T.DataOut): void {
  const F = L.DATA_OUT;
  put8(h, F.flags, bit(p.final, FLAG.F));
  put64(h, F.lun, p.lun);
  put32(h, F.itt, p.itt);
  put32(h, F.ttt, p.ttt);
  put32(h, F.expStatSN, p.expStatSN);
  put32(h, F.dataSN, p.dataSN);
  put32(h, F.bufferOffset, p.bufferOffset);
}

function writeLogoutRequest(h: Uint8Array, p: T.LogoutRequest): void {
  const F = L.LOGOUT_REQUEST;
  h[0] |= bit(p.immediate, IMMEDIATE_BIT);
  if ((p.reasonCode & FLAG.LOW7) !== p.reasonCode) throw new RangeError(`logout reason ${p.reasonCode} exceeds 7 bits`);
  put8(h, F.flags, FLAG.F | p.reasonCode);
  put32(h, F.itt, p.itt);
  put16(h, F.cid, p.cid);
  put32(h, F.cmdSN, p.cmdSN);
  put32(h, F.expStatSN, p.expStatSN);
}

function writeSnack(h: Uint8Array, p: T.Snack): void {
  const F = L.SNACK;
  if ((p.type & FLAG.LOW4) !== p.type) throw new RangeError(`SNACK type ${p.type} exceeds 4 bits`);
  put8(h, F.flags, FLAG.F | p.type);
  put64(h, F.lun, p.lun);
  put32(h, F.itt, p.itt);
  put32(h, F.ttt, p.ttt);
  put32(h, F.expStatSN, p.expStatSN);
  put32(h, F.begRun, p.begRun);
  put32(h, F.runLength, p.runLength);
}

/** StatSN, ExpCmdSN and MaxCmdSN sit at 24, 28 and 32 in every target PDU that has them. */
function writeTargetSNs(h: Uint8Array, p: { statSN: number; expCmdSN: number; maxCmdSN: number }): void {
  const F = L.NOP_IN;
  put32(h, F.statSN, p.statSN);
  put32(h, F.expCmdSN, p.expCmdSN);
  put32(h, F.maxCmdSN, p.maxCmdSN);
}

function writeNopIn(h: Uint8Array, p: T.NopIn): void {
  const F = L.NOP_IN;
  put8(h, F.flags, FLAG.F);
  put64(h, F.lun, p.lun);
  put32(h, F.itt, p.itt);
  put32(h, F.ttt, p.ttt);
  writeTargetSNs(h, p);
}

function writeScsiResponse(h: Uint8Array, p: T.ScsiResponse): void {
  const F = L.SCSI_RESPONSE;
  put8(h, F.flags, FLAG.F | bit(p.bidiReadOverflow, FLAG.BIDI_O) | bit(p.bidiReadUnderflow, FLAG.BIDI_U) |
    bit(p.overflow, FLAG.RESP_O) | bit(p.underflow, FLAG.RESP_U));
  put8(h, F.response, p.response);
  put8(h, F.status, p.status);
  put32(h, F.itt, p.itt);
  put32(h, F.snackTag, p.snackTag);
  writeTargetSNs(h, p);
  put32(h, F.expDataSN, p.expDataSN);
  put32(h, F.bidiReadResidualCount, p.bidiReadResidualCount);
  put32(h, F.residualCount, p.residualCount);
}

function writeTaskResponse(h: Uint8Array, p: T.TaskResponse): void {
  const F = L.TASK_RESPONSE;
  put8(h, F.flags, FLAG.F);
  put8(h, F.response, p.response);
  put32(h, F.itt, p.itt);
  writeTargetSNs(h, p);
}

function writeLoginResponse(h: Uint8Array, p: T.LoginResponse): void {
  const F = L.LOGIN_RESPONSE;
  put8(h, F.flags, loginFlags(p));
  put8(h, F.versionMax, p.versionMax);
  put8(h, F.versionActive, p.versionActive);
  put48(h, F.isid, p.isid);
  put16(h, F.tsih, p.tsih);
  put32(h, F.itt, p.itt);
  writeTargetSNs(h, p);
  put8(h, F.statusClass, p.statusClass);
  put8(h, F.statusDetail, p.statusDetail);
}

function writeTextResponse(h: Uint8Array, p: T.TextResponse): void {
  const F = L.TEXT_RESPONSE;
  put8(h, F.flags, bit(p.final, FLAG.F) | bit(p.continue, FLAG.C));
  put64(h, F.lun, p.lun);
  put32(h, F.itt, p.itt);
  put32(h, F.ttt, p.ttt);
  writeTargetSNs(h, p);
}

function writeDataIn(h: Uint8Array, p: T.DataIn): void {
  const F = L.DATA_IN;
  put8(h, F.flags, bit(p.final, FLAG.F) | bit(p.acknowledge, FLAG.A) | bit(p.overflow, FLAG.O) |
    bit(p.underflow, FLAG.U) | bit(p.statusPresent, FLAG.S));
  put8(h, F.status, p.status);
  put64(h, F.lun, p.lun);
  put32(h, F.itt, p.itt);
  put32(h, F.ttt, p.ttt);
  writeTargetSNs(h, p);
  put32(h, F.dataSN, p.dataSN);
  put32(h, F.bufferOffset, p.bufferOffset);
  put32(h, F.residualCount, p.residualCount);
}

function writeLogoutResponse(h: Uint8Array, p: T.LogoutResponse): void {
  const F = L.LOGOUT_RESPONSE;
  put8(h, F.flags, FLAG.F);
  put8(h, F.response, p.response);
  put32(h, F.itt, p.itt);
  writeTargetSNs(h, p);
  put16(h, F.time2Wait, p.time2Wait);
  put16(h, F.time2Retain, p.time2Retain);
}

function writeR2T(h: Uint8Array, p: T.R2T): void {
  const F = L.R2T;
  put8(h, F.flags, FLAG.F);
  put64(h, F.lun, p.lun);
  put32(h, F.itt, p.itt);
  put32(h, F.ttt, p.ttt);
  writeTargetSNs(h, p);
  put32(h, F.r2tSN, p.r2tSN);
  put32(h, F.bufferOffset, p.bufferOffset);
  put32(h, F.desiredDataTransferLength, p.desiredDataTransferLength);
}

function writeAsyncMessage(h: Uint8Array, p: T.AsyncMessage): void {
  const F = L.ASYNC_MESSAGE;
  put8(h, F.flags, FLAG.F);
  put64(h, F.lun, p.lun);
  put32(h, F.itt, p.itt);
  writeTargetSNs(h, p);
  put8(h, F.asyncEvent, p.asyncEvent);
  put8(h, F.asyncVCode, p.asyncVCode);
  put16(h, F.parameter1, p.parameter1);
  put16(h, F.parameter2, p.parameter2);
  put16(h, F.parameter3, p.parameter3);
}

function writeReject(h: Uint8Array, p: T.Reject): void {
  const F = L.REJECT;
  put8(h, F.flags, FLAG.F);
  put8(h, F.reason, p.reason);
  put32(h, F.itt, p.itt);
  writeTargetSNs(h, p);
  put32(h, F.dataSN, p.dataSN);
}

/** A vendor PDU is written back as received, with our lengths in place. */
function writeVendor(h: Uint8Array, p: T.VendorPdu): void {
  const keep0 = h[0];
  const lengths = h.slice(L.COMMON.totalAHSLength[0], L.COMMON.dataSegmentLength[0] + 3);
  h.set(p.bhs.subarray(0, BHS_LENGTH));
  h[0] = keep0 | bit(p.immediate, IMMEDIATE_BIT);
  h.set(lengths, L.COMMON.totalAHSLength[0]);
  put32(h, L.COMMON.itt, p.itt);
}
