/**
 * Names of the RFC 7143 code fields that are not opcodes: Reject reasons, Logout reasons and
 * responses, Asynchronous Message events, task management functions and responses (with the
 * RFC 7144 additions). One table each, shared by the initiator, the replay and iscsisnoop.
 */

/** RFC 7143 §11.17.1 Reject reasons. */
export const REJECT_REASON: Readonly<Record<number, string>> = {
  0x01: "Reserved", 0x02: "Data (payload) digest error", 0x03: "SNACK Reject", 0x04: "Protocol Error",
  0x05: "Command not supported", 0x06: "Immediate command reject - too many immediate commands",
  0x07: "Task in progress", 0x08: "Invalid data ack", 0x09: "Invalid PDU field",
  0x0a: "Long op reject - can't generate Target Transfer Tag, out of resources", 0x0b: "Deprecated (Negotiation Reset)",
  0x0c: "Waiting for Logout",
};

/** RFC 7143 §11.14.1 Logout Request reason codes. */
export const LOGOUT_REASON: Readonly<Record<number, string>> = {
  0: "close the session", 1: "close the connection", 2: "remove the connection for recovery",
};

/** RFC 7143 §11.15.1 Logout Response codes. */
export const LOGOUT_RESPONSE: Readonly<Record<number, string>> = {
  0: "closed successfully", 1: "CID not found", 2: "connection recovery is not supported", 3: "cleanup failed",
};

/** RFC 7143 §11.9.1 AsyncEvent codes. */
export const ASYNC_EVENT: Readonly<Record<number, string>> = {
  0: "SCSI asynchronous event", 1: "logout requested", 2: "connection dropped", 3: "all connections dropped",
  4: "parameter negotiation requested", 255: "vendor-specific",
};

/** RFC 7143 §11.5.1 and RFC 7144 task management functions. */
export const TMF_FUNCTION: Readonly<Record<number, string>> = {
  1: "ABORT TASK", 2: "ABORT TASK SET", 3: "CLEAR ACA", 4: "CLEAR TASK SET", 5: "LOGICAL UNIT RESET",
  6: "TARGET WARM RESET", 7: "TARGET COLD RESET", 8: "TASK REASSIGN", 9: "QUERY TASK", 10: "QUERY TASK SET",
  11: "I_T NEXUS RESET", 12: "QUERY ASYNCHRONOUS EVENT",
};

/** RFC 7143 §11.6.1 and RFC 7144 task management responses. */
export const TMF_RESPONSE: Readonly<Record<number, string>> = {
  0: "Function complete", 1: "Task does not exist", 2: "LUN does not exist", 3: "Task still allegiant",
  4: "Task allegiance reassignment not supported", 5: "Task management function not supported",
  6: "Function authorization failed", 7: "Function succeeded", 255: "Function rejected",
};

/**
 * A code by name, or "<what> 0x<code>" when the table does not know it.
 *
 * @example
 * codeName(REJECT_REASON, 0x09, "reason");  // "Invalid PDU field"
 * codeName(TMF_FUNCTION, 0x42, "function"); // "function 0x42"
 */
export function codeName(table: Readonly<Record<number, string>>, code: number, what: string): string {
  return table[code] ?? `${what} 0x${code.toString(16)}`;
}
