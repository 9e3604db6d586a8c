/**
 * The recorder on synthetic probe events published on a bus (no initiator): each probe
 * family lands in its table with exactly its values, identity rules (a reconnect with a
 * reused cid is a new connection row, two recordings in one file keep apart), the routine
 * task transitions are skipped unless asked, secrets are redacted even when a producer
 * forgets, the module filter, a second recorder on the same file is refused, and a crash of
 * the writer thread surfaces on the main side.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { RecordError } from "../../src/errors.js";
import { ProbeBus, type ProbeSet } from "../../src/probe/bus.js";
import { openRecording, readEvents, typedRows, type RecordedEvent, type RecordingDb } from "../../src/record/reader.js";
import { Recorder, type RecorderOptions } from "../../src/record/recorder.js";
import { conn, dataIn, done, scsiCommand, session, T0, task } from "./fixtures.js";

let dir: string;
let n = 0;
before(() => { dir = mkdtempSync(join(tmpdir(), "iscsiscope-record-unit-")); });
after(() => rmSync(dir, { recursive: true, force: true }));

/** Record what `fn` publishes into a new file; returns the file opened for reading. */
async function recorded(fn: (P: ProbeSet, bus: ProbeBus) => void, opts: RecorderOptions = {}, file = join(dir, `r-${++n}.sqlite`)): Promise<RecordingDb> {
  const bus = new ProbeBus();
  const rec = await Recorder.open(bus, file, { snapshotIntervalMs: 0, ...opts });
  fn(bus.module("initiator"), bus);
  await rec.close();
  return openRecording(file);
}

function rows(db: RecordingDb, sql: string): Array<Record<string, unknown>> {
  return typedRows(db, sql);
}

test("recorder: sessions, connections and their transitions, with state, tsih and addresses kept current", async () => {
  const s = session(7);
  const c = conn(s, 0);
  const db = await recorded((P) => {
    P["conn:state-change"].publish({ ref: c, from: "FREE", to: "XPT_WAIT", event: "connect", rfc: "T1", detail: "to 127.0.0.1:3260", t: T0 });
    (s as { tsih: number }).tsih = 0x1234;
    P["session:state-change"].publish({ ref: s, from: "FREE", to: "LOGGED_IN", event: "conn-logged-in", rfc: "N1", t: T0 + 5n });
  });
  assert.deepEqual(rows(db, "SELECT oid, type, isid, tsih, state, first_t AS firstT, last_t AS lastT FROM sessions"),
    [{ oid: 7, type: "Normal", isid: "801234560001", tsih: 0x1234, state: "LOGGED_IN", firstT: T0, lastT: T0 + 5n }]);
  assert.deepEqual(rows(db, "SELECT cid, local, remote, state FROM connections"), [{ cid: 0, local: "127.0.0.1:50000", remote: "127.0.0.1:3260", state: "XPT_WAIT" }]);
  assert.deepEqual(rows(db, "SELECT object_type AS o, from_state AS f, to_state AS t2, event, rfc, detail, t FROM transitions ORDER BY id"), [
    { o: "conn", f: "FREE", t2: "XPT_WAIT", event: "connect", rfc: "T1", detail: "to 127.0.0.1:3260", t: T0 },
    { o: "session", f: "FREE", t2: "LOGGED_IN", event: "conn-logged-in", rfc: "N1", detail: null, t: T0 + 5n },
  ]);
  db.close();
});

test("recorder: a task row holds every task:done field exactly: 64-bit LBA, sense, error without status", async () => {
  const c = conn(session());
  const big = task(c, 1, { lba: 2n ** 60n + 1n, op: 0x88, dir: "read" });
  const failed = task(c, 2, { lba: undefined, op: 0x00, dir: "none", length: 0 });
  const db = await recorded((P) => {
    P["task:done"].publish(done(big, T0 + 10n, { status: 2, sense: { key: 5, asc: 0x21, ascq: 0 }, residual: 4096, bytes: 0, r2tWaitNs: 77n }));
    P["task:done"].publish(done(failed, T0 + 20n, { response: undefined, status: undefined, error: "ERR_TASK_ABORTED", sentT: undefined, firstDataT: undefined }));
  });
  const [a, b] = rows(db, `SELECT lun, itt, cmd_sn, op, op_name, lba, length, dir, queued_t, sent_t, first_data_t, done_t, status, status_name,
    sense_key, sense_key_name, asc, ascq, asc_name, error, bytes, residual, r2t_wait_ns, latency_ns FROM tasks ORDER BY id`);
  assert.deepEqual(a, {
    lun: 1, itt: 1, cmd_sn: 101, op: 0x88, op_name: "Read(16)", lba: 2n ** 60n + 1n, length: 4096, dir: "read", queued_t: T0 + 10n - 900_000n,
    sent_t: T0 + 10n - 800_000n, first_data_t: T0 + 10n - 100_000n, done_t: T0 + 10n, status: 2, status_name: "CHECK CONDITION",
    sense_key: 5, sense_key_name: "ILLEGAL REQUEST", asc: 0x21, ascq: 0, asc_name: "LOGICAL BLOCK ADDRESS OUT OF RANGE", error: null,
    bytes: 0, residual: 4096, r2t_wait_ns: 77n, latency_ns: 900_000n,
  });
  assert.equal(b.lba, null);
  assert.deepEqual([b.status, b.status_name, b.sent_t, b.first_data_t, b.error, b.op_name], [null, null, null, null, "ERR_TASK_ABORTED", "Test Unit Ready"]);
  assert.deepEqual(rows(db, "SELECT lun FROM luns"), [{ lun: 1 }]);
  db.close();
});

test("recorder: disconnects, logins with keys, recoveries, anomalies and fsm:unhandled land with their context", async () => {
  const s = session();
  const c = conn(s);
  const db = await recorded((P) => {
    P["login:start"].publish({ conn: c, attempt: 2, t: T0 });
    P["login:key"].publish({ conn: c, key: "MaxBurstLength", offered: "262144", answered: "65536", result: "65536", proposer: "initiator", rule: "Min", t: T0 + 1n });
    P["login:result"].publish({ conn: c, statusClass: 1, statusDetail: 1, status: "0x0101 Target moved temporarily", tsih: 0, durationNs: 3_000_000n, redirectedTo: "10.0.0.2:3260", t: T0 + 2n });
    P["conn:disconnect"].publish({ conn: c, reason: "nop-timeout", detail: "no NOP-In in 5 s", inFlight: 3, sinceLastRxNs: 5_000_000_123n, lastNopRttNs: null, t: T0 + 3n });
    P["session:recovery"].publish({ session: s, attempt: 1, delayMs: 2000, reason: "nop-timeout", t: T0 + 4n });
    P["anomaly:unknown-itt"].publish({ conn: c, kind: "unknown-itt", detail: "SCSI Response for ITT 0x99", itt: 0x99, t: T0 + 5n });
    P["fsm:unhandled"].publish({ machine: "conn", state: "FREE", event: "logout", t: T0 + 6n });
  });
  assert.deepEqual(rows(db, `SELECT attempt, start_t, end_t, status_class, status_detail, status, tsih, duration_ns, redirected_to, t FROM logins`), [{
    attempt: 2, start_t: T0, end_t: T0 + 2n, status_class: 1, status_detail: 1, status: "0x0101 Target moved temporarily", tsih: 0,
    duration_ns: 3_000_000n, redirected_to: "10.0.0.2:3260", t: T0 + 2n,
  }]);
  assert.deepEqual(rows(db, "SELECT login_id, key, offered, answered, result, proposer, rule FROM login_keys"),
    [{ login_id: 1, key: "MaxBurstLength", offered: "262144", answered: "65536", result: "65536", proposer: "initiator", rule: "Min" }]);
  assert.deepEqual(rows(db, "SELECT reason, detail, in_flight, since_last_rx_ns, last_nop_rtt_ns, status_class FROM disconnects"),
    [{ reason: "nop-timeout", detail: "no NOP-In in 5 s", in_flight: 3, since_last_rx_ns: 5_000_000_123n, last_nop_rtt_ns: null, status_class: null }]);
  assert.deepEqual(rows(db, "SELECT attempt, delay_ms, reason FROM recoveries"), [{ attempt: 1, delay_ms: 2000, reason: "nop-timeout" }]);
  assert.deepEqual(rows(db, "SELECT connection_id, kind, detail, itt, expected, got FROM anomalies ORDER BY id"), [
    { connection_id: 1, kind: "unknown-itt", detail: "SCSI Response for ITT 0x99", itt: 0x99, expected: null, got: null },
    { connection_id: null, kind: "fsm-unhandled", detail: "conn state machine: no transition from FREE on logout", itt: null, expected: null, got: null },
  ]);
  db.close();
});

test("recorder: PDU headers only with `pdus`, with their sequence numbers and lengths", async () => {
  const c = conn(session());
  const publish = (P: ProbeSet) => {
    P["pdu:send"].publish({ conn: c, pdu: scsiCommand(5), wireLength: 48, t: T0 });
    P["pdu:receive"].publish({ conn: c, pdu: dataIn(5), wireLength: 4144, t: T0 + 1n });
  };
  const off = await recorded(publish);
  assert.equal(off.prepare("SELECT count(*) FROM pdus").pluck().get(), 0n);
  off.close();
  const db = await recorded(publish, { pdus: true });
  assert.deepEqual(rows(db, `SELECT dir, opcode, kind, itt, ttt, cmd_sn, exp_stat_sn, stat_sn, exp_cmd_sn, max_cmd_sn, data_sn, buffer_offset,
    data_segment_length, wire_length FROM pdus ORDER BY id`), [
    { dir: "tx", opcode: 1, kind: "scsi-command", itt: 5, ttt: null, cmd_sn: 105, exp_stat_sn: 7, stat_sn: null, exp_cmd_sn: null, max_cmd_sn: null,
      data_sn: null, buffer_offset: null, data_segment_length: 0, wire_length: 48 },
    { dir: "rx", opcode: 0x25, kind: "data-in", itt: 5, ttt: 0xffffffff, cmd_sn: null, exp_stat_sn: null, stat_sn: 8, exp_cmd_sn: 102, max_cmd_sn: 133,
      data_sn: 0, buffer_offset: 0, data_segment_length: 4096, wire_length: 4144 },
  ]);
  db.close();
});

test("recorder: task transitions off the routine path only, unless allTaskTransitions; ids match the task rows", async () => {
  const c = conn(session());
  const publish = (P: ProbeSet) => {
    const x = task(c, 9);
    for (const [from, to, event, rfc] of [["FREE", "PENDING", "queue", "E1"], ["PENDING", "ACTIVE", "send", "E2"], ["ACTIVE", "PENDING", "conn-fail", "E7"],
      ["PENDING", "ACTIVE", "send", "E2"], ["ACTIVE", "COMPLETED", "complete", "E3"]] as const) {
      P["task:state-change"].publish({ ref: x, from, to, event, rfc, t: T0 });
    }
    P["task:done"].publish(done(x, T0 + 1n));
  };
  const some = await recorded(publish);
  assert.deepEqual(rows(some, "SELECT rfc, object_id = (SELECT id FROM tasks) AS same FROM transitions"), [{ rfc: "E7", same: 1 }]);
  some.close();
  const all = await recorded(publish, { allTaskTransitions: true });
  assert.deepEqual(rows(all, "SELECT rfc FROM transitions ORDER BY id").map((r) => r.rfc), ["E1", "E2", "E7", "E2", "E3"]);
  all.close();
});

test("recorder: a reconnect with a reused cid is a new connection row; the old row keeps its own events", async () => {
  const s = session();
  const first = conn(s, 0);
  const second = conn(s, 0);
  const db = await recorded((P) => {
    P["conn:disconnect"].publish({ conn: first, reason: "target-closed", detail: "FIN", inFlight: 0, sinceLastRxNs: null, lastNopRttNs: null, t: T0 });
    P["task:done"].publish(done(task(second, 1), T0 + 1n));
    P["task:done"].publish(done(task(first, 2), T0 + 2n)); // a late completion on the old connection
  });
  assert.deepEqual(rows(db, "SELECT id, cid FROM connections ORDER BY id"), [{ id: 1, cid: 0 }, { id: 2, cid: 0 }]);
  assert.deepEqual(rows(db, "SELECT connection_id FROM disconnects"), [{ connection_id: 1 }]);
  assert.deepEqual(rows(db, "SELECT itt, connection_id FROM tasks ORDER BY id"), [{ itt: 1, connection_id: 2 }, { itt: 2, connection_id: 1 }]);
  db.close();
});

test("recorder: CHAP_C and CHAP_R are stored as <redacted> even when a producer hands over their values", async () => {
  const c = conn(session());
  const db = await recorded((P) => {
    for (const [key, value] of [["CHAP_A", "5"], ["CHAP_I", "17"], ["CHAP_N", "alice"], ["CHAP_C", "0xdeadbeef"], ["CHAP_R", "0xsecretresponse"], ["SRP_U", "bob"]]) {
      P["login:key"].publish({ conn: c, key, offered: value, answered: value, result: undefined, proposer: "initiator", rule: "None", t: T0 });
    }
  });
  assert.deepEqual(rows(db, "SELECT key, offered, answered FROM login_keys ORDER BY id").map((r) => `${r.key}=${r.offered}/${r.answered}`),
    ["CHAP_A=5/5", "CHAP_I=17/17", "CHAP_N=alice/alice", "CHAP_C=<redacted>/<redacted>", "CHAP_R=<redacted>/<redacted>", "SRP_U=<redacted>/<redacted>"]);
  db.close();
});

test("recorder: two recordings in one file keep their ids apart; the reader picks the last by default", async () => {
  const file = join(dir, "two.sqlite");
  for (const oid of [1, 2]) {
    const c = conn(session(oid, `iqn.test:run${oid}`));
    (await recorded((P) => P["task:done"].publish(done(task(c, oid), T0 + BigInt(oid))), { source: `run ${oid}` }, file)).close();
  }
  const db = openRecording(file);
  assert.deepEqual(rows(db, "SELECT r.source, s.oid, t.id AS task, c.id AS conn FROM tasks t JOIN sessions s ON s.id = t.session_id JOIN recordings r ON r.id = t.recording_id JOIN connections c ON c.id = t.connection_id ORDER BY t.id"),
    [{ source: "run 1", oid: 1, task: 1, conn: 1 }, { source: "run 2", oid: 2, task: 2, conn: 2 }]);
  const tasks = (evs: Iterable<RecordedEvent>) => [...evs].flatMap((e) => (e.type === "task" ? [e.row.itt] : []));
  assert.deepEqual(tasks(readEvents(db)), [2]);
  assert.deepEqual(tasks(readEvents(db, { recordingId: 1 })), [1]);
  assert.deepEqual([...readEvents(db, { recordingId: 1 })].map((e) => e.type), ["task", "snapshot"], "the last snapshot, taken at close");
  db.close();
});

test("recorder: the module filter records one producer's probes; source and module are in the recording row", async () => {
  const c = conn(session());
  const db = await recorded((_P, bus) => {
    bus.module("initiator")["task:done"].publish(done(task(c, 1), T0));
    bus.module("pcap")["task:done"].publish(done(task(c, 2), T0 + 1n));
  }, { module: "pcap", source: "pcap:trace.pcap" });
  assert.deepEqual(rows(db, "SELECT itt FROM tasks"), [{ itt: 2 }]);
  assert.deepEqual(rows(db, "SELECT source, module FROM recordings"), [{ source: "pcap:trace.pcap", module: "pcap" }]);
  db.close();
});

test("recorder: a second recorder on the same file is refused with ERR_RECORD_BUSY; flush after close is ERR_RECORD_CLOSED", async () => {
  const file = join(dir, "busy.sqlite");
  const rec = await Recorder.open(new ProbeBus(), file, { snapshotIntervalMs: 0 });
  await assert.rejects(Recorder.open(new ProbeBus(), file), (e: unknown) => e instanceof RecordError && e.code === "ERR_RECORD_BUSY");
  await rec.close();
  await assert.rejects(rec.flush(), (e: unknown) => e instanceof RecordError && e.code === "ERR_RECORD_CLOSED");
  await rec.close(); // twice is fine
  await (await Recorder.open(new ProbeBus(), file)).close();
});

test("recorder: bad options are RangeErrors", async () => {
  await assert.rejects(Recorder.open(new ProbeBus(), join(dir, "bad.sqlite"), { queueLimit: 0 }), RangeError);
  await assert.rejects(Recorder.open(new ProbeBus(), join(dir, "bad.sqlite"), { flushIntervalMs: 1.5 }), RangeError);
});

test("recorder: a crash of the writer thread surfaces on the main side: an error event, rejected flush and close, no subscriber left", async () => {
  const bus = new ProbeBus();
  const P = bus.module("initiator");
  const rec = await Recorder.open(bus, join(dir, "crash.sqlite"), { snapshotIntervalMs: 0 });
  const failed = once(rec, "error");
  rec.crashWorkerForTest();
  const [err] = (await failed) as [RecordError];
  assert.ok(err instanceof RecordError);
  assert.equal(err.code, "ERR_RECORD_WORKER");
  assert.match(err.message, /crash\.sqlite failed: .*crash requested/);
  assert.equal(P["task:done"].hasSubscribers, false, "the recorder detached from the bus");
  await assert.rejects(rec.flush(), (e: unknown) => e === err);
  await assert.rejects(rec.close(), (e: unknown) => e === err);
});
