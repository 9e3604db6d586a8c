/**
 * The vocabulary shared by every probe: states, disconnect reasons, anomaly kinds and the
 * identity of the objects probes speak about. Live objects (the initiator's sessions and
 * connections) and replayed ones (src/replay) both implement the `*Ref` interfaces, so a
 * subscriber reads the same fields from either.
 *
 * Time: every timestamp is a `bigint` of nanoseconds since the Unix epoch, taken from the
 * producer's injected clock (capture time for replays).
 */

/** Nanoseconds since the Unix epoch. */
export type Ns = bigint;

/** Which producer fired a probe: a live initiator or a capture replay. */
export type ProbeModule = "initiator" | "pcap";

/** RFC 7143 §8.1 initiator connection states (S3 XPT_UP is target-only). */
export type ConnState =
  | "FREE" | "XPT_WAIT" | "IN_LOGIN" | "LOGGED_IN" | "IN_LOGOUT" | "LOGOUT_REQUESTED" | "CLEANUP_WAIT";

/** RFC 7143 §8.3 initiator session states Q1, Q3, Q4. */
export type SessionState = "FREE" | "LOGGED_IN" | "FAILED";

/** illumos command states (iscsi_cmd.c): the CmdSN window wait is PENDING. */
export type TaskState = "FREE" | "PENDING" | "ACTIVE" | "ABORTING" | "COMPLETED";

/** Why a connection ended: one closed list (DESIGN.md §5). */
export type DisconnectReason =
  | "user-logout"
  | "target-logout-request"
  | "target-drop-connection"
  | "target-drop-all"
  | "target-closed"
  | "connection-reset"
  | "connect-failed"
  | "connect-timeout"
  | "login-failed"
  | "login-timeout"
  | "nop-timeout"
  | "header-digest-error"
  | "data-digest-error"
  | "protocol-error"
  | "task-escalation"
  | "replacement-timeout"
  | "shutdown";

/** Sequence and protocol anomalies seen on a connection, live or in a capture. */
export type AnomalyKind =
  | "statsn-gap"
  | "datasn-gap"
  | "r2tsn-gap"
  | "unknown-itt"
  | "duplicate-itt"
  | "expcmdsn-backwards"
  | "maxcmdsn-invalid"
  | "header-digest-error"
  | "data-digest-error"
  | "data-out-beyond-r2t"
  | "data-in-offset"
  | "nop-unanswered"
  | "reject"
  | "malformed";

/** A session as probes see it. */
export interface SessionRef {
  /** Instance number, unique in this process or recording (the kstat instance). */
  readonly oid: number;
  readonly type: "Normal" | "Discovery";
  readonly initiatorName: string;
  /** Target IQN; empty for a discovery session. */
  readonly targetName: string;
  /** The 6-byte ISID as a 48-bit number. */
  readonly isid: number;
  /** 0 until the target assigns one. */
  readonly tsih: number;
  readonly state: SessionState;
}

/** A connection as probes see it. */
export interface ConnRef {
  readonly session: SessionRef;
  readonly cid: number;
  /** Local address:port ("" before the TCP connection is up). */
  readonly local: string;
  /** Portal address:port ("[::1]:3260" for IPv6). */
  readonly remote: string;
  readonly state: ConnState;
}

/** A SCSI command as probes see it. */
export interface TaskRef {
  readonly session: SessionRef;
  /** The connection it was last sent on; undefined while it waits for the first one. */
  readonly conn: ConnRef | undefined;
  readonly itt: number;
  /** CmdSN it was sent with (0 until sent). */
  readonly cmdSN: number;
  /** LUN number (SAM single-level), or -1 when the LUN field is not a simple LUN. */
  readonly lun: number;
  /** SCSI operation code (CDB byte 0). */
  readonly op: number;
  /** Logical block address from the CDB, when the command has one. */
  readonly lba: bigint | undefined;
  /** Bytes expected to move (Expected Data Transfer Length). */
  readonly length: number;
  readonly dir: "read" | "write" | "none";
  readonly state: TaskState;
}
