import { test } from "node:test";
import assert from "node:assert/strict";
import { orderedSessions, selectedSession, sessions, totals } from "../../../src/tui/samplers/sessions.js";
import type { TableOut } from "../../../src/tui/samplers/types.js";
import { historyOf, input, tick } from "./fixture.js";

process.env.TZ = "UTC";

const MS = 1e6;

/** Two seconds of two sessions: s1 100 r/s + 50 w/s of 4 KiB, s2 10 r/s; s3 failed. */
function twoTicks() {
  const a = (n: number) => ({ oid: 1, target: "iqn.2026-11.test:alpha", io: { reads: 100 * n, writes: 50 * n, nread: 400 * 1024 * n, nwritten: 200 * 1024 * n, rtime: 0.25e9 * n, rlentime: 0.5e9 * n, readLat: Array(100 * n).fill(MS) } });
  const b = (n: number) => ({ oid: 2, target: "iqn.2026-11.test:beta", conns: [{ cid: 0, remote: "10.0.0.2:3260" }], io: { reads: 10 * n, readLat: Array(10 * n).fill(8 * MS) } });
  const c = { oid: 3, target: "iqn.2026-11.test:gamma", state: "FAILED", sess: { errors: 4, reconnects: 2 }, conns: [{ cid: 0, state: "FREE" }] };
  return historyOf([tick(10, [a(10), b(10), c]), tick(12, [a(12), b(12), c])]);
}

function col(out: TableOut, name: string): string[] {
  const i = out.columns.findIndex((c) => c.name === name);
  return out.rows.map((r) => r.cells[i]);
}

test("sessions: one row per session with iostat rates over the tick interval", () => {
  const out = sessions.sample(input(twoTicks()));
  assert.deepEqual(out.rows.map((r) => r.key), [1, 2, 3]);
  assert.deepEqual(col(out, "r/s"), ["100", "10", "0"]);
  assert.deepEqual(col(out, "w/s"), ["50", "0", "0"]);
  assert.deepEqual(col(out, "rMB/s"), ["0.39", "0", "0"]);
  assert.deepEqual(col(out, "actv"), ["0.5", "0.0", "0.0"]);
  assert.deepEqual(col(out, "STATE"), ["LOGGED_IN", "LOGGED_IN", "FAILED"]);
  assert.deepEqual(col(out, "PORTAL"), ["127.0.0.1:3260", "10.0.0.2:3260", "127.0.0.1:3260"]);
  assert.deepEqual(col(out, "CN"), ["1", "1", "0"]);
  assert.deepEqual(col(out, "ERR"), ["0", "0", "4"]);
  assert.deepEqual(col(out, "RECON"), ["0", "0", "2"]);
  assert.deepEqual(col(out, "UP"), ["12s", "12s", "12s"]);
  assert.equal(out.rows[2].tone, "bad", "a FAILED session is drawn red");
});

test("sessions: avg and p99 are those of the commands completed in the interval (p99 the top of its log2 bucket)", () => {
  const out = sessions.sample(input(twoTicks()));
  assert.deepEqual(col(out, "avg"), ["1.0ms", "8.0ms", "-"]);
  assert.deepEqual(col(out, "p99"), ["1.0ms", "8.4ms", "-"]);
});

test("sessions: sorted by any column, numbers and text, either way; ties by SID", () => {
  const h = twoTicks();
  const keys = (column: string, desc: boolean) => sessions.sample(input(h, { sort: { sessions: { column, desc } } })).rows.map((r) => r.key);
  assert.deepEqual(keys("r/s", true), [1, 2, 3]);
  assert.deepEqual(keys("r/s", false), [3, 2, 1]);
  assert.deepEqual(keys("TARGET", true), [3, 2, 1]);
  assert.deepEqual(keys("ERR", true), [3, 1, 2]);
  assert.deepEqual(keys("avg", true), [2, 1, 3]);
  const out = sessions.sample(input(h, { sort: { sessions: { column: "w/s", desc: true } } }));
  assert.deepEqual(out.sort, { column: "w/s", desc: true });
});

test("sessions: a sort naming no column falls back to SID ascending", () => {
  const out = sessions.sample(input(twoTicks(), { sort: { sessions: { column: "nope", desc: true } } }));
  assert.deepEqual(out.sort, { column: "SID", desc: false });
});

test("sessions: the filter keeps rows whose target, portal, state or SID contain the text, any case", () => {
  const h = twoTicks();
  assert.deepEqual(sessions.sample(input(h, { filter: "BETA" })).rows.map((r) => r.key), [2]);
  assert.deepEqual(sessions.sample(input(h, { filter: "failed" })).rows.map((r) => r.key), [3]);
  assert.deepEqual(sessions.sample(input(h, { filter: "10.0.0" })).rows.map((r) => r.key), [2]);
  const none = sessions.sample(input(h, { filter: "zzz" }));
  assert.equal(none.rows.length, 0);
  assert.match(none.empty, /nothing matches 'zzz'/);
});

test("sessions: the selection follows the session, not the row index", () => {
  const h = twoTicks();
  const out = sessions.sample(input(h, { selected: 2, sort: { sessions: { column: "r/s", desc: false } } }));
  assert.equal(out.rows[out.selected!].key, 2);
  assert.equal(sessions.sample(input(h, { selected: 99 })).selected, 0, "an unknown selection falls to the first row");
  assert.deepEqual(orderedSessions(h, input(h).view), [1, 2, 3]);
  assert.equal(selectedSession(h, input(h, { selected: 3 }).view), 3);
  assert.equal(selectedSession(h, input(h, { selected: 42 }).view), 1);
});

test("sessions: a session that logged out stays dimmed for the linger time, then goes", () => {
  const s = (state: string) => [{ oid: 1, state }];
  const h = historyOf([tick(0, s("LOGGED_IN")), tick(1, s("FREE")), tick(20, s("FREE"))], { lingerS: 30 });
  const out = sessions.sample(input(h));
  assert.equal(out.rows[0].tone, "dim");
  h.advance(tick(32, s("FREE")));
  assert.equal(sessions.sample(input(h)).rows.length, 0);
  assert.match(sessions.sample(input(h)).empty, /no sessions/);
});

test("totals: sessions by state, summed rates and counters, latency, then the last key's answer", () => {
  const out = totals.sample(input(twoTicks(), { message: "sorted by r/s, descending" }));
  assert.equal(out.lines[0], "iscsitop  live: test  11:06:52  every 1s");
  assert.equal(out.lines[1], "Sessions 2 LOGGED_IN, 1 FAILED  Conns 2  Errors 4  Disconnects 0  Reconnects 2");
  assert.equal(out.lines[2], "IOPS 160 (r 110 w 50)  MB/s 0.59 (r 0.39 w 0.20)  Latency avg 1.6ms p99 8.4ms");
  assert.equal(out.lines[3], "sorted by r/s, descending");
  assert.equal(out.lines[4], "Disconnects by reason: none");
  assert.match(out.lines[5], /^Queues: 0 pending, 0 active now; iostat wait 0\.0, actv 0\.5; CmdSN window closed 0 times$/);
  const idle = totals.sample(input(twoTicks(), { paused: true, filter: "beta" }));
  assert.match(idle.lines[0], /PAUSED/);
  assert.match(idle.lines[3], /filter 'beta'/);
});
