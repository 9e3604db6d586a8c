/**
 * The questions `iscsiscope report --db FILE` answers, as typed query functions over a
 * recording: sessions and how long they were logged in, I/O per LUN, latency percentiles
 * per LUN and operation, disconnects with their reasons, login failures, anomalies and what
 * the recorder dropped. Printing is the CLI's business; these only fetch.
 *
 * Percentiles are exact (nearest rank over every command), computed by SQLite's window
 * functions; times and durations are bigint nanoseconds.
 */
import { recordingOf, typedRows, listRecordings, type ReadOptions, type RecordingDb } from "./reader.js";
import type { DisconnectReason } from "../probe/types.js";
import type { RecordingRow } from "./rows.js";

export interface SessionSummary {
  sessionId: number;
  oid: number;
  type: "Normal" | "Discovery";
  targetName: string;
  isid: string;
  tsih: number;
  state: string;
  firstT: bigint;
  lastT: bigint;
  /** Time spent LOGGED_IN, up to the end of the recording for a session still logged in. */
  loggedInNs: bigint;
  connections: number;
  logins: number;
  loginFailures: number;
  disconnects: number;
  recoveries: number;
}

export interface IoSummary {
  sessionId: number;
  targetName: string;
  lun: number;
  commands: number;
  reads: number;
  writes: number;
  bytesRead: number;
  bytesWritten: number;
  /** Commands that ended without GOOD status or without any status. */
  errors: number;
}

export interface LatencySummary {
  targetName: string;
  lun: number;
  op: number;
  opName: string;
  count: number;
  minNs: bigint;
  p50Ns: bigint;
  p90Ns: bigint;
  p99Ns: bigint;
  p999Ns: bigint;
  maxNs: bigint;
  meanNs: number;
}

export interface DisconnectReasonCount {
  reason: DisconnectReason;
  count: number;
  firstT: bigint;
  lastT: bigint;
  /** Most commands in flight at any of them. */
  maxInFlight: number;
}

export interface DisconnectDetail {
  t: bigint;
  targetName: string;
  sessionId: number;
  cid: number;
  reason: DisconnectReason;
  detail: string;
  inFlight: number;
  sinceLastRxNs: bigint | null;
  lastNopRttNs: bigint | null;
  statusClass: number | null;
  statusDetail: number | null;
}

export interface LoginFailure {
  t: bigint;
  targetName: string;
  sessionId: number;
  cid: number;
  attempt: number | null;
  statusClass: number | null;
  statusDetail: number | null;
  /** "0x0201 Authentication failure", or null when no final Login Response came. */
  status: string | null;
  redirectedTo: string | null;
  /** Why the connection ended, from its disconnect row. */
  reason: string | null;
  detail: string | null;
}

export interface AnomalyCount {
  kind: string;
  count: number;
  firstT: bigint;
  lastT: bigint;
}

export interface DropCount {
  probe: string;
  count: number;
  firstT: bigint;
  lastT: bigint;
}

/** Everything `iscsiscope report` prints. */
export interface RecordingReport {
  recording: RecordingRow;
  /** The recording's end: ended_t, or the last event of a recorder that never closed. */
  endT: bigint;
  sessions: SessionSummary[];
  io: IoSummary[];
  latency: LatencySummary[];
  disconnectsByReason: DisconnectReasonCount[];
  disconnects: DisconnectDetail[];
  loginFailures: LoginFailure[];
  anomalies: AnomalyCount[];
  drops: DropCount[];
}

/**
 * When the recording ended: `ended_t`, or for one that never closed (SIGKILL) its last event.
 *
 * @example
 * const end = recordingEnd(db);
 */
export function recordingEnd(db: RecordingDb, opts: ReadOptions = {}): bigint {
  const rid = recordingOf(db, opts);
  const row = db.prepare(`SELECT coalesce(r.ended_t, max(r.started_t,
      coalesce((SELECT max(done_t) FROM tasks WHERE recording_id = r.id), 0),
      coalesce((SELECT max(t) FROM transitions WHERE recording_id = r.id), 0),
      coalesce((SELECT max(t) FROM snapshots WHERE recording_id = r.id), 0))) FROM recordings r WHERE r.id = ?`).pluck().get(rid);
  return row as bigint;
}

/**
 * Sessions with their logged-in time and counts of connections, logins, failures,
 * disconnects and recoveries.
 *
 * @example
 * for (const s of sessionSummary(db)) console.log(s.targetName, Number(s.loggedInNs) / 1e9, "s up");
 */
export function sessionSummary(db: RecordingDb, opts: ReadOptions = {}): SessionSummary[] {
  const rid = recordingOf(db, opts);
  return typedRows(db, `
    WITH spans AS (
      SELECT object_id AS sid, to_state,
             coalesce(lead(t) OVER (PARTITION BY object_id ORDER BY t, id), ?) - t AS ns
      FROM transitions WHERE recording_id = ? AND object_type = 'session')
    SELECT s.id AS sessionId, s.oid, s.type, s.target_name AS targetName, s.isid, s.tsih, s.state, s.first_t AS firstT, s.last_t AS lastT,
      coalesce((SELECT sum(ns) FROM spans WHERE sid = s.id AND to_state = 'LOGGED_IN'), 0) AS loggedInNs,
      (SELECT count(*) FROM connections WHERE session_id = s.id) AS connections,
      (SELECT count(*) FROM logins WHERE session_id = s.id AND status_class = 0) AS logins,
      (SELECT count(*) FROM logins WHERE session_id = s.id AND (status_class IS NULL OR status_class <> 0)) AS loginFailures,
      (SELECT count(*) FROM disconnects WHERE session_id = s.id) AS disconnects,
      (SELECT count(*) FROM recoveries WHERE session_id = s.id) AS recoveries
    FROM sessions s WHERE s.recording_id = ? ORDER BY s.id`, recordingEnd(db, { recordingId: rid }), rid, rid);
}

/**
 * Commands, reads, writes, bytes and errors per session and LUN.
 *
 * @example
 * const io = ioSummary(db).find((r) => r.lun === 1);
 */
export function ioSummary(db: RecordingDb, opts: ReadOptions = {}): IoSummary[] {
  return typedRows(db, `
    SELECT t.session_id AS sessionId, s.target_name AS targetName, t.lun, count(*) AS commands,
      sum(t.dir = 'read') AS reads, sum(t.dir = 'write') AS writes,
      sum(CASE WHEN t.dir = 'read' THEN t.bytes ELSE 0 END) AS bytesRead,
      sum(CASE WHEN t.dir = 'write' THEN t.bytes ELSE 0 END) AS bytesWritten,
      sum(t.status IS NULL OR t.status <> 0) AS errors
    FROM tasks t JOIN sessions s ON s.id = t.session_id
    WHERE t.recording_id = ? GROUP BY t.session_id, t.lun ORDER BY t.session_id, t.lun`, recordingOf(db, opts));
}

/**
 * Exact latency percentiles (queued to done) per target, LUN and SCSI operation.
 *
 * @example
 * for (const l of latencyPercentiles(db)) console.log(l.lun, l.opName, Number(l.p99Ns) / 1e3, "us p99");
 */
export function latencyPercentiles(db: RecordingDb, opts: ReadOptions = {}): LatencySummary[] {
  const rank = (p: number) => `min(CASE WHEN rn >= (n * ${p} + 999) / 1000 THEN ns END)`;
  return typedRows(db, `
    WITH x AS (
      SELECT s.target_name AS targetName, t.lun, t.op, t.op_name AS opName, t.latency_ns AS ns,
        row_number() OVER (PARTITION BY s.target_name, t.lun, t.op ORDER BY t.latency_ns) AS rn,
        count(*) OVER (PARTITION BY s.target_name, t.lun, t.op) AS n
      FROM tasks t JOIN sessions s ON s.id = t.session_id WHERE t.recording_id = ?)
    SELECT targetName, lun, op, opName, n AS count, min(ns) AS minNs, ${rank(500)} AS p50Ns, ${rank(900)} AS p90Ns,
      ${rank(990)} AS p99Ns, ${rank(999)} AS p999Ns, max(ns) AS maxNs, avg(ns) AS meanNs
    FROM x GROUP BY targetName, lun, op ORDER BY targetName, lun, op`, recordingOf(db, opts));
}

/**
 * How many disconnects of each reason, most frequent first.
 *
 * @example
 * disconnectsByReason(db); // [{ reason: "target-closed", count: 1, ... }, { reason: "user-logout", ... }]
 */
export function disconnectsByReason(db: RecordingDb, opts: ReadOptions = {}): DisconnectReasonCount[] {
  return typedRows(db, `
    SELECT reason, count(*) AS count, min(t) AS firstT, max(t) AS lastT, max(in_flight) AS maxInFlight
    FROM disconnects WHERE recording_id = ? GROUP BY reason ORDER BY count DESC, reason`, recordingOf(db, opts));
}

/**
 * Every disconnect with its context, in time order.
 *
 * @example
 * for (const d of disconnectList(db)) console.log(d.reason, d.detail, d.inFlight, "in flight");
 */
export function disconnectList(db: RecordingDb, opts: ReadOptions = {}): DisconnectDetail[] {
  return typedRows(db, `
    SELECT d.t, s.target_name AS targetName, d.session_id AS sessionId, c.cid, d.reason, d.detail, d.in_flight AS inFlight,
      d.since_last_rx_ns AS sinceLastRxNs, d.last_nop_rtt_ns AS lastNopRttNs, d.status_class AS statusClass, d.status_detail AS statusDetail
    FROM disconnects d JOIN sessions s ON s.id = d.session_id JOIN connections c ON c.id = d.connection_id
    WHERE d.recording_id = ? ORDER BY d.t, d.id`, recordingOf(db, opts));
}

/**
 * Logins that did not succeed: a non-zero Status-Class, or no final Login Response.
 *
 * @example
 * for (const f of loginFailures(db)) console.log(f.targetName, f.status ?? f.reason);
 */
export function loginFailures(db: RecordingDb, opts: ReadOptions = {}): LoginFailure[] {
  return typedRows(db, `
    SELECT l.t, s.target_name AS targetName, l.session_id AS sessionId, c.cid, l.attempt, l.status_class AS statusClass,
      l.status_detail AS statusDetail, l.status, l.redirected_to AS redirectedTo, d.reason, d.detail
    FROM logins l JOIN sessions s ON s.id = l.session_id JOIN connections c ON c.id = l.connection_id
      LEFT JOIN disconnects d ON d.connection_id = l.connection_id
    WHERE l.recording_id = ? AND (l.status_class IS NULL OR l.status_class <> 0) ORDER BY l.t, l.id`, recordingOf(db, opts));
}

/**
 * Anomalies by kind.
 *
 * @example
 * anomalySummary(db); // [{ kind: "statsn-gap", count: 2, ... }]
 */
export function anomalySummary(db: RecordingDb, opts: ReadOptions = {}): AnomalyCount[] {
  return typedRows(db, `SELECT kind, count(*) AS count, min(t) AS firstT, max(t) AS lastT FROM anomalies
    WHERE recording_id = ? GROUP BY kind ORDER BY count DESC, kind`, recordingOf(db, opts));
}

/**
 * What the recorder dropped because its queue was full, per probe (empty when nothing was).
 *
 * @example
 * if (dropSummary(db).length) console.warn("the recording is incomplete");
 */
export function dropSummary(db: RecordingDb, opts: ReadOptions = {}): DropCount[] {
  return typedRows(db, `SELECT probe, count, first_t AS firstT, last_t AS lastT FROM drops WHERE recording_id = ? ORDER BY probe`,
    recordingOf(db, opts));
}

/**
 * The whole report of one recording.
 *
 * @example
 * const r = report(openRecording("run.sqlite"));
 * console.log(r.sessions.length, "sessions,", r.disconnects.length, "disconnects");
 */
export function report(db: RecordingDb, opts: ReadOptions = {}): RecordingReport {
  const o = { recordingId: recordingOf(db, opts) };
  return {
    recording: listRecordings(db).find((r) => r.id === o.recordingId)!,
    endT: recordingEnd(db, o),
    sessions: sessionSummary(db, o),
    io: ioSummary(db, o),
    latency: latencyPercentiles(db, o),
    disconnectsByReason: disconnectsByReason(db, o),
    disconnects: disconnectList(db, o),
    loginFailures: loginFailures(db, o),
    anomalies: anomalySummary(db, o),
    drops: dropSummary(db, o),
  };
}
