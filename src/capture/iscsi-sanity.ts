/**
 * Is there an iSCSI Basic Header Segment at `b[p]`? Two strengths:
 *
 * - {@link headerProblem}, used where a header is expected (the stream is in step): the
 *   opcode must be one RFC 7143 defines and the PDU must fit `maxPduLength`. Anything else
 *   the codec decodes as it is, as a target would receive it.
 * - {@link plausibleHeader}, used to find a header where none is known to start (capture
 *   started mid-stream, after a gap, on a port that is not a target port): Wireshark's
 *   per-opcode rules (packet-iscsi.c, dissect_iscsi: reserved bits and fields zero, known
 *   function/reason/status codes, the tags some PDUs must carry) and its bogus-PDU filter
 *   (DataSegmentLength at most 262144 by default, a NOP-Out with TTT 0 is inside zeroed
 *   data), plus one rule of ours: TotalAHSLength is 0 except on SCSI Command and vendor
 *   PDUs (RFC 7143 defines AHS for SCSI Command only).
 *
 * Deviations from Wireshark, each where RFC 7144 or 7143 allows more: Task Management
 * functions 1–12 (RFC 7144 adds 9–12 to Wireshark's 1–8).
 */
import * as L from "../wire/layout.js";
import { BHS_LENGTH, FLAG, type Field } from "../wire/layout.js";
import { isKnownOpcode, isVendorOpcode, OPCODE_MASK } from "../wire/opcodes.js";

const RESERVED_TAG = 0xffffffff;
/** SAM status codes Wireshark knows (scsi_status_val). */
const SCSI_STATUS = new Set([0x00, 0x02, 0x04, 0x08, 0x10, 0x14, 0x18, 0x22, 0x28, 0x30, 0x40]);
/** Bytes 4..7: TotalAHSLength and DataSegmentLength, which some PDUs must have zero. */
const AHS_AND_DSL: Field = [4, 4];
/** Bytes 10..15: the LUN beyond a two-level address, zero in Wireshark's SCSI Command rule. */
const LUN_TAIL: Field = [10, 6];
/** Byte 20: the top byte of ExpectedDataTransferLength (Wireshark wants it below 16 MiB). */
const EDTL_TOP: Field = [20, 1];

function zero(b: Uint8Array, p: number, f: Field): boolean {
  for (let i = p + f[0], end = p + f[0] + f[1]; i < end; i++) if (b[i] !== 0) return false;
  return true;
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/**
 * DataSegmentLength (BHS bytes 5-7) of the BHS at `b[p]`.
 *
 * @example
 * dataSegmentLength(Uint8Array.of(0x25, 0x81, 0, 0, 0, 0, 2, 0), 0); // 512
 */
export function dataSegmentLength(b: Uint8Array, p: number): number {
  return (b[p + 5] << 16) | (b[p + 6] << 8) | b[p + 7];
}

/**
 * Why the BHS at `b[p]` (48 bytes present) cannot start a PDU where one is expected, or
 * undefined when it can. `maxRecv` is the MaxRecvDataSegmentLength the receiver declared
 * at login (RFC 7143 §13.12), when the login was captured; Login PDUs are not bound by it.
 *
 * @example
 * headerProblem(bytes, 0); // "unknown opcode 0x3b"
 */
export function headerProblem(b: Uint8Array, p: number, maxRecv?: number): string | undefined {
  const op = b[p] & OPCODE_MASK;
  if (!isKnownOpcode(op)) return `unknown opcode 0x${op.toString(16).padStart(2, "0")}`;
  const dsl = dataSegmentLength(b, p);
  if (maxRecv !== undefined && dsl > maxRecv && op !== 0x03 && op !== 0x23) {
    return `DataSegmentLength ${dsl} exceeds the MaxRecvDataSegmentLength ${maxRecv} the receiver declared`;
  }
  return undefined;
}

/**
 * True when the 48 bytes at `b[p]` pass the resynchronisation rules. `fromTarget`, when
 * known, is the sender's role: the opcode's target bit (0x20) must agree with it.
 *
 * @example
 * plausibleHeader(buf, i, 262144, true); // a target PDU could start at buf[i]
 */
export function plausibleHeader(b: Uint8Array, p: number, maxDataSegmentLength: number, fromTarget?: boolean): boolean {
  if (b.length - p < BHS_LENGTH) return false;
  const op = b[p] & OPCODE_MASK;
  if (fromTarget !== undefined && ((op & 0x20) !== 0) !== fromTarget) return false;
  if (dataSegmentLength(b, p) > maxDataSegmentLength) return false;
  if (b[p + 4] !== 0 && op !== 0x01 && !isVendorOpcode(op)) return false;
  return opcodeRules(b, p, op);
}

/** Wireshark's rules per opcode (dissect_iscsi, heuristic part); `f` is BHS byte 1. */
function opcodeRules(b: Uint8Array, p: number, op: number): boolean {
  const b0 = b[p];
  const f = b[p + 1];
  const reservedClear = (b0 & 0x80) === 0;      // bit 7 reserved; the I bit may be set
  const reservedAndIClear = (b0 & 0xc0) === 0; // neither reserved bit 7 nor I
  switch (op) {
    case 0x00: return reservedClear && f === 0x80 && zero(b, p, L.NOP_OUT.reserved2)
      && u32(b, p + 16) !== 0 && u32(b, p + 20) !== 0 && zero(b, p, L.NOP_OUT.reserved32);
    case 0x01: return reservedClear && (f & 0x18) === 0 && zero(b, p, L.SCSI_COMMAND.reserved2)
      && zero(b, p, LUN_TAIL) && zero(b, p, EDTL_TOP);
    case 0x02: return reservedClear && (f & 0x80) !== 0 && (f & FLAG.LOW7) >= 1 && (f & FLAG.LOW7) <= 12
      && zero(b, p, L.TASK_REQUEST.reserved2) && zero(b, p, AHS_AND_DSL);
    case 0x03: return (b0 & 0xc0) === 0x40 && loginFlags(f);
    case 0x04: return reservedClear && (f === 0x80 || f === 0x40) && zero(b, p, L.TEXT_REQUEST.reserved2)
      && zero(b, p, L.TEXT_REQUEST.reserved32);
    case 0x05: return reservedAndIClear && (f & 0x7f) === 0 && zero(b, p, L.DATA_OUT.reserved2)
      && zero(b, p, L.DATA_OUT.reserved24) && zero(b, p, L.DATA_OUT.reserved32) && zero(b, p, L.DATA_OUT.reserved44);
    case 0x06: return reservedClear && (f & 0x80) !== 0 && (f & FLAG.LOW7) <= 2 && zero(b, p, L.LOGOUT_REQUEST.reserved2)
      && zero(b, p, AHS_AND_DSL) && zero(b, p, L.LOGOUT_REQUEST.reserved8) && zero(b, p, L.LOGOUT_REQUEST.reserved32);
    case 0x10: return reservedAndIClear && snackRules(b, p, f);
    case 0x20: return reservedAndIClear && f === 0x80 && zero(b, p, L.NOP_IN.reserved2);
    case 0x21: return reservedAndIClear && (f & 0x80) !== 0 && (f & 0x61) === 0 && SCSI_STATUS.has(b[p + 3])
      && zero(b, p, L.SCSI_RESPONSE.reserved8);
    case 0x22: return reservedAndIClear && f === 0x80 && (b[p + 2] <= 6 || b[p + 2] === 255) && zero(b, p, L.TASK_RESPONSE.reserved3)
      && zero(b, p, AHS_AND_DSL) && zero(b, p, L.TASK_RESPONSE.reserved8) && zero(b, p, L.TASK_RESPONSE.reserved20)
      && zero(b, p, L.TASK_RESPONSE.reserved36);
    case 0x23: return reservedAndIClear && loginFlags(f) && zero(b, p, L.LOGIN_RESPONSE.reserved20) && zero(b, p, L.LOGIN_RESPONSE.reserved38);
    case 0x24: return reservedAndIClear && (f === 0x80 || f === 0x40) && zero(b, p, L.TEXT_RESPONSE.reserved2)
      && zero(b, p, L.TEXT_RESPONSE.reserved36);
    case 0x25: return reservedAndIClear && (f & 0x38) === 0 && zero(b, p, L.DATA_IN.reserved2);
    case 0x26: return reservedAndIClear && f === 0x80 && b[p + 2] <= 3 && zero(b, p, L.LOGOUT_RESPONSE.reserved3)
      && zero(b, p, AHS_AND_DSL) && zero(b, p, L.LOGOUT_RESPONSE.reserved8) && zero(b, p, L.LOGOUT_RESPONSE.reserved20)
      && zero(b, p, L.LOGOUT_RESPONSE.reserved36) && zero(b, p, L.LOGOUT_RESPONSE.reserved44);
    case 0x31: return reservedAndIClear && f === 0x80 && zero(b, p, L.R2T.reserved2) && zero(b, p, AHS_AND_DSL)
      && u32(b, p + L.R2T.desiredDataTransferLength[0]) !== 0;
    case 0x32: return reservedAndIClear && f === 0x80 && zero(b, p, L.ASYNC_MESSAGE.reserved2) && zero(b, p, L.ASYNC_MESSAGE.reserved20)
      && zero(b, p, L.ASYNC_MESSAGE.reserved44) && u32(b, p + L.ASYNC_MESSAGE.itt[0]) === RESERVED_TAG;
    case 0x3f: return reservedAndIClear && f === 0x80 && b[p + 2] >= 1 && b[p + 2] <= 0x0c && zero(b, p, L.REJECT.reserved3)
      && zero(b, p, L.REJECT.reserved8) && zero(b, p, L.REJECT.reserved20) && zero(b, p, L.REJECT.reserved40)
      && u32(b, p + L.REJECT.itt[0]) === RESERVED_TAG;
    default: return isVendorOpcode(op);
  }
}

/** Login flags: not both T and C, bits 0x30 clear, CSG and NSG not 2, T implies NSG > 0. */
function loginFlags(f: number): boolean {
  const high = f & 0xf0;
  if (high !== 0x80 && high !== 0x40 && high !== 0x00) return false;
  if ((f & FLAG.NSG_MASK) === 2 || (f & FLAG.CSG_MASK) === 0x08) return false;
  return !(f & FLAG.T) || (f & FLAG.NSG_MASK) !== 0;
}

/** SNACK: type 0–3 with F set; Status and DataACK carry ITT 0xffffffff; R-Data a real TTT. */
function snackRules(b: Uint8Array, p: number, f: number): boolean {
  if ((f & 0xf0) !== 0x80 || (f & FLAG.LOW4) > 3) return false;
  const type = f & FLAG.LOW4;
  if ((type === 1 || type === 2) && u32(b, p + L.SNACK.itt[0]) !== RESERVED_TAG) return false;
  const ttt = u32(b, p + L.SNACK.ttt[0]);
  if (type === 3 && (ttt === 0 || ttt === RESERVED_TAG)) return false;
  return zero(b, p, L.SNACK.reserved2) && zero(b, p, L.SNACK.reserved24) && zero(b, p, L.SNACK.reserved32);
}
