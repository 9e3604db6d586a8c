/**
 * The recorder against a real target: what the bus emitted during a tgtd session (login,
 * I/O, a CHECK CONDITION, a dropped connection and its recovery, CHAP logins right and
 * wrong, logout) is what the database holds — counted both ways, and every task row equal
 * to its task:done probe. Then the reader, the report queries and the secrets.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { latencyPercentiles, report } from "../../src/record/queries.js";
import { openRecording, readEvents, readSnapshots, typedRows, type RecordingDb, type TaskRow } from "../../src/record/reader.js";
import { scsiOpName, statusName } from "../../src/scsi/index.js";
import { CHAP, dropAs, IQN, recordScenario, WRONG_SECRET, type Recorded } from "./scenario.js";

let dir: string;
let rec: Recorded;
let db: RecordingDb;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "iscsiscope-record-"));
  rec = await recordScenario(dir);
  db = openRecording(rec.file);
});

after(() => {
  db?.close();
  rec?.stats.close();
  rmSync(dir, { recursive: true, force: true });
});

function count(sql: string, ...params: unknown[]): number {
  return Number(db.prepare(sql).pluck().get(...params));
}

test("recorder on tgtd: the file passes integrity_check, the recording ended, nothing was dropped", () => {
  assert.equal(db.prepare("PRAGMA integrity_check").pluck().get(), "ok");
  assert.equal(count("SELECT count(*) FROM recordings WHERE ended_t IS NOT NULL"), 1);
  assert.deepEqual(rec.recorder.dropped, {});
  assert.equal(count("SELECT count(*) FROM drops"), 0);
  assert.equal(rec.recorder.pending, 0);
});

test("recorder on tgtd: row counts equal the probe events the bus emitted, table by table", () => {
  const n = (key: string) => rec.seen.count[key] ?? 0;
  const anomalies = Object.entries(rec.seen.count).filter(([k]) => k.startsWith("anomaly:")).reduce((a, [, v]) => a + v, 0);
  const expected: Array<[string, number, string]> = [
    ["SELECT count(*) FROM transitions WHERE object_type = 'session'", rec.seen.transitions.session, "session transitions"],
    ["SELECT count(*) FROM transitions WHERE object_type = 'conn'", rec.seen.transitions.conn, "connection transitions"],
    ["SELECT count(*) FROM transitions WHERE object_type = 'task'", rec.seen.transitions.task, "task transitions off the routine path"],
    ["SELECT count(*) FROM tasks", n("task:done"), "tasks"],
    ["SELECT count(*) FROM disconnects", n("conn:disconnect"), "disconnects"],
    ["SELECT count(*) FROM logins WHERE start_t IS NOT NULL", n("login:start"), "logins started"],
    ["SELECT count(*) FROM logins WHERE end_t IS NOT NULL", n("login:result"), "logins with a result"],
    ["SELECT count(*) FROM login_keys", n("login:key"), "login keys"],
    ["SELECT count(*) FROM recoveries", n("session:recovery"), "recoveries"],
    ["SELECT count(*) FROM anomalies", anomalies + n("fsm:unhandled"), "anomalies"],
    ["SELECT count(*) FROM pdus", n("pdu:send") + n("pdu:receive"), "PDUs"],
    ["SELECT count(*) FROM pdus WHERE dir = 'tx'", n("pdu:send"), "PDUs sent"],
    ["SELECT count(*) FROM sessions", rec.seen.sessions.size, "sessions"],
    ["SELECT count(*) FROM connections", rec.seen.conns.size, "connections"],
  ];
  for (const [sql, want, what] of expected) assert.equal(count(sql), want, what);
  assert.ok(n("task:done") > 40 && n("session:recovery") >= 1 && n("login:key") > 20, "the scenario did what it says");
});

test("recorder on tgtd: every task row equals its task:done probe, field by field", () => {
  const rows = typedRows<TaskRow & { oid: number }>(db, `SELECT t.id, s.oid, t.lun, t.itt, t.cmd_sn AS cmdSN, t.op, t.op_name AS opName,
    t.lba, t.length, t.dir, t.queued_t AS queuedT, t.sent_t AS sentT, t.first_data_t AS firstDataT, t.done_t AS doneT, t.response,
    t.status, t.status_name AS statusName, t.sense_key AS senseKey, t.asc, t.ascq, t.error, t.bytes, t.residual, t.r2t_wait_ns AS r2tWaitNs
    FROM tasks t JOIN sessions s ON s.id = t.session_id ORDER BY t.done_t, t.queued_t, t.itt`);
  const seen = [...rec.seen.tasks].sort((a, b) => (a.args.t < b.args.t ? -1 : a.args.t > b.args.t ? 1 : a.args.queuedT < b.args.queuedT ? -1 : a.itt - b.itt));
  assert.equal(rows.length, seen.length);
  for (const [i, s] of seen.entries()) {
    const r = rows[i];
    const a = s.args;
    assert.deepEqual(
      [r.oid, r.lun, r.itt, r.cmdSN, r.op, r.lba, r.length, r.dir, r.queuedT, r.sentT, r.firstDataT, r.doneT, r.response, r.status,
        r.senseKey, r.asc, r.ascq, r.error, r.bytes, r.residual, r.r2tWaitNs],
      [s.oid, s.lun, s.itt, s.cmdSN, s.op, s.lba ?? null, s.length, s.dir, a.queuedT, a.sentT ?? null, a.firstDataT ?? null, a.t,
        a.response ?? null, a.status ?? null, a.sense?.key ?? null, a.sense?.asc ?? null, a.sense?.ascq ?? null, a.error ?? null,
        a.bytes, a.residual, a.r2tWaitNs],
      `task ${i} (itt ${s.itt})`);
    assert.equal(r.opName, scsiOpName(s.op));
    assert.equal(r.statusName, a.status === undefined ? null : statusName(a.status));
  }
});

test("recorder on tgtd: the READ past the end is recorded with CHECK CONDITION, ILLEGAL REQUEST and its ASC by name", () => {
  const r = db.prepare("SELECT status_name, sense_key_name, asc, ascq, asc_name FROM tasks WHERE status = 2 AND sense_key = 5").all() as Array<Record<string, unknown>>;
  assert.equal(r.length, 1);
  assert.equal(r[0].status_name, "CHECK CONDITION");
  assert.equal(r[0].sense_key_name, "ILLEGAL REQUEST");
  assert.equal(r[0].asc, 0x21n);
  assert.match(String(r[0].asc_name), /LOGICAL BLOCK ADDRESS OUT OF RANGE/);
});

test("recorder on tgtd: the dropped connection is a target-closed (or reset) disconnect; the reconnect is a new connection row", () => {
  const reasons = (db.prepare("SELECT reason FROM disconnects ORDER BY t").pluck().all() as string[]).map(dropAs);
  assert.deepEqual([...new Set(reasons)].sort(), ["dropped", "login-failed", "user-logout"]);
  assert.equal(reasons.filter((r) => r === "dropped").length, 1);
  const plain = db.prepare("SELECT id FROM sessions WHERE target_name = ?").pluck().all(IQN.plain) as bigint[];
  assert.equal(plain.length, 1);
  const conns = db.prepare("SELECT cid FROM connections WHERE session_id = ? ORDER BY id").pluck().all(plain[0]) as bigint[];
  assert.equal(conns.length, 2, "one row per Connection, the reconnect included");
  const transitions = db.prepare(`SELECT to_state FROM transitions WHERE object_type = 'session' AND object_id = ? ORDER BY t, id`).pluck().all(plain[0]);
  assert.deepEqual(transitions, ["LOGGED_IN", "FAILED", "LOGGED_IN", "FREE"]);
});

test("recorder on tgtd: no CHAP secret anywhere in the database or its WAL; CHAP_C/CHAP_R stored as <redacted>", () => {
  assert.ok(rec.liveBytes.length >= 2, "the database and its WAL were read while recording");
  for (const bytes of rec.liveBytes) {
    for (const secret of [CHAP.secret, WRONG_SECRET]) {
      assert.equal(bytes.indexOf(Buffer.from(secret)), -1, `${secret} found in a recording file`);
      assert.equal(bytes.indexOf(Buffer.from(secret, "utf16le")), -1);
    }
  }
  assert.ok(rec.liveBytes.some((b) => b.includes(Buffer.from(CHAP.user))), "positive control: CHAP_N is stored");
  const chap = db.prepare("SELECT key, offered, answered, result FROM login_keys WHERE key LIKE 'CHAP_%'").all() as Array<Record<string, string | null>>;
  assert.ok(chap.some((k) => k.key === "CHAP_N"));
  for (const k of chap.filter((x) => x.key === "CHAP_C" || x.key === "CHAP_R")) {
    for (const v of [k.offered, k.answered, k.result]) assert.ok(v === null || v === "<redacted>", `${k.key} = ${v}`);
  }
});

test("reader: readEvents() yields every recorded event once, in time order", () => {
  const counts: Record<string, number> = {};
  let last = -1n;
  for (const ev of readEvents(db)) {
    assert.ok(ev.t >= last, `${ev.type} at ${ev.t} after ${last}`);
    last = ev.t;
    counts[ev.type] = (counts[ev.type] ?? 0) + 1;
  }
  const tables: Record<string, string> = {
    transition: "transitions", login: "logins", disconnect: "disconnects", recovery: "recoveries", pdu: "pdus", task: "tasks", snapshot: "snapshots",
  };
  for (const [type, table] of Object.entries(tables)) assert.equal(counts[type] ?? 0, count(`SELECT count(*) FROM ${table}`), type);
  const from = db.prepare("SELECT t FROM transitions ORDER BY t LIMIT 1 OFFSET 5").pluck().get() as bigint;
  for (const ev of readEvents(db, { from, to: from + 1_000_000_000n, types: ["task"] })) {
    assert.equal(ev.type, "task");
    assert.ok(ev.t >= from && ev.t <= from + 1_000_000_000n);
  }
});

test("reader: the last counter snapshot rebuilds exactly the Kstat[] the collector gives for its time", () => {
  const snaps = [...readSnapshots(db)];
  assert.ok(snaps.length >= 3, `${snaps.length} snapshots`);
  const last = snaps[snaps.length - 1];
  assert.deepEqual(last.kstats, rec.stats.snapshot(last.t));
  assert.ok(last.kstats.some((k) => k.class === "iscsi_lun_io" && k.hist !== undefined));
});

test("report: sessions with uptime, I/O, latency percentiles per LUN and op, disconnects and login failures", () => {
  const r = report(db);
  const plain = r.sessions.find((s) => s.targetName === IQN.plain)!;
  assert.ok(plain.loggedInNs > 0n && plain.loggedInNs < r.endT - r.recording.startedT);
  assert.deepEqual([plain.logins, plain.recoveries, plain.disconnects, plain.connections], [2, 1, 2, 2]);
  const io = r.io.find((x) => x.targetName === IQN.plain && x.lun === 1)!;
  assert.ok(io.reads > 8 && io.writes >= 8 && io.bytesWritten >= 8 * 4096 && io.errors >= 1);
  for (const l of latencyPercentiles(db)) {
    assert.ok(l.minNs <= l.p50Ns && l.p50Ns <= l.p90Ns && l.p90Ns <= l.p99Ns && l.p99Ns <= l.p999Ns && l.p999Ns <= l.maxNs, JSON.stringify(l, (_k, v) => (typeof v === "bigint" ? `${v}` : v)));
  }
  assert.ok(r.latency.some((l) => l.opName === scsiOpName(0x28) && l.lun === 1 && l.count > 8));
  assert.deepEqual(r.disconnectsByReason.map((d) => dropAs(d.reason)).sort(), ["dropped", "login-failed", "user-logout"]);
  assert.equal(r.loginFailures.length, 1);
  assert.equal(r.loginFailures[0].status, "0x0201 Authentication failure");
  assert.equal(r.loginFailures[0].reason, "login-failed");
  assert.deepEqual(r.drops, []);
});
