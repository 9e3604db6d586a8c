/**
 * Reading a recording back: open it (version-checked, migrated if it is older), list its
 * recordings, sessions and connections, walk its events in time order as typed rows (what
 * `iscsitop --db` replays) and rebuild the counter snapshots as `Kstat[]` (what
 * `iscsistat --db` replays).
 *
 * Row fields are camelCase with the RFC spellings (`cmdSN`, `itt`); times (`t`, `*T`),
 * durations (`*Ns`) and LBAs are exact `bigint`s, as the probes carry them; everything else
 * is a number or a string.
 */
import Database from "better-sqlite3";
import { RecordError } from "../errors.js";
import type { Kstat } from "../stat/kstat.js";
import { checkSchema, migrate, SCHEMA_VERSION } from "./schema.js";
import type {
  AnomalyRow, ConnectionRow, DisconnectRow, LoginKeyRow, LoginRow, PduRow, RecordedEvent, RecordedEventType, RecordingRow,
  RecoveryRow, SessionRow, SnapshotRow, TaskRow, TransitionRow,
} from "./rows.js";

export type * from "./rows.js";

/** An open recording (a better-sqlite3 handle, read-only, 64-bit integers as bigint). */
export type RecordingDb = Database.Database;

/** Which recording of a file, and which part of it. */
export interface ReadOptions {
  /** Default: the file's last recording. */
  recordingId?: number;
  /** Events at or after this time (ns since the epoch). */
  from?: bigint;
  /** Events at or before this time. */
  to?: bigint;
}

/**
 * Open a recording read-only. A file written by an older schema version is migrated first
 * (opened for writing once); a newer one, an empty file or a foreign SQLite file is refused
 * with RecordError ERR_RECORD_SCHEMA naming the file and the versions.
 *
 * @example
 * const db = openRecording("run.sqlite");
 * for (const ev of readEvents(db)) console.log(ev.type, ev.t);
 * db.close();
 */
export function openRecording(file: string): RecordingDb {
  let db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const version = checkSchema(db, file);
    if (version === 0) {
      throw new RecordError("ERR_RECORD_SCHEMA", file, `${file}: an empty database, not an iscsiscope recording`,
        { foundVersion: 0, supportedVersion: SCHEMA_VERSION });
    }
    if (version < SCHEMA_VERSION) {
      db.close();
      db = new Database(file, { fileMustExist: true });
      migrate(db, file);
      db.close();
      db = new Database(file, { readonly: true, fileMustExist: true });
    }
  } catch (e) {
    db.close();
    throw e;
  }
  db.defaultSafeIntegers(true);
  return db;
}

/** Keys that stay bigint: times, durations, LBAs (camelCase `queuedT`, `r2tWaitNs` or the columns' `queued_t`, `r2t_wait_ns`). */
const BIG_KEY = /^(t|lba)$|T$|Ns$|_t$|_ns$/;

/**
 * A raw row (safe integers) as a typed row: bigints become numbers except times, durations and LBAs.
 *
 * @example
 * typedRow<{ itt: number; t: bigint }>(db.prepare("SELECT itt, done_t AS t FROM tasks").get());
 */
export function typedRow<T>(raw: unknown): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    out[k] = typeof v === "bigint" && !BIG_KEY.test(k) ? Number(v) : v;
  }
  return out as T;
}

/**
 * Every row of a query, typed (see {@link typedRow}).
 *
 * @example
 * const slow = typedRows<{ itt: number; latency_ns: bigint }>(db, "SELECT itt, latency_ns FROM tasks WHERE latency_ns > ?", 10_000_000n);
 */
export function typedRows<T>(db: RecordingDb, sql: string, ...params: unknown[]): T[] {
  return db.prepare(sql).all(...params).map((r) => typedRow<T>(r));
}

/**
 * The recording to read: `recordingId`, or the file's last one. Throws RangeError when the
 * file has none or not that one.
 *
 * @example
 * const id = recordingOf(db); // the last recording's id
 */
export function recordingOf(db: RecordingDb, opts: ReadOptions = {}): number {
  const id = opts.recordingId ?? Number(db.prepare("SELECT max(id) FROM recordings").pluck().get() ?? 0);
  if (!id || !db.prepare("SELECT 1 FROM recordings WHERE id = ?").get(id)) {
    throw new RangeError(opts.recordingId === undefined ? "the file holds no recording" : `no recording ${opts.recordingId} in the file`);
  }
  return id;
}

const RECORDING_COLS = `id, source, module, host, tool_version AS toolVersion, pid, started_t AS startedT, ended_t AS endedT, options`;

/**
 * Every recording in the file, oldest first.
 *
 * @example
 * for (const r of listRecordings(db)) console.log(r.id, r.source, r.startedT);
 */
export function listRecordings(db: RecordingDb): RecordingRow[] {
  return typedRows(db, `SELECT ${RECORDING_COLS} FROM recordings ORDER BY id`);
}

/**
 * The sessions of a recording, in order of appearance.
 *
 * @example
 * const names = new Map(listSessions(db).map((s) => [s.id, s.targetName]));
 */
export function listSessions(db: RecordingDb, opts: ReadOptions = {}): SessionRow[] {
  return typedRows(db, `SELECT id, recording_id AS recordingId, oid, type, initiator_name AS initiatorName, target_name AS targetName,
    isid, tsih, state, first_t AS firstT, last_t AS lastT FROM sessions WHERE recording_id = ? ORDER BY id`, recordingOf(db, opts));
}

/**
 * The connections of a recording (one row per Connection: a reconnect is a new row).
 *
 * @example
 * const conns = listConnections(db).filter((c) => c.sessionId === s.id);
 */
export function listConnections(db: RecordingDb, opts: ReadOptions = {}): ConnectionRow[] {
  return typedRows(db, `SELECT c.id, c.session_id AS sessionId, c.cid, c.local, c.remote, c.state, c.first_t AS firstT, c.last_t AS lastT
    FROM connections c JOIN sessions s ON s.id = c.session_id WHERE s.recording_id = ? ORDER BY c.id`, recordingOf(db, opts));
}

/** One table read in time order, a page at a time. */
interface Source {
  type: RecordedEventType;
  /** SELECT ... FROM ... WHERE recording_id = @rid AND (t, id) > (@t, @id) AND t <= @to ORDER BY t, id LIMIT @limit */
  stmt: Database.Statement;
  build: (row: Record<string, unknown>) => RecordedEvent;
  page: RecordedEvent[];
  at: number;
  after: { t: bigint; id: bigint };
  done: boolean;
}

const PAGE = 512;
const WINDOW = "recording_id = @rid AND (t, id) > (@t, @id) AND t <= @to ORDER BY t, id LIMIT @limit";

const SQL: Record<RecordedEventType, string> = {
  transition: `SELECT id, recording_id AS recordingId, object_type AS objectType, object_id AS objectId, session_id AS sessionId,
    from_state AS "from", to_state AS "to", event, rfc, detail, t FROM transitions WHERE ${WINDOW}`,
  disconnect: `SELECT id, recording_id AS recordingId, session_id AS sessionId, connection_id AS connectionId, reason, detail,
    in_flight AS inFlight, since_last_rx_ns AS sinceLastRxNs, last_nop_rtt_ns AS lastNopRttNs, status_class AS statusClass,
    status_detail AS statusDetail, t FROM disconnects WHERE ${WINDOW}`,
  login: `SELECT id, recording_id AS recordingId, session_id AS sessionId, connection_id AS connectionId, attempt, start_t AS startT,
    end_t AS endT, status_class AS statusClass, status_detail AS statusDetail, status, tsih, duration_ns AS durationNs,
    redirected_to AS redirectedTo, t FROM logins WHERE ${WINDOW}`,
  task: `SELECT id, recording_id AS recordingId, session_id AS sessionId, connection_id AS connectionId, lun_id AS lunId, lun, itt,
    cmd_sn AS cmdSN, op, op_name AS opName, lba, length, dir, queued_t AS queuedT, sent_t AS sentT, first_data_t AS firstDataT,
    done_t AS doneT, response, status, status_name AS statusName, sense_key AS senseKey, sense_key_name AS senseKeyName, asc, ascq,
    asc_name AS ascName, error, bytes, residual, r2t_wait_ns AS r2tWaitNs, latency_ns AS latencyNs, done_t AS t FROM tasks
    WHERE recording_id = @rid AND (done_t, id) > (@t, @id) AND done_t <= @to ORDER BY done_t, id LIMIT @limit`,
  pdu: `SELECT id, recording_id AS recordingId, connection_id AS connectionId, dir, opcode, kind, itt, ttt, cmd_sn AS cmdSN,
    exp_stat_sn AS expStatSN, stat_sn AS statSN, exp_cmd_sn AS expCmdSN, max_cmd_sn AS maxCmdSN, data_sn AS dataSN, r2t_sn AS r2tSN,
    buffer_offset AS bufferOffset, data_segment_length AS dataSegmentLength, wire_length AS wireLength, t FROM pdus WHERE ${WINDOW}`,
  anomaly: `SELECT id, recording_id AS recordingId, session_id AS sessionId, connection_id AS connectionId, kind, detail, itt, expected,
    got, t FROM anomalies WHERE ${WINDOW}`,
  recovery: `SELECT id, recording_id AS recordingId, session_id AS sessionId, attempt, delay_ms AS delayMs, reason, t FROM recoveries
    WHERE ${WINDOW}`,
  snapshot: `SELECT id, recording_id AS recordingId, t FROM snapshots WHERE ${WINDOW}`,
};

function builders(db: RecordingDb): Record<RecordedEventType, (r: Record<string, unknown>) => RecordedEvent> {
  const keys = db.prepare(`SELECT key, offered, answered, result, proposer, rule, t FROM login_keys WHERE login_id = ? ORDER BY id`);
  const counters = db.prepare("SELECT module, instance, name, class, crtime, snaptime, data, hist FROM counters WHERE snapshot_id = ? ORDER BY seq");
  return {
    transition: (r) => ({ type: "transition", t: r.t as bigint, row: typedRow<TransitionRow>(r) }),
    disconnect: (r) => ({ type: "disconnect", t: r.t as bigint, row: typedRow<DisconnectRow>(r) }),
    login: (r) => ({ type: "login", t: r.t as bigint, row: { ...typedRow<Omit<LoginRow, "keys">>(r), keys: keys.all(r.id).map((k) => typedRow<LoginKeyRow>(k)) } }),
    task: ({ t, ...r }) => ({ type: "task", t: t as bigint, row: typedRow<TaskRow>(r) }),
    pdu: (r) => ({ type: "pdu", t: r.t as bigint, row: typedRow<PduRow>(r) }),
    anomaly: (r) => ({ type: "anomaly", t: r.t as bigint, row: typedRow<AnomalyRow>(r) }),
    recovery: (r) => ({ type: "recovery", t: r.t as bigint, row: typedRow<RecoveryRow>(r) }),
    snapshot: (r) => ({ type: "snapshot", t: r.t as bigint, row: { ...typedRow<Omit<SnapshotRow, "kstats">>(r), kstats: counters.all(r.id).map(kstatOf) } }),
  };
}

/** A counters row as the Kstat that `IscsiStats.snapshot()` returned. */
function kstatOf(raw: unknown): Kstat {
  const r = raw as { module: "iscsi"; instance: bigint; name: string; class: Kstat["class"]; crtime: bigint; snaptime: bigint; data: string; hist: string | null };
  const k: Kstat = {
    module: r.module, instance: Number(r.instance), name: r.name, class: r.class, crtime: Number(r.crtime), snaptime: Number(r.snaptime),
    data: JSON.parse(r.data) as Kstat["data"],
  };
  if (r.hist !== null) k.hist = JSON.parse(r.hist) as Kstat["hist"];
  return k;
}

const ALL_TYPES: RecordedEventType[] = ["transition", "login", "disconnect", "recovery", "anomaly", "pdu", "task", "snapshot"];

function refill(s: Source, rid: number, to: bigint): void {
  const rows = s.stmt.all({ rid, t: s.after.t, id: s.after.id, to, limit: PAGE }) as Array<Record<string, unknown>>;
  s.page = rows.map(s.build);
  s.at = 0;
  if (rows.length < PAGE) s.done = true;
  const last = rows[rows.length - 1];
  if (last) s.after = { t: last.t as bigint, id: last.id as bigint };
}

/**
 * Every recorded event of a recording in time order (ties in the order of `types`), as typed
 * rows, read a page at a time: transitions, logins (with their keys, at the time of the
 * result), disconnects, recoveries, anomalies, PDUs, tasks (at completion) and counter
 * snapshots (rebuilt as Kstat[]).
 *
 * @example
 * for (const ev of readEvents(db, { types: ["task"] })) if (ev.type === "task") total += ev.row.bytes;
 */
export function* readEvents(db: RecordingDb, opts: ReadOptions & { types?: RecordedEventType[] } = {}): Generator<RecordedEvent> {
  const rid = recordingOf(db, opts);
  const to = opts.to ?? 2n ** 63n - 1n;
  const build = builders(db);
  const sources: Source[] = (opts.types ?? ALL_TYPES).map((type) => ({
    type, stmt: db.prepare(SQL[type]), build: build[type], page: [], at: 0, after: { t: (opts.from ?? -(2n ** 62n)) - 1n, id: 2n ** 62n }, done: false,
  }));
  for (const s of sources) refill(s, rid, to);
  for (;;) {
    let best: Source | undefined;
    for (const s of sources) {
      if (s.at >= s.page.length && !s.done) refill(s, rid, to);
      if (s.at < s.page.length && (!best || s.page[s.at].t < best.page[best.at].t)) best = s;
    }
    if (!best) return;
    yield best.page[best.at++];
  }
}

/**
 * The counter snapshots of a recording, each rebuilt as the `Kstat[]` the collector returned
 * (module, instance, name, class, crtime, snaptime, every statistic and histogram).
 *
 * @example
 * for (const snap of readSnapshots(db)) print(snap.t, snap.kstats);
 */
export function* readSnapshots(db: RecordingDb, opts: ReadOptions = {}): Generator<SnapshotRow> {
  for (const ev of readEvents(db, { ...opts, types: ["snapshot"] })) if (ev.type === "snapshot") yield ev.row;
}
