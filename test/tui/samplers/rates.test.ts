import { test } from "node:test";
import assert from "node:assert/strict";
import { iops, lastSeconds, latencyTrend, sessionIops, throughput, windowS } from "../../../src/tui/samplers/rates.js";
import { historyOf, input, tick } from "./fixture.js";

process.env.TZ = "UTC";

/** Second k: session 1 has done 100 k reads and 20 k writes (1 MiB each), session 2 10 k reads. */
function ramp(seconds: number) {
  return historyOf(Array.from({ length: seconds + 1 }, (_, k) => tick(k, [
    { oid: 1, io: { reads: 100 * k, writes: 20 * k, nread: 100 * k * 2 ** 20, nwritten: 20 * k * 2 ** 20, readLat: Array(k).fill(2e6) } },
    { oid: 2, io: { reads: 10 * k } },
  ])));
}

test("iops: reads and writes per second of all sessions, one point per tick, clock-time labels", () => {
  const out = iops.sample(input(ramp(5)));
  assert.equal(out.unit, "IOPS");
  assert.deepEqual(out.x, ["11:06:40", "11:06:41", "11:06:42", "11:06:43", "11:06:44", "11:06:45"]);
  assert.deepEqual(out.series.map((s) => s.title), ["r/s", "w/s"]);
  // The first tick has no earlier one: its rate is since creation (0 s: taken as 1 s).
  assert.deepEqual(out.series[0].y, [0, 110, 110, 110, 110, 110]);
  assert.deepEqual(out.series[1].y, [0, 20, 20, 20, 20, 20]);
});

test("throughput: MB/s read and written", () => {
  const out = throughput.sample(input(ramp(3)));
  assert.deepEqual(out.series.map((s) => s.title), ["read MB/s", "write MB/s"]);
  assert.deepEqual(out.series[0].y.slice(1), [100, 100, 100]);
  assert.deepEqual(out.series[1].y.slice(1), [20, 20, 20]);
});

test("iops: the window param keeps the last N seconds", () => {
  const out = iops.sample(input(ramp(30), {}, { window: 10 }));
  assert.equal(out.x.length, 10);
  assert.equal(out.x.at(-1), "11:07:10");
  assert.equal(windowS({}), 120);
  assert.equal(windowS({ window: -1 }, 7), 7);
  assert.deepEqual(lastSeconds([], 5), []);
});

test("session-iops: the selected session's rates (the first one when none is selected)", () => {
  const h = ramp(3);
  assert.deepEqual(sessionIops.sample(input(h, { selected: 2 })).series[0].y.slice(1), [10, 10, 10]);
  assert.deepEqual(sessionIops.sample(input(h)).series[0].y.slice(1), [100, 100, 100]);
});

test("latency-trend: average and p99 in ms per tick; 0 when nothing completed", () => {
  const out = latencyTrend.sample(input(ramp(3)));
  assert.deepEqual(out.series.map((s) => s.title), ["avg ms", "p99 ms"]);
  assert.deepEqual(out.series[0].y.slice(1), [2, 2, 2]);
  assert.ok(out.series[1].y.slice(1).every((v) => Math.abs(v - 2 ** 21 / 1e6) < 1e-9), `p99 is the top of the 2 ms bucket: ${out.series[1].y}`);
  assert.equal(out.series[0].y[0], 0);
});
