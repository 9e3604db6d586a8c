import { test } from "node:test";
import assert from "node:assert/strict";
import { ioRates, type IoSample } from "../../src/stat/iostat.js";
import { KstatIo } from "../../src/stat/kstat.js";

const MS = 1e6;

function sample(snaptime: number, io: KstatIo, crtime = 0): IoSample {
  io.update(snaptime);
  return { snaptime, crtime, data: io.toData() };
}

function near(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) < 1e-9 * Math.max(1, Math.abs(expected)), `${what}: ${actual}, expected ${expected}`);
}

test("ioRates(): r/s, w/s, kr/s, kw/s are the counter differences over the snapshot interval", () => {
  const prev: IoSample = { snaptime: 10e9, crtime: 0, data: { reads: 100, writes: 50, nread: 1 << 20, nwritten: 1 << 19 } };
  const cur: IoSample = { snaptime: 12e9, crtime: 0, data: { reads: 300, writes: 70, nread: 3 << 20, nwritten: 1 << 20 } };
  const r = ioRates(prev, cur);
  near(r.etime, 2, "etime");
  near(r.rps, 100, "r/s");
  near(r.wps, 10, "w/s");
  near(r.krps, 1024, "kr/s");
  near(r.kwps, 256, "kw/s");
});

test("ioRates(): wait/actv are average queue lengths, wsvc_t/asvc_t the time per command (Little's law), %w/%b the busy shares", () => {
  // 100 commands one after another over 1 s: each waits 2 ms in the pending queue, then runs 5 ms.
  const io = new KstatIo();
  const start = sample(0, io);
  let t = 0;
  for (let i = 0; i < 100; i++) {
    io.waitEnter(t);
    t += 2 * MS;
    io.waitExit(t);
    io.runEnter(t);
    t += 5 * MS;
    io.runExit(t);
    io.reads++;
  }
  const r = ioRates(start, sample(1e9, io));
  near(r.rps, 100, "r/s");
  near(r.wait, 0.2, "wait (200 ms of one waiting command in 1 s)");
  near(r.actv, 0.5, "actv");
  near(r.wsvcT, 2, "wsvc_t ms");
  near(r.asvcT, 5, "asvc_t ms");
  near(r.svcT, 7, "svc_t ms");
  near(r.pctW, 20, "%w");
  near(r.pctB, 50, "%b");
});

test("ioRates(): two commands active at once count twice in actv but once in %b", () => {
  const io = new KstatIo();
  const start = sample(0, io);
  io.runEnter(0);
  io.runEnter(0);
  io.runExit(500 * MS);
  io.runExit(500 * MS);
  io.writes += 2;
  const r = ioRates(start, sample(1e9, io));
  near(r.actv, 1, "actv");
  near(r.pctB, 50, "%b");
  near(r.asvcT, 500, "asvc_t ms: 1 command on average over 2 commands/s");
});

test("ioRates(): without an earlier sample the interval is the kstat's life (iostat's first report)", () => {
  const cur: IoSample = { snaptime: 7e9, crtime: 3e9, data: { reads: 40, nread: 40 * 4096 } };
  const r = ioRates(undefined, cur);
  near(r.etime, 4, "etime");
  near(r.rps, 10, "r/s");
  near(r.krps, 40, "kr/s");
});

test("ioRates(): a sample of an earlier life (another crtime) counts as no sample: the counters restarted", () => {
  const prev: IoSample = { snaptime: 5e9, crtime: 1e9, data: { reads: 1000 } };
  const cur: IoSample = { snaptime: 6e9, crtime: 5.5e9, data: { reads: 5 } };
  const r = ioRates(prev, cur);
  near(r.etime, 0.5, "etime");
  near(r.rps, 10, "r/s");
});

test("ioRates(): an empty interval is taken as one second; idle gives zeros, never NaN", () => {
  const s: IoSample = { snaptime: 2e9, crtime: 0, data: { reads: 3 } };
  const r = ioRates(s, s);
  near(r.etime, 1, "etime");
  for (const [k, v] of Object.entries(r)) assert.ok(Number.isFinite(v), `${k} is ${v}`);
  assert.equal(r.rps, 0);
  assert.equal(r.wsvcT, 0);
  assert.equal(r.asvcT, 0);
});

test("ioRates(): missing and non-numeric statistics count as 0 (a named kstat with strings)", () => {
  const r = ioRates({ snaptime: 0, crtime: 0, data: { state: "LOGGED_IN" } }, { snaptime: 1e9, crtime: 0, data: { state: "FAILED", writes: 4 } });
  near(r.wps, 4, "w/s");
  assert.equal(r.rps, 0);
});
