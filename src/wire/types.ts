/**
 * PDU types, one interface per opcode, discriminated by `kind`. Field names follow the RFC
 * (camel-cased: `cmdSN`, `expStatSN`, `itt`, `ttt`), so a grep finds the same word in the
 * RFC, the code, the probes and the SQLite columns.
 *
 * Conventions:
 * - 32-bit fields (tags, sequence numbers, lengths) are `number`s in 0..2^32-1.
 * - `lun` is the raw 8-byte LUN field as an unsigned 64-bit `bigint` (SAM-5 encoding; the
 *   SCSI layer turns it into a LUN number). `isid` is the 6-byte ISID as a 48-bit number.
 * - `data` is the data segment without padding or digest. Decoded PDUs reference the
 *   caller's bytes (no copy).
 * - `ahs` holds Additional Header Segments that have no dedicated field: the SCSI Command's
 *   extended CDB and bidirectional read length are folded into `cdb` and `bidiReadLength`.
 */

/** One Additional Header Segment (RFC 7143 §11.2.2). */
export interface Ahs {
  /** AHSType: 1 extended CDB, 2 bidirectional read length, 64-127 vendor. */
  type: number;
  /** The AHS-specific byte. */
  specific: number;
  /** AHS contents after the 4-byte AHS header, without padding. */
  data: Uint8Array;
}

interface PduBase {
  /** Additional Header Segments not folded into a typed field. */
  ahs: Ahs[];
  /** The data segment (no padding, no digest). */
  data: Uint8Array;
}

/** RFC 7143 §11.18 */
export interface NopOut extends PduBase {
  kind: "nop-out";
  immediate: boolean;
  lun: bigint;
  itt: number;
  ttt: number;
  cmdSN: number;
  expStatSN: number;
}

/** SCSI task attributes (RFC 7143 §11.3.1, ATTR). */
export type TaskAttribute = 0 | 1 | 2 | 3 | 4;

/** RFC 7143 §11.3 */
export interface ScsiCommand extends PduBase {
  kind: "scsi-command";
  immediate: boolean;
  final: boolean;
  read: boolean;
  write: boolean;
  /** ATTR: 0 Untagged, 1 Simple, 2 Ordered, 3 Head of Queue, 4 ACA. */
  attr: number;
  lun: bigint;
  itt: number;
  expectedDataTransferLength: number;
  cmdSN: number;
  expStatSN: number;
  /** The whole CDB: 16 bytes in the BHS, longer ones continued in an extended-CDB AHS. */
  cdb: Uint8Array;
  /** Expected Bidirectional Read-Data Length (AHS type 2), when present. */
  bidiReadLength: number | undefined;
}

/** RFC 7143 §11.5 */
export interface TaskRequest extends PduBase {
  kind: "task-request";
  immediate: boolean;
  /** Function: 1 ABORT TASK ... 12 QUERY ASYNCHRONOUS EVENT. */
  function: number;
  lun: bigint;
  itt: number;
  referencedTaskTag: number;
  cmdSN: number;
  expStatSN: number;
  refCmdSN: number;
  expDataSN: number;
}

/** RFC 7143 §11.12 */
export interface LoginRequest extends PduBase {
  kind: "login-request";
  /** Always true on the wire (RFC 7143 §11.12: Login Requests are immediate). */
  immediate: boolean;
  transit: boolean;
  continue: boolean;
  /** Current stage: 0 security, 1 operational, 3 full feature. */
  csg: number;
  /** Next stage; meaningful when `transit`. */
  nsg: number;
  versionMax: number;
  versionMin: number;
  isid: number;
  tsih: number;
  itt: number;
  cid: number;
  cmdSN: number;
  expStatSN: number;
}

/** RFC 7143 §11.10 */
export interface TextRequest extends PduBase {
  kind: "text-request";
  immediate: boolean;
  final: boolean;
  continue: boolean;
  lun: bigint;
  itt: number;
  ttt: number;
  cmdSN: number;
  expStatSN: number;
}

/** RFC 7143 §11.7 */
export interface DataOut extends PduBase {
  kind: "data-out";
  final: boolean;
  lun: bigint;
  itt: number;
  ttt: number;
  expStatSN: number;
  dataSN: number;
  bufferOffset: number;
}

/** RFC 7143 §11.14 */
export interface LogoutRequest extends PduBase {
  kind: "logout-request";
  immediate: boolean;
  /** 0 close the session, 1 close the connection, 2 remove the connection for recovery. */
  reasonCode: number;
  itt: number;
  cid: number;
  cmdSN: number;
  expStatSN: number;
}

/** RFC 7143 §11.16 */
export interface Snack extends PduBase {
  kind: "snack";
  /** 0 Data/R2T, 1 Status, 2 DataACK, 3 R-Data. */
  type: number;
  lun: bigint;
  itt: number;
  /** Target Transfer Tag or SNACK Tag. */
  ttt: number;
  expStatSN: number;
  begRun: number;
  runLength: number;
}

/** RFC 7143 §11.19 */
export interface NopIn extends PduBase {
  kind: "nop-in";
  lun: bigint;
  itt: number;
  ttt: number;
  statSN: number;
  expCmdSN: number;
  maxCmdSN: number;
}

/** RFC 7143 §11.4 */
export interface ScsiResponse extends PduBase {
  kind: "scsi-response";
  /** o: bidirectional read residual overflow. */
  bidiReadOverflow: boolean;
  /** u: bidirectional read residual underflow. */
  bidiReadUnderflow: boolean;
  /** O: residual overflow. */
  overflow: boolean;
  /** U: residual underflow. */
  underflow: boolean;
  /** 0x00 Command Completed at Target, 0x01 Target Failure. */
  response: number;
  /** SAM status (valid when response is 0). */
  status: number;
  itt: number;
  snackTag: number;
  statSN: number;
  expCmdSN: number;
  maxCmdSN: number;
  expDataSN: number;
  bidiReadResidualCount: number;
  residualCount: number;
}

/** RFC 7143 §11.6 */
export interface TaskResponse extends PduBase {
  kind: "task-response";
  response: number;
  itt: number;
  statSN: number;
  expCmdSN: number;
  maxCmdSN: number;
}

/** RFC 7143 §11.13 */
export interface LoginResponse extends PduBase {
  kind: "login-response";
  transit: boolean;
  continue: boolean;
  csg: number;
  nsg: number;
  versionMax: number;
  versionActive: number;
  isid: number;
  tsih: number;
  itt: number;
  statSN: number;
  expCmdSN: number;
  maxCmdSN: number;
  statusClass: number;
  statusDetail: number;
}

/** RFC 7143 §11.11 */
export interface TextResponse extends PduBase {
  kind: "text-response";
  final: boolean;
  continue: boolean;
  lun: bigint;
  itt: number;
  ttt: number;
  statSN: number;
  expCmdSN: number;
  maxCmdSN: number;
}

/** RFC 7143 §11.7 */
export interface DataIn extends PduBase {
  kind: "data-in";
  final: boolean;
  /** A: acknowledge requested (ERL > 0). */
  acknowledge: boolean;
  overflow: boolean;
  underflow: boolean;
  /** S: the PDU carries the command's status (phase collapse). */
  statusPresent: boolean;
  /** SAM status, valid when `statusPresent`. */
  status: number;
  lun: bigint;
  itt: number;
  ttt: number;
  statSN: number;
  expCmdSN: number;
  maxCmdSN: number;
  dataSN: number;
  bufferOffset: number;
  residualCount: number;
}

/** RFC 7143 §11.15 */
export interface LogoutResponse extends PduBase {
  kind: "logout-response";
  /** 0 closed successfully, 1 CID not found, 2 recovery not supported, 3 cleanup failed. */
  response: number;
  itt: number;
  statSN: number;
  expCmdSN: number;
  maxCmdSN: number;
  time2Wait: number;
  time2Retain: number;
}

/** RFC 7143 §11.8 */
export interface R2T extends PduBase {
  kind: "r2t";
  lun: bigint;
  itt: number;
  ttt: number;
  statSN: number;
  expCmdSN: number;
  maxCmdSN: number;
  r2tSN: number;
  bufferOffset: number;
  desiredDataTransferLength: number;
}

/** RFC 7143 §11.9 */
export interface AsyncMessage extends PduBase {
  kind: "async-message";
  lun: bigint;
  itt: number;
  statSN: number;
  expCmdSN: number;
  maxCmdSN: number;
  /** 0 SCSI event, 1 logout request, 2 drop connection, 3 drop all, 4 negotiation request, 255 vendor. */
  asyncEvent: number;
  asyncVCode: number;
  parameter1: number;
  parameter2: number;
  parameter3: number;
}

/** RFC 7143 §11.17 */
export interface Reject extends PduBase {
  kind: "reject";
  reason: number;
  itt: number;
  statSN: number;
  expCmdSN: number;
  maxCmdSN: number;
  /** DataSN or R2TSN of the rejected PDU, when it applies. */
  dataSN: number;
}

/** A vendor-specific opcode (0x1c–0x1e, 0x3c–0x3e): the header kept as bytes. */
export interface VendorPdu extends PduBase {
  kind: "vendor";
  opcode: number;
  immediate: boolean;
  itt: number;
  /** The 48-byte BHS as received. */
  bhs: Uint8Array;
}

export type InitiatorPdu =
  | NopOut | ScsiCommand | TaskRequest | LoginRequest | TextRequest | DataOut | LogoutRequest | Snack;
export type TargetPdu =
  | NopIn | ScsiResponse | TaskResponse | LoginResponse | TextResponse | DataIn | LogoutResponse
  | R2T | AsyncMessage | Reject;
export type Pdu = InitiatorPdu | TargetPdu | VendorPdu;
export type PduKind = Pdu["kind"];

/** The opcode of each kind. */
export const KIND_OPCODE = {
  "nop-out": 0x00, "scsi-command": 0x01, "task-request": 0x02, "login-request": 0x03,
  "text-request": 0x04, "data-out": 0x05, "logout-request": 0x06, "snack": 0x10,
  "nop-in": 0x20, "scsi-response": 0x21, "task-response": 0x22, "login-response": 0x23,
  "text-response": 0x24, "data-in": 0x25, "logout-response": 0x26, "r2t": 0x31,
  "async-message": 0x32, "reject": 0x3f,
} as const satisfies Record<Exclude<PduKind, "vendor">, number>;

/** The kind of each standard opcode (inverse of KIND_OPCODE). */
export const OPCODE_KIND: Readonly<Record<number, Exclude<PduKind, "vendor">>> = Object.fromEntries(
  Object.entries(KIND_OPCODE).map(([k, v]) => [v, k]),
) as Record<number, Exclude<PduKind, "vendor">>;

/** Options shared by the decoder, encoder and framer. */
export interface DigestOptions {
  /** HeaderDigest=CRC32C negotiated. */
  headerDigest?: boolean;
  /** DataDigest=CRC32C negotiated. */
  dataDigest?: boolean;
}

/** The opcode of a PDU. */
export function pduOpcode(pdu: Pdu): number {
  return pdu.kind === "vendor" ? pdu.opcode : KIND_OPCODE[pdu.kind];
}
