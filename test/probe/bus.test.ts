import { test } from "node:test";
import assert from "node:assert/strict";
import { ProbeBus, compilePattern } from "../../src/probe/bus.js";
import { CATALOG, PROBE_KEYS } from "../../src/probe/catalog.js";

test("ProbeBus: an unsubscribed probe has hasSubscribers false; subscribing flips it, unsubscribing flips it back", () => {
  const bus = new ProbeBus();
  const P = bus.module("initiator");
  assert.equal(P["pdu:receive"].hasSubscribers, false);
  const off = bus.subscribe("iscsi:initiator:pdu:receive", () => {});
  assert.equal(P["pdu:receive"].hasSubscribers, true);
  assert.equal(P["pdu:send"].hasSubscribers, false);
  off();
  assert.equal(P["pdu:receive"].hasSubscribers, false);
});

test("ProbeBus: descriptions fill from the left and match both modules; empty parts and globs are wildcards", () => {
  const bus = new ProbeBus();
  const live = bus.module("initiator");
  const seen: string[] = [];
  bus.subscribe("scsi-command", (_a, p) => seen.push(p.id));
  bus.subscribe("iscsi:pcap:conn:*", (_a, p) => seen.push(p.id));
  const replay = bus.module("pcap");
  live["pdu:scsi-command"].publish({} as never);
  replay["pdu:scsi-command"].publish({} as never);
  replay["conn:disconnect"].publish({} as never);
  live["conn:disconnect"].publish({} as never);
  assert.deepEqual(seen, ["iscsi:initiator:pdu:scsi-command", "iscsi:pcap:pdu:scsi-command", "iscsi:pcap:conn:disconnect"]);
});

test("ProbeBus: a description that matches nothing, or has five parts, is a TypeError", () => {
  const bus = new ProbeBus();
  assert.throws(() => bus.subscribe("iscsi:::no-such-probe", () => {}), /matches no probe/);
  assert.throws(() => bus.subscribe("a:b:c:d:e", () => {}), /more than four parts/);
});

test("ProbeBus: a subscriber that throws is detached and recorded; the producer and other subscribers go on", () => {
  const bus = new ProbeBus();
  const P = bus.module("initiator");
  const seen: number[] = [];
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on("warning", onWarning);
  bus.subscribe("pdu:send", () => { throw new Error("script bug"); });
  bus.subscribe("pdu:send", () => seen.push(1));
  P["pdu:send"].publish({} as never);
  P["pdu:send"].publish({} as never);
  assert.deepEqual(seen, [1, 1]);
  assert.equal(bus.faults.length, 1);
  assert.equal(bus.faults[0].probe, "iscsi:initiator:pdu:send");
  process.off("warning", onWarning);
});

test("compilePattern: globs", () => {
  const m = compilePattern("iscsi:*:task:xfer-*");
  assert.ok(m({ provider: "iscsi", module: "pcap", fn: "task", name: "xfer-done" }));
  assert.ok(!m({ provider: "iscsi", module: "pcap", fn: "task", name: "done" }));
});

test("the catalog documents every probe key and every key is function:name", () => {
  for (const k of PROBE_KEYS) {
    assert.match(k, /^[a-z]+:[a-z0-9-]+$/);
    assert.ok(CATALOG[k].doc.length > 10, k);
  }
  for (const n of ["login-command", "login-response", "logout-command", "logout-response", "scsi-command", "scsi-response",
    "data-out", "data-in", "r2t", "nop-out", "nop-in", "task-command", "task-response", "text-command", "text-response",
    "async-message", "reject", "snack"]) {
    assert.ok(PROBE_KEYS.includes(`pdu:${n}` as never), `DTrace iscsi provider name ${n}`);
  }
});
