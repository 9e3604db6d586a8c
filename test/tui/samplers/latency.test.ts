import { test } from "node:test";
import assert from "node:assert/strict";
import { latencyHistogram, latencyTable, sessionLatency, toHistogram } from "../../../src/tui/samplers/latency.js";
import { histDelta, histMean, histPercentile, mergeHist } from "../../../src/tui/hist-delta.js";
import { Log2Histogram } from "../../../src/stat/histogram.js";
import { historyOf, input, tick } from "./fixture.js";

const US = 1e3;

function json(values: number[]) {
  const h = new Log2Histogram();
  for (const v of values) h.add(v);
  return h.toJSON();
}

test("histDelta(): the commands completed between two cumulative histograms, by bucket", () => {
  const d = histDelta(json([1500, 3000]), json([1500, 3000, 1600, 1700, 70_000]));
  assert.equal(d.count, 3);
  assert.equal(d.sum, 73_300);
  assert.deepEqual(d.b, [10, 2, 16, 1]);
  assert.equal(histMean(d), 73_300 / 3);
  assert.equal(histPercentile(d, 50), 2 ** 11);
  assert.equal(histPercentile(d, 99), 2 ** 17);
  assert.equal(histDelta(json([5]), json([5])).count, 0);
  assert.equal(histDelta(undefined, json([5])).count, 1);
  assert.deepEqual(mergeHist([d, histDelta(undefined, json([1100]))]).b, [10, 3, 16, 1]);
});

/** Session 1: k reads at 100 us and k writes at 5 ms by second k; session 2 reads at 1 ms. */
function work(seconds: number) {
  return historyOf(Array.from({ length: seconds + 1 }, (_, k) => tick(k, [
    { oid: 1, target: "iqn.test:one", io: { reads: 10 * k, writes: 10 * k, readLat: Array(10 * k).fill(100 * US), writeLat: Array(10 * k).fill(5000 * US) } },
    { oid: 2, target: "iqn.test:two", io: { reads: 5 * k, readLat: Array(5 * k).fill(1000 * US) } },
  ])));
}

test("latency-histogram: quantize rows from the lowest to the highest bucket of the window, empty ones between", () => {
  const out = latencyHistogram.sample(input(work(20), {}, { window: 10, op: "read" }));
  assert.equal(out.title, "reads, last 10 s");
  assert.equal(out.total, 150);
  assert.deepEqual(out.buckets.map((b) => b.label), ["66us", "131us", "262us", "524us"]);
  assert.deepEqual(out.buckets.map((b) => b.count), [100, 0, 0, 0].map((x, i) => (i === 3 ? 50 : x)));
  const all = latencyHistogram.sample(input(work(20), {}, { window: 10 }));
  assert.equal(all.total, 250);
  assert.equal(all.title, "reads and writes, last 10 s");
});

test("session-latency: only the selected session's commands", () => {
  const out = sessionLatency.sample(input(work(5), { selected: 2 }, { window: 10 }));
  assert.equal(out.total, 25);
  assert.match(out.title, /of session 2/);
});

test("toHistogram(): no commands, no buckets", () => {
  assert.deepEqual(toHistogram(mergeHist([]), "x").buckets, []);
});

test("latency-table: per session ops per second and percentiles over the window, sortable", () => {
  const out = latencyTable.sample(input(work(20), {}, { window: 10 }));
  const col = (n: string) => out.rows.map((r) => r.cells[out.columns.findIndex((c) => c.name === n)]);
  assert.deepEqual(col("SID"), ["1", "2"]);
  assert.deepEqual(col("r/s"), ["10", "5.0"]);
  assert.deepEqual(col("r avg"), ["100us", "1.0ms"]);
  assert.deepEqual(col("r p99"), ["131us", "1.0ms"]);
  assert.deepEqual(col("w/s"), ["10", "0"]);
  assert.deepEqual(col("w p99"), ["8.4ms", "-"]);
  const sorted = latencyTable.sample(input(work(20), { sort: { "latency-table": { column: "r avg", desc: true } } }, { window: 10 }));
  assert.deepEqual(sorted.rows.map((r) => r.key), [2, 1]);
});
