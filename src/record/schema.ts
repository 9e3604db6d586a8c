/**
 * The recording schema and its migrations. `PRAGMA user_version` holds the schema version;
 * `schema_migrations` keeps the history. A file written by a newer version is refused with
 * one RecordError (ERR_RECORD_SCHEMA) naming the file and both versions; an older one is
 * brought up to date, one migration per transaction.
 *
 * Conventions (README.md in this folder documents every table):
 * - every time is an INTEGER of nanoseconds since the Unix epoch (`*_t`, `t`), every
 *   duration INTEGER nanoseconds (`*_ns`), as the probes carry them;
 * - names follow the probes and the RFC (`cmd_sn`, `exp_stat_sn`, `itt`), states and
 *   reasons are the probe strings (`LOGGED_IN`, `target-closed`);
 * - event tables carry `recording_id` and are indexed on `(recording_id, t)` so a reader can
 *   walk a recording in time order.
 */
import type Database from "better-sqlite3";
import { RecordError } from "../errors.js";

/** One step of the schema. `sql` runs in the same transaction that sets user_version. */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

const V1 = `
CREATE TABLE schema_migrations (
  version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_t INTEGER NOT NULL
);
CREATE TABLE recordings (
  id INTEGER PRIMARY KEY,
  source TEXT NOT NULL,
  module TEXT,
  host TEXT NOT NULL,
  tool_version TEXT NOT NULL,
  pid INTEGER NOT NULL,
  started_t INTEGER NOT NULL,
  ended_t INTEGER,
  options TEXT NOT NULL
);
CREATE TABLE sessions (
  id INTEGER PRIMARY KEY,
  recording_id INTEGER NOT NULL REFERENCES recordings(id),
  oid INTEGER NOT NULL,
  type TEXT NOT NULL,
  initiator_name TEXT NOT NULL,
  target_name TEXT NOT NULL,
  isid TEXT NOT NULL,
  tsih INTEGER NOT NULL,
  state TEXT NOT NULL,
  first_t INTEGER NOT NULL,
  last_t INTEGER NOT NULL
);
CREATE INDEX sessions_by_oid ON sessions(recording_id, oid);
CREATE TABLE connections (
  id INTEGER PRIMARY KEY,
  session_id INTEGER NOT NULL REFERENCES sessions(id),
  cid INTEGER NOT NULL,
  local TEXT NOT NULL,
  remote TEXT NOT NULL,
  state TEXT NOT NULL,
  first_t INTEGER NOT NULL,
  last_t INTEGER NOT NULL
);
CREATE INDEX connections_by_session ON connections(session_id, cid);
CREATE TABLE luns (
  id INTEGER PRIMARY KEY,
  session_id INTEGER NOT NULL REFERENCES sessions(id),
  lun INTEGER NOT NULL,
  first_t INTEGER NOT NULL,
  UNIQUE (session_id, lun)
);
CREATE TABLE transitions (
  id INTEGER PRIMARY KEY,
  recording_id INTEGER NOT NULL REFERENCES recordings(id),
  object_type TEXT NOT NULL CHECK (object_type IN ('session', 'conn', 'task')),
  object_id INTEGER NOT NULL,
  session_id INTEGER NOT NULL REFERENCES sessions(id),
  from_state TEXT NOT NULL,
  to_state TEXT NOT NULL,
  event TEXT NOT NULL,
  rfc TEXT NOT NULL,
  detail TEXT,
  t INTEGER NOT NULL
);
CREATE INDEX transitions_by_time ON transitions(recording_id, t);
CREATE INDEX transitions_by_object ON transitions(object_type, object_id, t);
CREATE TABLE disconnects (
  id INTEGER PRIMARY KEY,
  recording_id INTEGER NOT NULL REFERENCES recordings(id),
  session_id INTEGER NOT NULL REFERENCES sessions(id),
  connection_id INTEGER NOT NULL REFERENCES connections(id),
  reason TEXT NOT NULL,
  detail TEXT NOT NULL,
  in_flight INTEGER NOT NULL,
  since_last_rx_ns INTEGER,
  last_nop_rtt_ns INTEGER,
  status_class INTEGER,
  status_detail INTEGER,
  t INTEGER NOT NULL
);
CREATE INDEX disconnects_by_time ON disconnects(recording_id, t);
CREATE INDEX disconnects_by_reason ON disconnects(reason);
CREATE TABLE logins (
  id INTEGER PRIMARY KEY,
  recording_id INTEGER NOT NULL REFERENCES recordings(id),
  session_id INTEGER NOT NULL REFERENCES sessions(id),
  connection_id INTEGER NOT NULL REFERENCES connections(id),
  attempt INTEGER,
  start_t INTEGER,
  end_t INTEGER,
  status_class INTEGER,
  status_detail INTEGER,
  status TEXT,
  tsih INTEGER,
  duration_ns INTEGER,
  redirected_to TEXT,
  t INTEGER GENERATED ALWAYS AS (coalesce(end_t, start_t)) STORED
);
CREATE INDEX logins_by_time ON logins(recording_id, t);
CREATE TABLE login_keys (
  id INTEGER PRIMARY KEY,
  login_id INTEGER NOT NULL REFERENCES logins(id),
  key TEXT NOT NULL,
  offered TEXT,
  answered TEXT,
  result TEXT,
  proposer TEXT NOT NULL,
  rule TEXT NOT NULL,
  t INTEGER NOT NULL
);
CREATE INDEX login_keys_by_login ON login_keys(login_id);
CREATE TABLE tasks (
  id INTEGER PRIMARY KEY,
  recording_id INTEGER NOT NULL REFERENCES recordings(id),
  session_id INTEGER NOT NULL REFERENCES sessions(id),
  connection_id INTEGER REFERENCES connections(id),
  lun_id INTEGER NOT NULL REFERENCES luns(id),
  lun INTEGER NOT NULL,
  itt INTEGER NOT NULL,
  cmd_sn INTEGER NOT NULL,
  op INTEGER NOT NULL,
  op_name TEXT NOT NULL,
  lba INTEGER,
  length INTEGER NOT NULL,
  dir TEXT NOT NULL,
  queued_t INTEGER NOT NULL,
  sent_t INTEGER,
  first_data_t INTEGER,
  done_t INTEGER NOT NULL,
  response INTEGER,
  status INTEGER,
  status_name TEXT,
  sense_key INTEGER,
  sense_key_name TEXT,
  asc INTEGER,
  ascq INTEGER,
  asc_name TEXT,
  error TEXT,
  bytes INTEGER NOT NULL,
  residual INTEGER NOT NULL,
  r2t_wait_ns INTEGER NOT NULL,
  latency_ns INTEGER GENERATED ALWAYS AS (done_t - queued_t) VIRTUAL
);
CREATE INDEX tasks_by_time ON tasks(recording_id, done_t);
CREATE TABLE pdus (
  id INTEGER PRIMARY KEY,
  recording_id INTEGER NOT NULL REFERENCES recordings(id),
  connection_id INTEGER NOT NULL REFERENCES connections(id),
  dir TEXT NOT NULL CHECK (dir IN ('tx', 'rx')),
  opcode INTEGER NOT NULL,
  kind TEXT NOT NULL,
  itt INTEGER,
  ttt INTEGER,
  cmd_sn INTEGER,
  exp_stat_sn INTEGER,
  stat_sn INTEGER,
  exp_cmd_sn INTEGER,
  max_cmd_sn INTEGER,
  data_sn INTEGER,
  r2t_sn INTEGER,
  buffer_offset INTEGER,
  data_segment_length INTEGER NOT NULL,
  wire_length INTEGER NOT NULL,
  t INTEGER NOT NULL
);
CREATE INDEX pdus_by_time ON pdus(recording_id, t);
CREATE TABLE anomalies (
  id INTEGER PRIMARY KEY,
  recording_id INTEGER NOT NULL REFERENCES recordings(id),
  session_id INTEGER REFERENCES sessions(id),
  connection_id INTEGER REFERENCES connections(id),
  kind TEXT NOT NULL,
  detail TEXT NOT NULL,
  itt INTEGER,
  expected INTEGER,
  got INTEGER,
  t INTEGER NOT NULL
);
CREATE INDEX anomalies_by_time ON anomalies(recording_id, t);
CREATE TABLE recoveries (
  id INTEGER PRIMARY KEY,
  recording_id INTEGER NOT NULL REFERENCES recordings(id),
  session_id INTEGER NOT NULL REFERENCES sessions(id),
  attempt INTEGER NOT NULL,
  delay_ms INTEGER NOT NULL,
  reason TEXT NOT NULL,
  t INTEGER NOT NULL
);
CREATE INDEX recoveries_by_time ON recoveries(recording_id, t);
CREATE TABLE snapshots (
  id INTEGER PRIMARY KEY,
  recording_id INTEGER NOT NULL REFERENCES recordings(id),
  t INTEGER NOT NULL
);
CREATE INDEX snapshots_by_time ON snapshots(recording_id, t);
CREATE TABLE counters (
  snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),
  seq INTEGER NOT NULL,
  module TEXT NOT NULL,
  instance INTEGER NOT NULL,
  name TEXT NOT NULL,
  class TEXT NOT NULL,
  crtime INTEGER NOT NULL,
  snaptime INTEGER NOT NULL,
  data TEXT NOT NULL,
  hist TEXT,
  PRIMARY KEY (snapshot_id, seq),
  UNIQUE (snapshot_id, name)
) WITHOUT ROWID;
CREATE TABLE drops (
  recording_id INTEGER NOT NULL REFERENCES recordings(id),
  probe TEXT NOT NULL,
  count INTEGER NOT NULL,
  first_t INTEGER NOT NULL,
  last_t INTEGER NOT NULL,
  PRIMARY KEY (recording_id, probe)
);
CREATE VIEW counter_values AS
  SELECT s.recording_id, s.id AS snapshot_id, s.t, c.instance, c.name AS kstat, c.class,
         j.key AS statistic, j.value
  FROM snapshots s JOIN counters c ON c.snapshot_id = s.id, json_each(c.data) AS j;
CREATE VIEW commands AS
  SELECT t.*, s.target_name, t.latency_ns / 1e6 AS latency_ms,
         strftime('%Y-%m-%d %H:%M:%f', t.done_t / 1e9, 'unixepoch') AS done_at
  FROM tasks t JOIN sessions s ON s.id = t.session_id;
`;

/**
 * Every migration, oldest first. The last one's version is {@link SCHEMA_VERSION}. A schema
 * change appends one; an applied migration is never edited.
 *
 * @example
 * MIGRATIONS.map((m) => `${m.version}: ${m.description}`);
 */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, description: "recordings, sessions, connections, luns, transitions, disconnects, logins, login_keys, tasks, pdus, anomalies, recoveries, snapshots, counters, drops", sql: V1 },
];

/**
 * The schema version this build writes and reads.
 *
 * @example
 * if (schemaVersion(db) > SCHEMA_VERSION) console.error("written by a newer iscsiscope");
 */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/**
 * The file's schema version (PRAGMA user_version); 0 for a file that is not a recording yet.
 *
 * @example
 * schemaVersion(db) === SCHEMA_VERSION;
 */
export function schemaVersion(db: Database.Database): number {
  return Number(db.pragma("user_version", { simple: true }));
}

/**
 * Refuse a file this build cannot read: one written by a newer schema version, or a
 * non-empty SQLite file that is not a recording. Throws RecordError (ERR_RECORD_SCHEMA).
 *
 * @example
 * checkSchema(db, "run.sqlite", SCHEMA_VERSION); // throws for a file from a newer iscsiscope
 */
export function checkSchema(db: Database.Database, file: string, supported: number = SCHEMA_VERSION): number {
  const found = schemaVersion(db);
  if (found > supported) {
    throw new RecordError("ERR_RECORD_SCHEMA", file,
      `${file}: recording schema version ${found} is newer than version ${supported}, the newest this iscsiscope knows; upgrade iscsiscope to read it`,
      { foundVersion: found, supportedVersion: supported });
  }
  if (found === 0) {
    const n = Number(db.prepare("SELECT count(*) FROM sqlite_schema").pluck().get());
    if (n > 0) {
      throw new RecordError("ERR_RECORD_SCHEMA", file, `${file}: an SQLite database that is not an iscsiscope recording (no schema version, ${n} objects)`,
        { foundVersion: 0, supportedVersion: supported });
    }
  }
  return found;
}

/**
 * Bring `db` up to the newest version in `migrations` (default: this build's), one
 * transaction per step. Returns the versions before and after. Throws RecordError
 * (ERR_RECORD_SCHEMA) for a newer or foreign file, before changing anything.
 *
 * @example
 * const db = new Database("run.sqlite");
 * migrate(db, "run.sqlite"); // { from: 0, to: 1 } on a new file
 */
export function migrate(db: Database.Database, file: string, migrations: readonly Migration[] = MIGRATIONS): { from: number; to: number } {
  const target = migrations[migrations.length - 1].version;
  const from = checkSchema(db, file, target);
  for (const m of migrations) {
    if (m.version <= from) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare("INSERT INTO schema_migrations (version, description, applied_t) VALUES (?, ?, ?)")
        .run(m.version, m.description, BigInt(Date.now()) * 1_000_000n);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return { from, to: Math.max(from, target) };
}
