/**
 * Typed rows of a recording, as reader.ts and queries.ts return them. One interface per
 * table (README.md in this folder documents the columns); times and durations are bigint
 * nanoseconds, like the probe arguments they came from.
 */
import type { DisconnectReason } from "../probe/types.js";
import type { Kstat } from "../stat/kstat.js";

export interface RecordingRow {
  id: number;
  /** "live", or "pcap:<file>" for a capture replay. */
  source: string;
  /** The probe module recorded ("initiator", "pcap"), or null for both. */
  module: string | null;
  host: string;
  toolVersion: string;
  pid: number;
  startedT: bigint;
  /** null when the recorder never closed (killed, crashed). */
  endedT: bigint | null;
  /** The recorder options, as JSON. */
  options: string;
}

export interface SessionRow {
  id: number;
  recordingId: number;
  /** The session's instance number (the kstat instance). */
  oid: number;
  type: "Normal" | "Discovery";
  initiatorName: string;
  targetName: string;
  /** 12 hex digits. */
  isid: string;
  tsih: number;
  /** The last state recorded. */
  state: string;
  firstT: bigint;
  /** Time of the last state change recorded. */
  lastT: bigint;
}

export interface ConnectionRow {
  id: number;
  sessionId: number;
  cid: number;
  local: string;
  remote: string;
  state: string;
  firstT: bigint;
  lastT: bigint;
}

export interface TransitionRow {
  id: number;
  recordingId: number;
  objectType: "session" | "conn" | "task";
  /** sessions.id, connections.id or tasks.id (a task may have no row if it never completed). */
  objectId: number;
  sessionId: number;
  from: string;
  to: string;
  event: string;
  /** RFC 7143 label (T5, N1, ...) or illumos's (E4). */
  rfc: string;
  detail: string | null;
  t: bigint;
}

export interface DisconnectRow {
  id: number;
  recordingId: number;
  sessionId: number;
  connectionId: number;
  reason: DisconnectReason;
  detail: string;
  inFlight: number;
  sinceLastRxNs: bigint | null;
  lastNopRttNs: bigint | null;
  statusClass: number | null;
  statusDetail: number | null;
  t: bigint;
}

export interface LoginKeyRow {
  key: string;
  offered: string | null;
  answered: string | null;
  result: string | null;
  proposer: "initiator" | "target";
  rule: string;
  t: bigint;
}

export interface LoginRow {
  id: number;
  recordingId: number;
  sessionId: number;
  connectionId: number;
  attempt: number | null;
  startT: bigint | null;
  endT: bigint | null;
  statusClass: number | null;
  statusDetail: number | null;
  /** "0x0201 Authentication failure" style; null when the login never got a final response. */
  status: string | null;
  tsih: number | null;
  durationNs: bigint | null;
  redirectedTo: string | null;
  /** endT, or startT for a login that never ended. */
  t: bigint;
  keys: LoginKeyRow[];
}

export interface TaskRow {
  id: number;
  recordingId: number;
  sessionId: number;
  connectionId: number | null;
  lunId: number;
  lun: number;
  itt: number;
  cmdSN: number;
  op: number;
  opName: string;
  lba: bigint | null;
  length: number;
  dir: "read" | "write" | "none";
  queuedT: bigint;
  sentT: bigint | null;
  firstDataT: bigint | null;
  doneT: bigint;
  response: number | null;
  status: number | null;
  statusName: string | null;
  senseKey: number | null;
  senseKeyName: string | null;
  asc: number | null;
  ascq: number | null;
  ascName: string | null;
  /** Why it ended without status (ERR_TASK_ABORTED, ...), else null. */
  error: string | null;
  bytes: number;
  residual: number;
  r2tWaitNs: bigint;
  /** doneT - queuedT. */
  latencyNs: bigint;
}

export interface PduRow {
  id: number;
  recordingId: number;
  connectionId: number;
  dir: "tx" | "rx";
  opcode: number;
  kind: string;
  itt: number | null;
  ttt: number | null;
  cmdSN: number | null;
  expStatSN: number | null;
  statSN: number | null;
  expCmdSN: number | null;
  maxCmdSN: number | null;
  dataSN: number | null;
  r2tSN: number | null;
  bufferOffset: number | null;
  dataSegmentLength: number;
  wireLength: number;
  t: bigint;
}

export interface AnomalyRow {
  id: number;
  recordingId: number;
  sessionId: number | null;
  connectionId: number | null;
  /** An anomaly probe's kind, or "fsm-unhandled". */
  kind: string;
  detail: string;
  itt: number | null;
  expected: number | null;
  got: number | null;
  t: bigint;
}

export interface RecoveryRow {
  id: number;
  recordingId: number;
  sessionId: number;
  attempt: number;
  delayMs: number;
  reason: DisconnectReason;
  t: bigint;
}

export interface SnapshotRow {
  id: number;
  recordingId: number;
  t: bigint;
  /** Every kstat as `IscsiStats.snapshot(t)` returned it. */
  kstats: Kstat[];
}

/** One recorded event, discriminated by `type`, at time `t`. */
export type RecordedEvent =
  | { type: "transition"; t: bigint; row: TransitionRow }
  | { type: "login"; t: bigint; row: LoginRow }
  | { type: "disconnect"; t: bigint; row: DisconnectRow }
  | { type: "recovery"; t: bigint; row: RecoveryRow }
  | { type: "anomaly"; t: bigint; row: AnomalyRow }
  | { type: "pdu"; t: bigint; row: PduRow }
  | { type: "task"; t: bigint; row: TaskRow }
  | { type: "snapshot"; t: bigint; row: SnapshotRow };

export type RecordedEventType = RecordedEvent["type"];
