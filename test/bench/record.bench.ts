/**
 * The flight recorder's cost. Three views:
 * 1. main thread, per event: publishing task:done (one per SCSI command) and pdu:receive
 *    (per PDU, recorded only with `pdus: true`) on a bus with nothing attached, with the
 *    counters (IscsiStats) only, and with the counters and the recorder: what the initiator's
 *    thread pays, the copy into the queue included, SQLite excluded;
 * 2. the writer thread: task rows committed per second when fed as fast as it takes them,
 *    next to its ceiling: a bare better-sqlite3 loop inserting the same rows into the same
 *    schema (one prepared statement, transactions of 10,000, WAL, synchronous=NORMAL);
 * 3. end to end: a 4 KiB random-read workload at QD 32 and at QD 1 through the initiator
 *    against a private tgtd (null backing store), IOPS and process CPU per I/O (both threads)
 *    without and with the recorder, alternated three times (initiator, tgtd and the writer
 *    share the cores: single runs are noisy, compare the medians). At QD 32 the initiator and
 *    tgtd keep both cores busy and the writer's CPU comes out of the I/O rate; at QD 1 the
 *    cores have room for it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import Database from "better-sqlite3";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runWorkload } from "../../src/initiator/workload.js";
import { startTgtd } from "../../src/cli/peers/tgtd.js";
import { Initiator } from "../../src/initiator/initiator.js";
import { ProbeBus, type ProbeSet } from "../../src/probe/bus.js";
import type { ConnRef, SessionRef, TaskRef } from "../../src/probe/types.js";
import { Recorder } from "../../src/record/recorder.js";
import { migrate } from "../../src/record/schema.js";
import { IscsiStats } from "../../src/stat/collector.js";
import type { DataIn } from "../../src/wire/types.js";
import { table } from "./measure.js";

const session: SessionRef = { oid: 1, type: "Normal", initiatorName: "iqn.bench:i", targetName: "iqn.bench:t", isid: 0x800000000001, tsih: 1, state: "LOGGED_IN" };
const conn: ConnRef = { session, cid: 0, local: "127.0.0.1:40000", remote: "127.0.0.1:3260", state: "LOGGED_IN" };
const dataIn: DataIn = {
  kind: "data-in", final: true, acknowledge: false, overflow: false, underflow: false, statusPresent: true, status: 0,
  lun: 1n << 48n, itt: 9, ttt: 0xffffffff, statSN: 3, expCmdSN: 4, maxCmdSN: 40, dataSN: 0, bufferOffset: 0, residualCount: 0,
  ahs: [], data: new Uint8Array(4096),
};

function task(i: number): TaskRef {
  return { session, conn, itt: i, cmdSN: i, lun: 1, op: 0x28, lba: BigInt(i * 8), length: 4096, dir: "read", state: "COMPLETED" };
}

let clockT = 1_795_000_000_000_000_000n;

/** Publish `n` events of one kind; returns ns per event. */
function publish(P: ProbeSet, kind: "task" | "pdu", n: number): number {
  const tasks = Array.from({ length: 256 }, (_, i) => task(i));
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const t = (clockT += 1000n);
    if (kind === "pdu") {
      const p = P["pdu:receive"];
      if (p.hasSubscribers) p.publish({ conn, pdu: dataIn, wireLength: 4144, t });
    } else {
      const p = P["task:done"];
      if (p.hasSubscribers) {
        p.publish({ task: tasks[i & 255], response: 0, status: 0, sense: undefined, error: undefined, bytes: 4096, residual: 0,
          queuedT: t - 900n, sentT: t - 800n, firstDataT: t - 100n, r2tWaitNs: 0n, t });
      }
    }
  }
  return Number(process.hrtime.bigint() - t0) / n;
}

/** Best of several rounds of `n` events; the recorder (if any) commits between rounds, untimed. */
async function perEvent(P: ProbeSet, kind: "task" | "pdu", rec: Recorder | undefined): Promise<number> {
  let best = Infinity;
  for (let round = 0; round < 11; round++) {
    best = Math.min(best, publish(P, kind, 20_000));
    await rec?.flush();
  }
  return best;
}

async function mainThreadCost(dir: string): Promise<Array<Array<string | number>>> {
  const rows: Array<Array<string | number>> = [];
  for (const kind of ["task", "pdu"] as const) {
    const bus = new ProbeBus();
    const P = bus.module("initiator");
    const none = await perEvent(P, kind, undefined);
    const stats = new IscsiStats(bus);
    const withStats = await perEvent(P, kind, undefined);
    const rec = await Recorder.open(bus, join(dir, `main-${kind}.sqlite`), { stats, pdus: true, snapshotIntervalMs: 0, queueLimit: 1 << 20 });
    const withRec = await perEvent(P, kind, rec);
    await rec.close();
    stats.close();
    const what = kind === "task" ? "task:done (per command)" : "pdu:receive (per PDU, pdus: true)";
    rows.push([what, none, withStats, withRec, withRec - withStats]);
  }
  return rows;
}

async function writerRate(dir: string): Promise<number> {
  const bus = new ProbeBus();
  const P = bus.module("initiator");
  const rec = await Recorder.open(bus, join(dir, "writer.sqlite"), { snapshotIntervalMs: 0, queueLimit: 1 << 20 });
  const n = 200_000;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i += 10_000) {
    publish(P, "task", 10_000);
    await new Promise((r) => setImmediate(r));
  }
  await rec.flush();
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  await rec.close();
  return n / s;
}

async function endToEnd(dir: string): Promise<Array<Array<string | number>>> {
  const tgtd = await startTgtd();
  const iqn = "iqn.2026-11.io.iscsiscope.bench:record";
  const rows: Array<Array<string | number>> = [];
  try {
    await tgtd.addTarget({ iqn, luns: [{ size: "1G", bstype: "null" }] });
    for (const qd of [32, 1]) {
      const runs: Array<Array<string | number>> = [];
      for (const mode of ["no recorder", "recorder", "no recorder", "recorder", "no recorder", "recorder"] as const) {
        const bus = new ProbeBus();
        const stats = new IscsiStats(bus);
        const rec = mode === "recorder" ? await Recorder.open(bus, join(dir, `e2e-${qd}-${runs.length}.sqlite`), { stats }) : undefined;
        const ini = new Initiator({ bus });
        const s = await ini.login({ targetName: iqn, portals: [{ host: "127.0.0.1", port: tgtd.port }], queueDepth: qd });
        const r = await runWorkload(s, { lun: 1, rw: "randread", bs: 4096, qd, seconds: 3 });
        await s.logout();
        await rec?.close();
        stats.close();
        runs.push([`QD${qd}, ${mode}`, r.read.iops, r.cpu.usPerIo, r.read.lat.p50 / 1000, r.read.lat.p99 / 1000, rec ? rec.written : 0,
          rec ? Object.values(rec.dropped).reduce((a, b) => a + b, 0) : 0]);
      }
      rows.push(...runs);
      const medians = ["no recorder", "recorder"].map((mode) => {
        const of = runs.filter((r) => r[0] === `QD${qd}, ${mode}`);
        return [1, 2, 3, 4, 5, 6].map((k) => median(of.map((r) => Number(r[k]))));
      });
      rows.push([`QD${qd}, median, no recorder`, ...medians[0]], [`QD${qd}, median, recorder`, ...medians[1]]);
      rows.push([`QD${qd}, recorder vs none: IOPS`, `${((medians[1][0] / medians[0][0] - 1) * 100).toFixed(1)}%`, "", "", "", "", ""]);
    }
  } finally {
    await tgtd.stop();
  }
  return rows;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * The ceiling: the task rows the writer commits for publish()'s task:done events, inserted by
 * a bare loop with nothing between the events and SQLite (no queue, no thread, no decoding).
 */
function bareInsertRate(dir: string): number {
  const file = join(dir, "bare.sqlite");
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  migrate(db, file);
  db.prepare("INSERT INTO recordings (id, source, host, tool_version, pid, started_t, options) VALUES (1, 'live', 'bench', '0', 1, 0, '{}')").run();
  db.prepare("INSERT INTO sessions (id, recording_id, oid, type, initiator_name, target_name, isid, tsih, state, first_t, last_t) VALUES (1, 1, 1, 'Normal', 'i', 't', '800000000001', 1, 'LOGGED_IN', 0, 0)").run();
  db.prepare("INSERT INTO connections (id, session_id, cid, local, remote, state, first_t, last_t) VALUES (1, 1, 0, 'l', 'r', 'LOGGED_IN', 0, 0)").run();
  db.prepare("INSERT INTO luns (id, session_id, lun, first_t) VALUES (1, 1, 1, 0)").run();
  const insert = db.prepare(`INSERT INTO tasks (id, recording_id, session_id, connection_id, lun_id, lun, itt, cmd_sn, op, op_name,
    lba, length, dir, queued_t, sent_t, first_data_t, done_t, response, status, status_name, sense_key, sense_key_name, asc, ascq,
    asc_name, error, bytes, residual, r2t_wait_ns) VALUES (${new Array(29).fill("?").join(", ")})`);
  const n = 200_000;
  let t = 1_795_000_000_000_000_000n;
  const batch = db.transaction((from: number) => {
    for (let i = from; i < from + 10_000; i++) {
      t += 1000n;
      insert.run(i + 1, 1, 1, 1, 1, 1, i & 255, i & 255, 0x28, "READ(10)", BigInt((i & 255) * 8), 4096, "read",
        t - 900n, t - 800n, t - 100n, t, 0, 0, "GOOD", null, null, null, null, null, null, 4096, 0, 0n);
    }
  });
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i += 10_000) batch(i);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  db.close();
  return n / s;
}

/** Print the recorder's costs (see the file header). */
export async function benchRecord(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "iscsiscope-record-bench-"));
  try {
    table("Recorder: main-thread cost per event (ns), the recorder's queue copy vs the counters alone", ["event", "no subscriber", "stats", "stats + recorder", "recorder extra"],
      await mainThreadCost(dir));
    const rate = await writerRate(dir);
    const ceiling = bareInsertRate(dir);
    table("Recorder: task rows committed per second (WAL), the recorder from publish() to commit against a bare better-sqlite3 insert loop of the same rows (target: at least half)",
      ["recorder rows/s", "bare insert loop rows/s", "recorder / ceiling"], [[rate, ceiling, (rate / ceiling).toFixed(2)]]);
    table("Recorder: 4 KiB random read, tgtd null LUN, 3 s each (CPU per I/O covers both threads); QD 32 keeps both cores busy, QD 1 leaves room for the writer (target: within 5%)",
      ["run", "IOPS", "CPU us/IO", "p50 us", "p99 us", "records", "dropped"], await endToEnd(dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith("record.bench.js")) await benchRecord();
