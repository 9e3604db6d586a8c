/**
 * Faults a real target cannot be made to produce, against the in-process scripted target
 * (test/helpers/fake-target.ts): Reject, Async Messages, garbage, stalls, digest errors,
 * sequence gaps, a closed window, redirection. Each test asserts the outcome the caller sees
 * and the probe sequence (state changes and the disconnect reason).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { LoginError, TaskError } from "../../src/errors.js";
import { Initiator } from "../../src/initiator/initiator.js";
import type { SessionOptions } from "../../src/initiator/options.js";
import { ProbeBus } from "../../src/probe/bus.js";
import type { DisconnectArgs } from "../../src/probe/catalog.js";
import { read10Cdb } from "../../src/scsi/index.js";
import { DEFAULT_TARGET_NAME, FakeTarget, type FakeTargetOptions } from "../helpers/fake-target.js";

interface Rig {
  target: FakeTarget;
  ini: Initiator;
  bus: ProbeBus;
  /** "conn T5 IN_LOGIN->LOGGED_IN" style lines, in order. */
  states: string[];
  disconnects: DisconnectArgs[];
  anomalies: string[];
  /** Count of each PDU probe that fired ("pdu:reject": 1, ...), and the timers that ran out. */
  pdus: Map<string, number>;
  timers: string[];
  opts(extra?: Partial<SessionOptions>): SessionOptions;
}

async function rig(t: { after(fn: () => unknown): void }, opts: FakeTargetOptions = {}): Promise<Rig> {
  const target = await FakeTarget.start(opts);
  const bus = new ProbeBus();
  const ini = new Initiator({ bus });
  const r: Rig = {
    target, ini, bus, states: [], disconnects: [], anomalies: [], pdus: new Map(), timers: [],
    opts: (extra = {}) => ({
      targetName: DEFAULT_TARGET_NAME, portals: [{ host: "127.0.0.1", port: target.port }],
      timeouts: { nopIntervalMs: 0, ...extra.timeouts }, ...extra,
    }),
  };
  bus.subscribe("session:state-change", (a) => { const x = a as { rfc: string; from: string; to: string }; r.states.push(`session ${x.rfc} ${x.from}->${x.to}`); });
  bus.subscribe("conn:state-change", (a) => { const x = a as { rfc: string; from: string; to: string }; r.states.push(`conn ${x.rfc} ${x.from}->${x.to}`); });
  bus.on("conn:disconnect", (a) => { r.disconnects.push(a); });
  bus.subscribe("anomaly:*", (a) => { r.anomalies.push((a as { kind: string }).kind); });
  bus.subscribe("iscsi::pdu:*", (_a, p) => { if (p.name !== "send" && p.name !== "receive") r.pdus.set(p.key, (r.pdus.get(p.key) ?? 0) + 1); });
  bus.on("timer:expire", (a) => { r.timers.push(a.timer); });
  t.after(async () => {
    await ini.close();
    await target.stop();
  });
  return r;
}

const until = async (cond: () => boolean, ms = 5000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
};

test("fake target: a Reject of a SCSI command ends it with ERR_TASK_REJECTED and fires anomaly:reject", async (t) => {
  const r = await rig(t);
  const s = await r.ini.login(r.opts());
  r.target.once("scsi-command", (_pdu, ctx) => ctx.reject(0x09));
  await assert.rejects(s.read(1, 0, 8), (e: unknown) => e instanceof TaskError && e.code === "ERR_TASK_REJECTED" && /Invalid PDU field/.test(e.message));
  assert.ok(r.anomalies.includes("reject"));
  assert.equal(r.pdus.get("pdu:reject"), 1, "one Reject on the bus");
  assert.equal((await s.read(1, 0, 8)).length, 4096, "the session goes on");
});

test("fake target: Async 'drop connection' fails the connection, the session recovers (N5, N4) and queued reads complete", async (t) => {
  const r = await rig(t, { params: { DefaultTime2Wait: 0 } });
  const s = await r.ini.login(r.opts());
  await s.write(1, 10, new Uint8Array(512).fill(7));
  r.target.stall("scsi-command");
  const pending = s.read(1, 10, 1);
  await until(() => r.target.log.received("scsi-command").length >= 2);
  r.target.resume("scsi-command");
  r.target.stall("scsi-command");
  r.target.sendAsync(r.target.connection!, 2, { parameter1: 0, parameter2: 0, parameter3: 5 });
  await until(() => r.disconnects.length === 1);
  r.target.resume("scsi-command");
  const data = await pending;
  assert.deepEqual([...data.subarray(0, 4)], [7, 7, 7, 7]);
  assert.equal(r.disconnects[0].reason, "target-drop-connection");
  assert.equal(r.pdus.get("pdu:async-message"), 1);
  assert.match(r.disconnects[0].detail, /Time2Wait 0 s, Time2Retain 5 s/);
  for (const step of ["conn T15 LOGGED_IN->CLEANUP_WAIT", "session N5 LOGGED_IN->FAILED", "conn M1 CLEANUP_WAIT->FREE", "session N4 FAILED->LOGGED_IN"]) {
    assert.ok(r.states.includes(step), `${step} in ${r.states.join(", ")}`);
  }
});

test("fake target: garbage bytes from the target end the connection with protocol-error", async (t) => {
  const r = await rig(t);
  const s = await r.ini.login(r.opts({ timeouts: { replacementMs: 200 } }));
  r.target.sendGarbage(r.target.connection!, new Uint8Array(48).fill(0x3b));
  await until(() => r.disconnects.length >= 1);
  assert.equal(r.disconnects[0].reason, "protocol-error");
  assert.match(r.disconnects[0].detail, /unknown opcode 0x3b/);
  assert.ok(r.anomalies.includes("malformed"));
  void s;
});

test("fake target: a corrupted header digest ends the connection with header-digest-error", async (t) => {
  const r = await rig(t, { params: { HeaderDigest: "CRC32C" } });
  const s = await r.ini.login(r.opts({ params: { HeaderDigest: "CRC32C,None" } }));
  assert.equal(s.params?.headerDigest, true);
  r.target.corruptNextHeaderDigest(r.target.connection!);
  await s.read(1, 0, 1).catch(() => undefined);
  await until(() => r.disconnects.length >= 1);
  assert.equal(r.disconnects[0].reason, "header-digest-error");
  assert.ok(r.anomalies.includes("header-digest-error"));
});

test("fake target: a stalled command is aborted (ABORT TASK) after its timeout; the caller gets ERR_TASK_ABORTED", async (t) => {
  const r = await rig(t);
  const s = await r.ini.login(r.opts({ timeouts: { commandMs: 300, abortMs: 2000 } }));
  r.target.stall("scsi-command");
  const err = await s.scsi(1, read10Cdb(0, 1), { dir: "read", length: 512, timeoutMs: 300 }).catch((e: unknown) => e);
  assert.ok(err instanceof TaskError && err.code === "ERR_TASK_ABORTED", String(err));
  assert.equal(r.target.log.received("task-request").length, 1);
  assert.equal(r.disconnects.length, 0, "an answered abort keeps the connection");
  assert.deepEqual(r.timers, ["command"]);
  assert.deepEqual([r.pdus.get("pdu:task-command"), r.pdus.get("pdu:task-response")], [1, 1]);
});

test("fake target: when ABORT TASK and LU RESET go unanswered the connection drops with task-escalation", async (t) => {
  const r = await rig(t);
  const s = await r.ini.login(r.opts({ timeouts: { commandMs: 200, abortMs: 300, luResetMs: 300, replacementMs: 500 } }));
  r.target.stall("all");
  const err = await s.scsi(1, read10Cdb(0, 1), { dir: "read", length: 512, timeoutMs: 200 }).catch((e: unknown) => e);
  assert.ok(err instanceof TaskError, String(err));
  assert.equal(r.disconnects[0]?.reason, "task-escalation");
  assert.deepEqual(r.timers.slice(0, 3), ["command", "abort", "lu-reset"], "the escalation's timers, in order");
  assert.match(r.disconnects[0].detail, /ABORT TASK and LOGICAL UNIT RESET/);
});

test("fake target: an unanswered NOP-Out ping ends the connection with nop-timeout and says how long ago the last receive was", async (t) => {
  const r = await rig(t);
  await r.ini.login(r.opts({ timeouts: { nopIntervalMs: 200, nopTimeoutMs: 200, replacementMs: 300 } }));
  r.target.stall("nop-out");
  await until(() => r.disconnects.length >= 1);
  assert.equal(r.disconnects[0].reason, "nop-timeout");
  assert.ok(r.timers.includes("nop"));
  assert.ok((r.pdus.get("pdu:nop-out") ?? 0) >= 1, "the ping went out");
  assert.match(r.disconnects[0].detail, /NOP-Out ping not answered within 0\.2 s; last receive 0\.\d s ago/);
  assert.ok(r.disconnects[0].sinceLastRxNs !== null && r.disconnects[0].sinceLastRxNs >= 350_000_000n);
});

test("fake target: when the target stops opening the CmdSN window, commands wait PENDING and go out when it opens", async (t) => {
  // RFC 7143 §4.2.2.1: an initiator ignores a MaxCmdSN below the one it holds, so a target
  // closes the window by not advancing MaxCmdSN while commands use up what it granted.
  const r = await rig(t, { window: 2 });
  const s = await r.ini.login(r.opts());
  await s.readCapacity(1); // reads need the block size: learn it before closing the window
  r.target.setWindow({ closed: true });
  const states = new Map<unknown, string[]>();
  r.bus.on("task:state-change", (a) => {
    const key = a.ref;
    states.set(key, [...(states.get(key) ?? []), a.to]);
  });
  const reads = [0, 1, 2, 3].map((i) => s.read(1, i, 1));
  await new Promise((res) => setTimeout(res, 150));
  const firstMoves = [...states.values()].map((v) => v[v.length - 1]);
  assert.deepEqual(firstMoves.filter((x) => x === "PENDING").length, 2, `two reads wait for the window: ${firstMoves.join(" ")}`);
  r.target.setWindow({ closed: false });
  await Promise.all(reads);
  assert.ok([...states.values()].every((v) => v.join(" ") === "PENDING ACTIVE COMPLETED FREE"));
});

test("fake target: a login redirect (0x0101) is followed to the new portal", async (t) => {
  const r = await rig(t);
  const other = await FakeTarget.start();
  t.after(() => other.stop());
  r.target.setLoginStatus({ status: 0x0101, targetAddress: `127.0.0.1:${other.port},1` });
  const s = await r.ini.login(r.opts());
  assert.equal(s.conn?.remote, `127.0.0.1:${other.port}`);
  assert.equal(r.disconnects[0].reason, "login-failed");
  assert.equal(r.disconnects[0].statusClass, 1);
});

test("fake target: a login refused with 0x0201 rejects with LoginError naming the status", async (t) => {
  const r = await rig(t);
  r.target.setLoginStatus({ status: 0x0201 });
  await assert.rejects(r.ini.login(r.opts()), (e: unknown) => e instanceof LoginError && e.statusClass === 2 && /0x0201 Authentication failure/.test(e.message));
  assert.equal(r.disconnects[0].reason, "login-failed");
  assert.ok(r.states.includes("conn T7 IN_LOGIN->FREE"));
});

test("fake target: a target that closes during login gives target-closed and a clear error", async (t) => {
  const r = await rig(t);
  r.target.closeDuringLogin("fin");
  await assert.rejects(r.ini.login(r.opts()), /closed|target/);
  assert.equal(r.disconnects[0].reason, "target-closed");
});

test("fake target: a DataSN gap in Data-In is a protocol error with a datasn-gap anomaly", async (t) => {
  const r = await rig(t);
  const s = await r.ini.login(r.opts({ params: { MaxRecvDataSegmentLength: 4096 }, timeouts: { replacementMs: 300 } }));
  r.target.skipDataSN(1, r.target.connection!);
  await s.read(1, 0, 64).catch(() => undefined);
  await until(() => r.disconnects.length >= 1);
  assert.equal(r.disconnects[0].reason, "protocol-error");
  assert.ok(r.anomalies.includes("datasn-gap"));
});

test("fake target: a skipped StatSN fires anomaly:statsn-gap and the session goes on", async (t) => {
  const r = await rig(t);
  const s = await r.ini.login(r.opts());
  r.target.skipStatSN(2, r.target.connection!);
  await s.testUnitReady(1);
  await s.testUnitReady(1);
  assert.deepEqual(r.anomalies, ["statsn-gap"]);
});

test("fake target: SendTargets answered over several Text Responses (C bit) yields every target", async (t) => {
  const names = Array.from({ length: 40 }, (_, i) => `iqn.2026-11.io.iscsiscope.test:target-with-a-long-name-${i}`);
  const r = await rig(t, { targets: names.map((name) => ({ name })), textChunk: 512 });
  const found = await r.ini.discover(`127.0.0.1:${r.target.port}`);
  assert.deepEqual(found.map((x) => x.targetName), names);
  assert.ok(r.target.log.sent("text-response").length > 3, "the answer was continued");
});

test("fake target: one-way and mutual CHAP log in; a wrong secret is refused by name", async (t) => {
  const chap = { accounts: [{ user: "alice", secret: "alice-secret-123" }], target: { user: "tgt", secret: "target-secret-456" } };
  const r = await rig(t, { targets: [{ name: DEFAULT_TARGET_NAME, chap }] });
  const one = await r.ini.login(r.opts({ auth: { chap: { user: "alice", secret: "alice-secret-123" } } }));
  await one.testUnitReady(1);
  const mutual = await r.ini.login(r.opts({ auth: { chap: { user: "alice", secret: "alice-secret-123" }, mutual: { user: "tgt", secret: "target-secret-456" } } }));
  await mutual.testUnitReady(1);
  await assert.rejects(r.ini.login(r.opts({ auth: { chap: { user: "alice", secret: "wrong-secret-789" } } })),
    (e: unknown) => e instanceof LoginError && /0x0201 Authentication failure/.test(e.message) && !/wrong-secret/.test(e.message));
  await assert.rejects(r.ini.login(r.opts({ auth: { chap: { user: "alice", secret: "alice-secret-123" }, mutual: { user: "tgt", secret: "not-the-target-000" } } })),
    (e: unknown) => e instanceof Error && /CHAP_RSP_BAD/.test(e.message) && !/not-the-target/.test(e.message));
});

test("fake target: a corrupted data digest ends the connection with data-digest-error", async (t) => {
  const r = await rig(t, { params: { DataDigest: "CRC32C" } });
  const s = await r.ini.login(r.opts({ params: { DataDigest: "CRC32C,None" }, timeouts: { replacementMs: 300 } }));
  assert.equal(s.params?.dataDigest, true);
  r.target.corruptNextDataDigest(r.target.connection!);
  await s.read(1, 0, 8).catch(() => undefined);
  await until(() => r.disconnects.length >= 1);
  assert.equal(r.disconnects[0].reason, "data-digest-error");
  assert.ok(r.anomalies.includes("data-digest-error"));
});

test("fake target: a Data-In at the wrong Buffer Offset is a protocol error with a data-in-offset anomaly", async (t) => {
  const r = await rig(t);
  const s = await r.ini.login(r.opts({ params: { MaxRecvDataSegmentLength: 4096 }, timeouts: { replacementMs: 300 } }));
  r.target.wrongBufferOffset(512, r.target.connection!);
  await s.read(1, 0, 64).catch(() => undefined);
  await until(() => r.disconnects.length >= 1);
  assert.equal(r.disconnects[0].reason, "protocol-error");
  assert.ok(r.anomalies.includes("data-in-offset"));
});

test("fake target: a status for an ITT with nothing outstanding is an unknown-itt anomaly; the session goes on", async (t) => {
  const r = await rig(t);
  const s = await r.ini.login(r.opts());
  r.target.once("scsi-command", (_pdu, ctx) => ctx.respond({ kind: "scsi-response", itt: 0xdead0001 }, { kind: "scsi-response" }));
  await s.testUnitReady(1);
  assert.deepEqual(r.anomalies, ["unknown-itt"]);
  await s.testUnitReady(1);
});

test("fake target: ExpCmdSN going backwards and a MaxCmdSN below ExpCmdSN - 1 are anomalies, and ignored", async (t) => {
  const r = await rig(t);
  const s = await r.ini.login(r.opts());
  await s.testUnitReady(1);
  const exp = s.expCmdSN;
  r.target.once("scsi-command", (_pdu, ctx) => ctx.respond({ kind: "nop-in", itt: 0xffffffff, expCmdSN: exp - 1, maxCmdSN: exp + 40 }, { kind: "scsi-response" }));
  await s.testUnitReady(1);
  r.target.once("scsi-command", (_pdu, ctx) => ctx.respond({ kind: "nop-in", itt: 0xffffffff, expCmdSN: exp + 10, maxCmdSN: exp }, { kind: "scsi-response" }));
  await s.testUnitReady(1);
  assert.deepEqual(r.anomalies, ["expcmdsn-backwards", "maxcmdsn-invalid"]);
  assert.ok(s.expCmdSN >= exp, "ExpCmdSN never went back");
  await s.testUnitReady(1);
});

test("fake target: an R2T with the wrong R2TSN is a protocol error with an r2tsn-gap anomaly", async (t) => {
  const r = await rig(t, { params: { InitialR2T: "Yes", ImmediateData: "No" } });
  const s = await r.ini.login(r.opts({ timeouts: { replacementMs: 300 } }));
  r.target.once("scsi-command", (_pdu, ctx) => ctx.respond({ kind: "r2t", r2tSN: 3, bufferOffset: 0, desiredDataTransferLength: 512 }));
  await s.write(1, 0, new Uint8Array(512)).catch(() => undefined);
  await until(() => r.disconnects.length >= 1);
  assert.equal(r.disconnects[0].reason, "protocol-error");
  assert.match(r.disconnects[0].detail, /R2TSN 3, expected 0/);
  assert.ok(r.anomalies.includes("r2tsn-gap"));
});

test("fake target: a target NOP-In ping is answered, and an unsolicited one is not", async (t) => {
  const r = await rig(t);
  await r.ini.login(r.opts());
  const reply = await r.target.ping(r.target.connection!, new Uint8Array([1, 2, 3, 4]));
  assert.deepEqual([reply.itt, [...reply.data]], [0xffffffff, [1, 2, 3, 4]], "answered with ITT 0xffffffff and the ping data");
  assert.ok((r.pdus.get("pdu:nop-in") ?? 0) >= 1);
});

test("fake target: a vendor-specific PDU from the target is noted (pdu:vendor) and ignored", async (t) => {
  const r = await rig(t);
  const s = await r.ini.login(r.opts());
  const vendor = new Uint8Array(48);
  vendor[0] = 0x3c;
  vendor[1] = 0x80;
  vendor.fill(0xff, 16, 20);
  r.target.sendGarbage(r.target.connection!, vendor);
  await s.testUnitReady(1);
  assert.equal(r.pdus.get("pdu:vendor"), 1);
  assert.equal(r.disconnects.length, 0);
});
