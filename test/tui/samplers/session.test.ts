import { test } from "node:test";
import assert from "node:assert/strict";
import { sessionConnections, sessionLuns, sessionParams, sessionSummary } from "../../../src/tui/samplers/session.js";
import type { TableOut } from "../../../src/tui/samplers/types.js";
import { historyOf, input, tick } from "./fixture.js";

const MS = 1e6;

function sess(k: number) {
  return {
    oid: 4, target: "iqn.2026-11.test:deep",
    sess: { cmd_sn: 4294967290, cmd_sn_exp: 4294967290, cmd_sn_max: 25, window_closed: 2, cntr_pkt_pending: 1, cntr_qactive: 7, logins: 2, cntr_conn: 2, status_good: 1000, status_busy: 3, cmd_timeouts: 1 },
    io: { reads: 50 * k, writes: 10 * k, rtime: 0.8e9 * k, rlentime: 2e9 * k, readLat: Array(5 * k).fill(2 * MS) },
    conns: [
      { cid: 0, state: "FREE", crtime: 0 },
      { cid: 1, state: "LOGGED_IN", local: "127.0.0.1:40001", remote: "192.0.2.7:3260", data: { cntr_tx_bytes: 1024 * 100 * k, cntr_rx_bytes: 1024 * 400 * k, tx_pdus: 60 * k, rx_pdus: 70 * k, nop_rtt_last_ns: 250_000, digest_err: 1 } },
    ],
    luns: [{ lun: 1, reads: 30 * k, nread: 30 * k * 4096, readLat: Array(3 * k).fill(MS) }, { lun: 2, writes: 10 * k, writeLat: Array(k).fill(4 * MS) }],
  };
}

const h = () => historyOf([tick(100, [sess(100), { oid: 5 }]), tick(102, [sess(102), { oid: 5 }])]);

function col(out: TableOut, name: string): string[] {
  const i = out.columns.findIndex((c) => c.name === name);
  return out.rows.map((r) => r.cells[i]);
}

test("session-summary: identity, CmdSN window (serial arithmetic across the wrap), queues, rates, counters", () => {
  const out = sessionSummary.sample(input(h(), { selected: 4 }));
  assert.match(out.lines[0], /^Session 4 \(1 of 2\): iqn\.2026-11\.test:deep {2}LOGGED_IN {2}up 1m42s/);
  assert.match(out.lines[1], /ISID 800000000001 {2}TSIH 1 {2}portal 192\.0\.2\.7:3260 {2}connections 1 logged in, 2 ever {2}logins 2/);
  assert.equal(out.lines[2], "CmdSN 4294967290  ExpCmdSN 4294967290  MaxCmdSN 25  window 32  closed 2 times  pending 1  active 7");
  assert.match(out.lines[3], /^r\/s 50 w\/s 10 .* asvc_t 33\.3ms %b 80 /);
  assert.deepEqual(sessionSummary.sample(input(historyOf([]))).lines[0], "No session to show yet.");
});

test("session-connections: each connection's state, addresses, byte and PDU rates, NOP round trip, errors", () => {
  const out = sessionConnections.sample(input(h(), { selected: 4 }));
  assert.deepEqual(col(out, "CID"), ["1", "0"]);
  assert.deepEqual(col(out, "STATE"), ["LOGGED_IN", "FREE"]);
  assert.deepEqual(col(out, "REMOTE"), ["192.0.2.7:3260", "127.0.0.1:3260"]);
  assert.deepEqual(col(out, "txKB/s"), ["100", "0"]);
  assert.deepEqual(col(out, "rxKB/s"), ["400", "0"]);
  assert.deepEqual(col(out, "rxPDU/s"), ["70", "0"]);
  assert.deepEqual(col(out, "NOP"), ["250us", "-"]);
  assert.deepEqual(col(out, "DGST"), ["1", "0"]);
});

test("session-luns: per-LUN rates and latency", () => {
  const out = sessionLuns.sample(input(h(), { selected: 4 }));
  assert.deepEqual(col(out, "LUN"), ["1", "2"]);
  assert.deepEqual(col(out, "r/s"), ["30", "0"]);
  assert.deepEqual(col(out, "w/s"), ["0", "10"]);
  assert.deepEqual(col(out, "rMB/s"), ["0.12", "0"]);
  assert.deepEqual(col(out, "r avg"), ["1.0ms", "-"]);
  assert.deepEqual(col(out, "w avg"), ["-", "4.0ms"]);
});

test("session-params: says negotiated parameters are not in the kstats yet, shows them when they are", () => {
  const out = sessionParams.sample(input(h(), { selected: 4 }));
  assert.equal(out.lines[0], "negotiated parameters: not in the kstats yet");
  assert.match(out.lines[1], /good 1000, check condition 0, busy 3/);
  assert.match(out.lines[2], /1 timed out/);
  const withParams = h();
  const k = withParams.cur!.sessions.get(4)!.sess!;
  Object.assign(k, { params: { HeaderDigest: "CRC32C", MaxBurstLength: "262144" } });
  assert.deepEqual(sessionParams.sample(input(withParams, { selected: 4 })).lines.slice(0, 2), ["HeaderDigest=CRC32C", "MaxBurstLength=262144"]);
});
