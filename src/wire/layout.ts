/**
 * Basic Header Segment layouts, one per opcode, as RFC 7143 §11 draws them.
 *
 * Every field is `[offset, size]` in bytes; reserved ranges are named so that a test can
 * check each layout tiles the 48-byte BHS exactly. Decoders and encoders read offsets
 * from here and nowhere else (no bare numeric offsets in the codec).
 */
export type Field = readonly [offset: number, size: number];
export type Layout = Readonly<Record<string, Field>>;

/** Length of the Basic Header Segment. */
export const BHS_LENGTH = 48;
/** Length of a CRC32C header or data digest. */
export const DIGEST_LENGTH = 4;
/** DataSegmentLength is 24 bits: the largest value it can carry. */
export const MAX_DATA_SEGMENT_LENGTH = 0xffffff;
/** An ITT or TTT of all ones means "none" (RFC 7143 §11.2.1.8). */
export const RESERVED_TAG = 0xffffffff;

/** Fields every opcode shares (RFC 7143 §11.2.1). */
export const COMMON = {
  opcode: [0, 1],
  flags: [1, 1],
  totalAHSLength: [4, 1],
  dataSegmentLength: [5, 3],
  lunOrIsid: [8, 8],
  itt: [16, 4],
} as const satisfies Layout;

/** RFC 7143 §11.18 NOP-Out. */
export const NOP_OUT = {
  opcode: [0, 1], flags: [1, 1], reserved2: [2, 2],
  totalAHSLength: [4, 1], dataSegmentLength: [5, 3],
  lun: [8, 8], itt: [16, 4], ttt: [20, 4], cmdSN: [24, 4], expStatSN: [28, 4],
  reserved32: [32, 16],
} as const satisfies Layout;

/** RFC 7143 §11.3 SCSI Command. */
export const SCSI_COMMAND = {
  opcode: [0, 1], flags: [1, 1], reserved2: [2, 2],
  totalAHSLength: [4, 1], dataSegmentLength: [5, 3],
  lun: [8, 8], itt: [16, 4], expectedDataTransferLength: [20, 4],
  cmdSN: [24, 4], expStatSN: [28, 4], cdb: [32, 16],
} as const satisfies Layout;

/** RFC 7143 §11.5 SCSI Task Management Function Request. */
export const TASK_REQUEST = {
  opcode: [0, 1], flags: [1, 1], reserved2: [2, 2],
  totalAHSLength: [4, 1], dataSegmentLength: [5, 3],
  lun: [8, 8], itt: [16, 4], referencedTaskTag: [20, 4],
  cmdSN: [24, 4], expStatSN: [28, 4], refCmdSN: [32, 4], expDataSN: [36, 4],
  reserved40: [40, 8],
} as const satisfies Layout;

/** RFC 7143 §11.12 Login Request. */
export const LOGIN_REQUEST = {
  opcode: [0, 1], flags: [1, 1], versionMax: [2, 1], versionMin: [3, 1],
  totalAHSLength: [4, 1], dataSegmentLength: [5, 3],
  isid: [8, 6], tsih: [14, 2], itt: [16, 4], cid: [20, 2], reserved22: [22, 2],
  cmdSN: [24, 4], expStatSN: [28, 4], reserved32: [32, 16],
} as const satisfies Layout;

/** RFC 7143 §11.10 Text Request. */
export const TEXT_REQUEST = {
  opcode: [0, 1], flags: [1, 1], reserved2: [2, 2],
  totalAHSLength: [4, 1], dataSegmentLength: [5, 3],
  lun: [8, 8], itt: [16, 4], ttt: [20, 4], cmdSN: [24, 4], expStatSN: [28, 4],
  reserved32: [32, 16],
} as const satisfies Layout;

/** RFC 7143 §11.7 SCSI Data-Out. */
export const DATA_OUT = {
  opcode: [0, 1], flags: [1, 1], reserved2: [2, 2],
  totalAHSLength: [4, 1], dataSegmentLength: [5, 3],
  lun: [8, 8], itt: [16, 4], ttt: [20, 4], reserved24: [24, 4], expStatSN: [28, 4],
  reserved32: [32, 4], dataSN: [36, 4], bufferOffset: [40, 4], reserved44: [44, 4],
} as const satisfies Layout;

/** RFC 7143 §11.14 Logout Request. */
export const LOGOUT_REQUEST = {
  opcode: [0, 1], flags: [1, 1], reserved2: [2, 2],
  totalAHSLength: [4, 1], dataSegmentLength: [5, 3],
  reserved8: [8, 8], itt: [16, 4], cid: [20, 2], reserved22: [22, 2],
  cmdSN: [24, 4], expStatSN: [28, 4], reserved32: [32, 16],
} as const satisfies Layout;

/** RFC 7143 §11.16 SNACK Request. */
export const SNACK = {
  opcode: [0, 1], flags: [1, 1], reserved2: [2, 2],
  totalAHSLength: [4, 1], dataSegmentLength: [5, 3],
  lun: [8, 8], itt: [16, 4], ttt: [20, 4], reserved24: [24, 4], expStatSN: [28, 4],
  reserved32: [32, 8], begRun: [40, 4], runLength: [44, 4],
} as const satisfies Layout;

/** RFC 7143 §11.19 NOP-In. */
export const NOP_IN = {
  opcode: [0, 1], flags: [1, 1], reserved2: [2, 2],
  totalAHSLength: [4, 1], dataSegmentLength: [5, 3],
  lun: [8, 8], itt: [16, 4], ttt: [20, 4],
  statSN: [24, 4], expCmdSN: [28, 4], maxCmdSN: [32, 4], reserved36: [36, 12],
} as const satisfies Layout;

/** RFC 7143 §11.4 SCSI Response. */
export const SCSI_RESPONSE = {
  opcode: [0, 1], flags: [1, 1], response: [2, 1], status: [3, 1],
  totalAHSLength: [4, 1], dataSegmentLength: [5, 3],
  reserved8: [8, 8], itt: [16, 4], snackTag: [20, 4],
  statSN: [24, 4], expCmdSN: [28, 4], maxCmdSN: [32, 4], expDataSN: [36, 4],
  bidiReadResidualCount: [40, 4], residualCount: [44, 4],
} as const satisfies Layout;

/** RFC 7143 §11.6 SCSI Task Management Function Response. */
export const TASK_RESPONSE = {
  opcode: [0, 1], flags: [1, 1], response: [2, 1], reserved3: [3, 1],
  totalAHSLength: [4, 1], dataSegmentLength: [5, 3],
  reserved8: [8, 8], itt: [16, 4], reserved20: [20, 4],
  statSN: [24, 4], expCmdSN: [28, 4], maxCmdSN: [32, 4], reserved36: [36, 12],
} as const satisfies Layout;

/** RFC 7143 §11.13 Login Response. */
export const LOGIN_RESPONSE = {
  opcode: [0, 1], flags: [1, 1], versionMax: [2, 1], versionActive: [3, 1],
  totalAHSLength: [4, 1], dataSegmentLength: [5, 3],
  isid: [8, 6], tsih: [14, 2], itt: [16, 4], reserved20: [20, 4],
  statSN: [24, 4], expCmdSN: [28, 4], maxCmdSN: [32, 4],
  statusClass: [36, 1], statusDetail: [37, 1], reserved38: [38, 10],
} as const satisfies Layout;

/** RFC 7143 §11.11 Text Response. */
export const TEXT_RESPONSE = {
  opcode: [0, 1], flags: [1, 1], reserved2: [2, 2],
  totalAHSLength: [4, 1], dataSegmentLength: [5, 3],
  lun: [8, 8], itt: [16, 4], ttt: [20, 4],
  statSN: [24, 4], expCmdSN: [28, 4], maxCmdSN: [32, 4], reserved36: [36, 12],
} as const satisfies Layout;

/** RFC 7143 §11.7 SCSI Data-In. */
export const DATA_IN = {
  opcode: [0, 1], flags: [1, 1], reserved2: [2, 1], status: [3, 1],
  totalAHSLength: [4, 1], dataSegmentLength: [5, 3],
  lun: [8, 8], itt: [16, 4], ttt: [20, 4],
  statSN: [24, 4], expCmdSN: [28, 4], maxCmdSN: [32, 4],
  dataSN: [36, 4], bufferOffset: [40, 4], residualCount: [44, 4],
} as const satisfies Layout;

/** RFC 7143 §11.15 Logout Response. */
export const LOGOUT_RESPONSE = {
  opcode: [0, 1], flags: [1, 1], response: [2, 1], reserved3: [3, 1],
  totalAHSLength: [4, 1], dataSegmentLength: [5, 3],
  reserved8: [8, 8], itt: [16, 4], reserved20: [20, 4],
  statSN: [24, 4], expCmdSN: [28, 4], maxCmdSN: [32, 4], reserved36: [36, 4],
  time2Wait: [40, 2], time2Retain: [42, 2], reserved44: [44, 4],
} as const satisfies Layout;

/** RFC 7143 §11.8 Ready To Transfer (R2T). */
export const R2T = {
  opcode: [0, 1], flags: [1, 1], reserved2: [2, 2],
  totalAHSLength: [4, 1], dataSegmentLength: [5, 3],
  lun: [8, 8], itt: [16, 4], ttt: [20, 4],
  statSN: [24, 4], expCmdSN: [28, 4], maxCmdSN: [32, 4],
  r2tSN: [36, 4], bufferOffset: [40, 4], desiredDataTransferLength: [44, 4],
} as const satisfies Layout;

/** RFC 7143 §11.9 Asynchronous Message. */
export const ASYNC_MESSAGE = {
  opcode: [0, 1], flags: [1, 1], reserved2: [2, 2],
  totalAHSLength: [4, 1], dataSegmentLength: [5, 3],
  lun: [8, 8], itt: [16, 4], reserved20: [20, 4],
  statSN: [24, 4], expCmdSN: [28, 4], maxCmdSN: [32, 4],
  asyncEvent: [36, 1], asyncVCode: [37, 1],
  parameter1: [38, 2], parameter2: [40, 2], parameter3: [42, 2], reserved44: [44, 4],
} as const satisfies Layout;

/** RFC 7143 §11.17 Reject. */
export const REJECT = {
  opcode: [0, 1], flags: [1, 1], reason: [2, 1], reserved3: [3, 1],
  totalAHSLength: [4, 1], dataSegmentLength: [5, 3],
  reserved8: [8, 8], itt: [16, 4], reserved20: [20, 4],
  statSN: [24, 4], expCmdSN: [28, 4], maxCmdSN: [32, 4],
  dataSN: [36, 4], reserved40: [40, 8],
} as const satisfies Layout;

/** Every layout by opcode, for documentation and the tiling test. */
export const LAYOUTS: Readonly<Record<number, Layout>> = {
  0x00: NOP_OUT, 0x01: SCSI_COMMAND, 0x02: TASK_REQUEST, 0x03: LOGIN_REQUEST,
  0x04: TEXT_REQUEST, 0x05: DATA_OUT, 0x06: LOGOUT_REQUEST, 0x10: SNACK,
  0x20: NOP_IN, 0x21: SCSI_RESPONSE, 0x22: TASK_RESPONSE, 0x23: LOGIN_RESPONSE,
  0x24: TEXT_RESPONSE, 0x25: DATA_IN, 0x26: LOGOUT_RESPONSE, 0x31: R2T,
  0x32: ASYNC_MESSAGE, 0x3f: REJECT,
};

/** Flag bits of BHS byte 1, by the RFC's letter. */
export const FLAG = {
  F: 0x80,
  /** SCSI Command */
  R: 0x40, W: 0x20, ATTR_MASK: 0x07,
  /** Login: T (transit) and C (continue); Text: C */
  T: 0x80, C: 0x40, CSG_MASK: 0x0c, CSG_SHIFT: 2, NSG_MASK: 0x03,
  /** Data-In */
  A: 0x40, O: 0x04, U: 0x02, S: 0x01,
  /** SCSI Response: bidirectional read residual overflow/underflow, residual overflow/underflow */
  BIDI_O: 0x10, BIDI_U: 0x08, RESP_O: 0x04, RESP_U: 0x02,
  /** TMF function, Logout reason code: low 7 bits */
  LOW7: 0x7f,
  /** SNACK type: low 4 bits */
  LOW4: 0x0f,
} as const;

/** Additional Header Segment types (RFC 7143 §11.2.2). */
export const AhsType = {
  ExtendedCdb: 1,
  BidiReadLength: 2,
} as const;

/** Bytes of padding that bring `n` to a multiple of four. */
export function pad4(n: number): number {
  return (4 - (n & 3)) & 3;
}
