/**
 * The recorder's bounded queue under a burst it cannot take: a tiny queue, synthetic events
 * published on a bus as fast as the loop goes. What is not written is counted, per probe, in
 * `recorder.dropped` and in the `drops` table: written + dropped = published, exactly.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setImmediate as tick } from "node:timers/promises";
import Database from "better-sqlite3";
import { ProbeBus, type ProbeSet } from "../../src/probe/bus.js";
import { Recorder } from "../../src/record/recorder.js";
import { conn, dataIn, done, session, T0, task } from "./fixtures.js";

let dir: string;
before(() => { dir = mkdtempSync(join(tmpdir(), "iscsiscope-record-overflow-")); });
after(() => rmSync(dir, { recursive: true, force: true }));

/** Each probe of the burst and how to count its rows. */
const PROBES: Record<string, string> = {
  "iscsi:initiator:task:done": "SELECT count(*) FROM tasks",
  "iscsi:initiator:conn:state-change": "SELECT count(*) FROM transitions WHERE object_type = 'conn'",
  "iscsi:initiator:anomaly:statsn-gap": "SELECT count(*) FROM anomalies WHERE kind = 'statsn-gap'",
  "iscsi:initiator:session:recovery": "SELECT count(*) FROM recoveries",
  "iscsi:initiator:pdu:receive": "SELECT count(*) FROM pdus WHERE dir = 'rx'",
  "iscsi:initiator:login:key": "SELECT count(*) FROM login_keys",
};

/** 40 rounds of a burst mixing six probes, letting acknowledgements in every 4th round. */
async function burst(P: ProbeSet): Promise<{ published: Record<string, number>; taskTimes: bigint[] }> {
  const s = session();
  const c = conn(s);
  const published: Record<string, number> = Object.fromEntries(Object.keys(PROBES).map((k) => [k, 0]));
  const fire = (probe: string, publish: () => void) => { publish(); published[`iscsi:initiator:${probe}`]++; };
  const taskTimes: bigint[] = [];
  let t = T0;
  for (let round = 0; round < 40; round++) {
    for (let i = 0; i < 100; i++) {
      t += 1000n;
      const k = round * 100 + i;
      fire("task:done", () => P["task:done"].publish(done(task(c, k), t)));
      taskTimes.push(t);
      if (i % 4 === 0) fire("conn:state-change", () => P["conn:state-change"].publish({ ref: c, from: "LOGGED_IN", to: "LOGGED_IN", event: "x", rfc: "T0", t }));
      if (i % 5 === 0) fire("anomaly:statsn-gap", () => P["anomaly:statsn-gap"].publish({ conn: c, kind: "statsn-gap", detail: `gap ${k}`, expected: k, got: k + 1, t }));
      if (i % 10 === 0) fire("session:recovery", () => P["session:recovery"].publish({ session: s, attempt: k, delayMs: 0, reason: "target-closed", t }));
      if (i % 2 === 0) fire("pdu:receive", () => P["pdu:receive"].publish({ conn: c, pdu: dataIn(k), wireLength: 4144, t }));
      if (i % 20 === 0) {
        fire("login:key", () => P["login:key"].publish({ conn: c, key: "MaxBurstLength", offered: "1", answered: "2", result: "1", proposer: "initiator", rule: "Min", t }));
      }
    }
    if (round % 4 === 0) await tick(); // let some acknowledgements in, so some of every probe get through
  }
  return { published, taskTimes };
}

type DropRow = { probe: string; count: bigint; first_t: bigint; last_t: bigint };

test("overflow: a tiny queue under a burst drops and counts per probe; written + dropped = published", async () => {
  const file = join(dir, "overflow.sqlite");
  const bus = new ProbeBus();
  const rec = await Recorder.open(bus, file, { queueLimit: 64, batchRecords: 16, snapshotIntervalMs: 0, pdus: true });
  const { published, taskTimes } = await burst(bus.module("initiator"));
  await rec.close();
  const dropped = rec.dropped;
  const db = new Database(file, { readonly: true });
  db.defaultSafeIntegers(true);
  try {
    const drops = new Map((db.prepare("SELECT probe, count, first_t, last_t FROM drops").all() as DropRow[]).map((r) => [r.probe, r]));
    for (const [probe, sql] of Object.entries(PROBES)) {
      const written = Number(db.prepare(sql).pluck().get());
      assert.ok(written > 0 && (dropped[probe] ?? 0) > 0, `${probe}: some written (${written}) and some dropped (${dropped[probe]})`);
      assert.equal(written + dropped[probe], published[probe], `${probe}: written ${written} + dropped ${dropped[probe]} = published ${published[probe]}`);
      assert.equal(Number(drops.get(probe)?.count), dropped[probe], `${probe}: drops table`);
    }
    assert.deepEqual(Object.keys(dropped).sort(), Object.keys(PROBES).sort(), "nothing else dropped");
    const kept = new Set(db.prepare("SELECT done_t FROM tasks").pluck().all() as bigint[]);
    const lost = taskTimes.filter((x) => !kept.has(x));
    const row = drops.get("iscsi:initiator:task:done")!;
    assert.deepEqual([row.first_t, row.last_t], [lost[0], lost[lost.length - 1]], "first and last drop times are those of the events not written");
    assert.equal(db.prepare("PRAGMA integrity_check").pluck().get(), "ok");
  } finally {
    db.close();
  }
});
