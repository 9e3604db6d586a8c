/**
 * iSCSI opcodes, RFC 7143 §11.1.1 (BHS byte 0, low 6 bits). Bit 0x40 is I (immediate),
 * bit 0x20 marks a target opcode.
 */
export const Opcode = {
  NopOut: 0x00,
  ScsiCommand: 0x01,
  TaskRequest: 0x02,
  LoginRequest: 0x03,
  TextRequest: 0x04,
  DataOut: 0x05,
  LogoutRequest: 0x06,
  Snack: 0x10,
  NopIn: 0x20,
  ScsiResponse: 0x21,
  TaskResponse: 0x22,
  LoginResponse: 0x23,
  TextResponse: 0x24,
  DataIn: 0x25,
  LogoutResponse: 0x26,
  R2T: 0x31,
  AsyncMessage: 0x32,
  Reject: 0x3f,
} as const;
export type Opcode = (typeof Opcode)[keyof typeof Opcode];

/** The opcode mask of BHS byte 0. */
export const OPCODE_MASK = 0x3f;
/** The I (immediate delivery) bit of BHS byte 0. */
export const IMMEDIATE_BIT = 0x40;

/** Names as Wireshark's `iscsi.opcode` value string prints them (tshark 4.0). */
const NAMES: Record<number, string> = {
  0x00: "NOP Out",
  0x01: "SCSI Command",
  0x02: "Task Management Function",
  0x03: "Login Command",
  0x04: "Text Command",
  0x05: "SCSI Data Out",
  0x06: "Logout Command",
  0x10: "SNACK Request",
  0x1c: "Vendor Specific I0",
  0x1d: "Vendor Specific I1",
  0x1e: "Vendor Specific I2",
  0x20: "NOP In",
  0x21: "SCSI Response",
  0x22: "Task Management Function Response",
  0x23: "Login Response",
  0x24: "Text Response",
  0x25: "SCSI Data In",
  0x26: "Logout Response",
  0x31: "Ready To Transfer",
  0x32: "Asynchronous Message",
  0x3c: "Vendor Specific T0",
  0x3d: "Vendor Specific T1",
  0x3e: "Vendor Specific T2",
  0x3f: "Reject",
};

/**
 * The display name of an opcode, or `Unknown (0xNN)`.
 *
 * @example
 * opcodeName(0x21); // "SCSI Response"
 */
export function opcodeName(opcode: number): string {
  return NAMES[opcode & OPCODE_MASK] ?? `Unknown (0x${(opcode & OPCODE_MASK).toString(16).padStart(2, "0")})`;
}

/** True for the vendor-specific opcodes 0x1c–0x1e and 0x3c–0x3e. */
export function isVendorOpcode(opcode: number): boolean {
  return (opcode >= 0x1c && opcode <= 0x1e) || (opcode >= 0x3c && opcode <= 0x3e);
}

/** True for every opcode RFC 7143 defines, vendor-specific ones included. */
export function isKnownOpcode(opcode: number): boolean {
  return NAMES[opcode] !== undefined;
}

/** True when the opcode is sent by a target (bit 0x20). */
export function isTargetOpcode(opcode: number): boolean {
  return (opcode & 0x20) !== 0;
}
