import { test } from "node:test";
import assert from "node:assert/strict";
import { Samples } from "../../src/stat/samples.js";

test("Samples: exact nearest-rank percentiles, min, max, sum, growing past its first size; all 0 when empty", () => {
  assert.deepEqual(new Samples().summary(), { n: 0, min: 0, max: 0, avg: 0, sum: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0 });
  const s = new Samples(4);
  for (let i = 1000; i >= 1; i--) s.push(i); // 1..1000, pushed backwards, growing from 4
  const x = s.summary();
  assert.deepEqual([x.n, x.min, x.max, x.sum, x.avg], [1000, 1, 1000, 500500, 500.5]);
  assert.deepEqual([x.p50, x.p90, x.p95, x.p99, x.p999], [500, 900, 950, 990, 999]);
  const one = new Samples(1);
  one.push(7);
  assert.deepEqual([one.summary().p50, one.summary().p999], [7, 7]);
});
