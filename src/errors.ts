/**
 * Typed errors with stable codes, one short flat list (the undici model).
 *
 * What a target *says* (a Reject, a login status, CHECK CONDITION) is data, not an
 * exception; these classes are for what goes wrong on our side or on the wire.
 *
 * @example
 * try { framer.push(bytes, onPdu); }
 * catch (e) { if (e instanceof PduError) console.error(`${e.code} at byte ${e.offset}`); }
 */
export class IscsiError extends Error {
  /** Stable, greppable code such as `ERR_PDU_DIGEST`. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Codes a PDU decoder or framer can report. */
export type PduErrorCode =
  | "ERR_PDU_TRUNCATED"
  | "ERR_PDU_OPCODE"
  | "ERR_PDU_DIGEST"
  | "ERR_PDU_TOO_LONG"
  | "ERR_PDU_FIELD";

/**
 * A malformed PDU: unknown opcode, impossible length, digest mismatch, bad field.
 * `offset` is the byte offset in the stream (framer) or buffer (decoder) where the
 * offending PDU starts; `field` names what was wrong when one field is to blame.
 */
export class PduError extends IscsiError {
  declare readonly code: PduErrorCode;
  readonly offset: number;
  readonly field: string | undefined;
  constructor(code: PduErrorCode, message: string, offset: number, field?: string) {
    super(code, `${message} (at byte ${offset})`);
    this.offset = offset;
    this.field = field;
  }
}

/** A text segment that breaks RFC 7143 §6 rules (key or value too long, no '=', ...). */
export class TextError extends IscsiError {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super("ERR_TEXT_FORMAT", `${message} (at byte ${offset} of the text segment)`);
    this.offset = offset;
  }
}

/** A negotiation key answer we cannot accept (out of range, not in the offered list). */
export class NegotiationError extends IscsiError {
  readonly key: string;
  constructor(key: string, message: string) {
    super("ERR_NEGOTIATION", `${key}: ${message}`);
    this.key = key;
  }
}

/** A login that ended with a non-zero Status-Class, or broke off. */
export class LoginError extends IscsiError {
  readonly statusClass: number;
  readonly statusDetail: number;
  constructor(statusClass: number, statusDetail: number, message: string) {
    super("ERR_LOGIN", message);
    this.statusClass = statusClass;
    this.statusDetail = statusDetail;
  }
}

/** A (state, event) pair that no row of a state machine table handles. */
export class FsmError extends IscsiError {
  constructor(machine: string, state: string, event: string) {
    super("ERR_FSM_UNHANDLED", `${machine} state machine: no transition from ${state} on ${event}`);
  }
}

/** A socket-level failure: refused, reset, timed out, closed. */
export class TransportError extends IscsiError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** Codes of a command or request that ended without a SCSI status. */
export type TaskErrorCode =
  | "ERR_TASK_ABORTED"     // timed out and aborted (ABORT TASK / LU reset / connection drop)
  | "ERR_TASK_REJECTED"    // the target sent a Reject for it
  | "ERR_SESSION_FAILED"   // the session could not come back within the replacement timeout
  | "ERR_SESSION_CLOSED"   // logged out or shut down while it waited
  | "ERR_PROTOCOL";        // the target broke the protocol on it (bad DataSN, offset, length)

/** A command that ended without a SCSI status; what a target answers is a result, not this. */
export class TaskError extends IscsiError {
  declare readonly code: TaskErrorCode;
  constructor(code: TaskErrorCode, message: string) {
    super(code, message);
  }
}

/** Codes of the SQLite flight recorder (src/record). */
export type RecordErrorCode =
  | "ERR_RECORD_SCHEMA"    // the file was written by a newer schema version, or is not a recording
  | "ERR_RECORD_WORKER"    // the writer thread failed (SQLite error, crash, unexpected exit)
  | "ERR_RECORD_BUSY"      // another live recorder is writing to the same file
  | "ERR_RECORD_CLOSED";   // the recorder was already closed

/**
 * A flight-recorder failure. `file` names the database; for ERR_RECORD_SCHEMA,
 * `foundVersion` is the file's schema version and `supportedVersion` the newest this
 * build knows.
 *
 * @example
 * try { await Recorder.open(bus, "run.sqlite"); }
 * catch (e) { if (e instanceof RecordError && e.code === "ERR_RECORD_SCHEMA") console.error(e.message); }
 */
export class RecordError extends IscsiError {
  declare readonly code: RecordErrorCode;
  readonly file: string;
  readonly foundVersion: number | undefined;
  readonly supportedVersion: number | undefined;
  constructor(code: RecordErrorCode, file: string, message: string,
    options?: { cause?: unknown; foundVersion?: number; supportedVersion?: number }) {
    super(code, message, options);
    this.file = file;
    this.foundVersion = options?.foundVersion;
    this.supportedVersion = options?.supportedVersion;
  }
}
