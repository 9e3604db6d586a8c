/**
 * SAM status codes (SAM-5 §5.3.1, table 24), the Status byte of an iSCSI SCSI Response
 * (RFC 7143 §11.4.2).
 */
import { hexByte } from "./bytes.js";

/**
 * Status codes by name.
 *
 * @example
 * if (response.status === ScsiStatus.CheckCondition) decodeSenseSegment(response.data);
 */
export const ScsiStatus = {
  Good: 0x00,
  CheckCondition: 0x02,
  ConditionMet: 0x04,
  Busy: 0x08,
  Intermediate: 0x10,
  IntermediateConditionMet: 0x14,
  ReservationConflict: 0x18,
  CommandTerminated: 0x22,
  TaskSetFull: 0x28,
  AcaActive: 0x30,
  TaskAborted: 0x40,
} as const;

const NAMES: Readonly<Record<number, string>> = {
  0x00: "GOOD",
  0x02: "CHECK CONDITION",
  0x04: "CONDITION MET",
  0x08: "BUSY",
  0x10: "INTERMEDIATE",
  0x14: "INTERMEDIATE-CONDITION MET",
  0x18: "RESERVATION CONFLICT",
  0x22: "COMMAND TERMINATED", // obsolete since SAM-3, still seen from old targets
  0x28: "TASK SET FULL",
  0x30: "ACA ACTIVE",
  0x40: "TASK ABORTED",
};

/**
 * The SAM-5 name of a status byte, or `RESERVED (0xNN)`.
 *
 * @example
 * statusName(0x02); // "CHECK CONDITION"
 * statusName(0x18); // "RESERVATION CONFLICT"
 */
export function statusName(status: number): string {
  return NAMES[status] ?? `RESERVED (${hexByte(status)})`;
}
