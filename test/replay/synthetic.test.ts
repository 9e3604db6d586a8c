/**
 * The replay on synthetic captures (test/replay/scenario.ts): faults a real target will not
 * produce on demand — sequence gaps, digest errors, rejects, unanswered pings, escalations,
 * Async Messages, refused reconnects, captures that begin mid-session or lose bytes — each
 * checked for the probes, the transitions and the disconnect reason the replay gives.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { withDigests } from "../capture/pdus.js";
import {
  asyncMsg, cmd, dataIn, dataOut, Flow, loggedIn, loginReq, loginRsp, logoutReq, logoutRsp, nopIn, nopOut, r2t, reject,
  replay, rsp, snack, tmf, tmfRsp,
} from "./scenario.js";

const NAMES = "InitiatorName=iqn.2024-01.test:i|TargetName=iqn.2024-01.test:t|SessionType=Normal";

test("synthetic capture: login, a read with status in the last Data-In, a CHECK CONDITION, logout — transitions, task:done, keys", () => {
  const f = loggedIn();
  f.send("i", cmd({ itt: 2, cmdSN: 1, lba: 64, blocks: 8 }));
  f.send("t", dataIn({ itt: 2, dataSN: 0, offset: 0, length: 2048, expCmdSN: 2 }));
  f.send("t", dataIn({ itt: 2, dataSN: 1, offset: 2048, length: 2048, statSN: 1, expCmdSN: 2 }));
  f.send("i", cmd({ itt: 3, cmdSN: 2, lba: 9999999, blocks: 1 }));
  f.send("t", rsp({ itt: 3, statSN: 2, expCmdSN: 3, sense: [5, 0x21, 0] }));
  f.send("i", logoutReq({ itt: 4, cmdSN: 3 }));
  f.send("t", logoutRsp({ itt: 4, statSN: 3, expCmdSN: 4 }));
  f.fin("t").fin("i");
  const r = replay(f);
  assert.deepEqual(r.moves("conn"), ["FREE->XPT_WAIT T1", "XPT_WAIT->IN_LOGIN T4", "IN_LOGIN->LOGGED_IN T5", "LOGGED_IN->IN_LOGOUT T9", "IN_LOGOUT->FREE T13"]);
  assert.deepEqual(r.moves("session"), ["FREE->LOGGED_IN N1", "LOGGED_IN->FREE N3"]);
  assert.deepEqual(r.moves("task"), ["FREE->PENDING E1", "PENDING->ACTIVE E2", "ACTIVE->COMPLETED E3", "COMPLETED->FREE E8",
    "FREE->PENDING E1", "PENDING->ACTIVE E2", "ACTIVE->COMPLETED E3", "COMPLETED->FREE E8"]);
  const [read, bad] = r.of("task:done");
  assert.deepEqual([read.status, read.bytes, (read.task as { lba: bigint }).lba], [0, 4096, 64n]);
  assert.deepEqual([bad.status, bad.sense], [2, { key: 5, asc: 0x21, ascq: 0 }]);
  assert.deepEqual(r.of("conn:disconnect").map((d) => d.reason), ["user-logout"]);
  assert.deepEqual(r.of("login:key").map((k) => `${k.key}=${k.result}`), ["InitiatorName=iqn.2024-01.test:i", "TargetName=iqn.2024-01.test:t", "SessionType=Normal", "TargetPortalGroupTag=1"]);
  const session = r.of("session:state-change")[0].ref as { tsih: number; isid: number; targetName: string };
  assert.deepEqual([session.tsih, session.isid, session.targetName], [0x100, 0x800000000001, "iqn.2024-01.test:t"]);
  assert.equal(r.of("pdu:send").length + r.of("pdu:receive").length, 9);
  assert.equal(r.fired.filter((x) => x.key.startsWith("anomaly:")).length, 0);
});

test("synthetic capture: StatSN, DataSN and R2TSN gaps, a Data-In offset, unknown and duplicate ITTs, ExpCmdSN backwards, MaxCmdSN invalid", () => {
  const f = loggedIn();
  f.send("i", cmd({ itt: 2, cmdSN: 1, blocks: 8 }));
  f.send("t", dataIn({ itt: 2, dataSN: 0, offset: 0, length: 1024, expCmdSN: 2 }));
  f.send("t", dataIn({ itt: 2, dataSN: 2, offset: 1024, length: 1024, expCmdSN: 2 })); // DataSN 1 skipped
  f.send("t", dataIn({ itt: 2, dataSN: 3, offset: 3072, length: 1024, statSN: 1, expCmdSN: 2 })); // offset 2048 expected
  f.send("i", cmd({ itt: 3, cmdSN: 2, write: true, blocks: 16 }));
  f.send("i", cmd({ itt: 3, cmdSN: 3, blocks: 1 })); // ITT 3 still outstanding
  f.send("t", r2t({ itt: 3, ttt: 7, r2tSN: 1, offset: 0, length: 8192, statSN: 2, expCmdSN: 4 })); // R2TSN 0 expected
  f.send("t", rsp({ itt: 3, statSN: 4, expCmdSN: 4 })); // StatSN 2 expected
  f.send("t", rsp({ itt: 99, statSN: 5, expCmdSN: 3 })); // unknown ITT, ExpCmdSN back from 4 to 3
  f.send("t", nopIn({ statSN: 6, expCmdSN: 4 }));
  f.send("t", rsp({ itt: 98, statSN: 6, expCmdSN: 10, maxCmdSN: 5 })); // MaxCmdSN < ExpCmdSN - 1
  const r = replay(f);
  const kinds = r.fired.filter((x) => x.key.startsWith("anomaly:")).map((x) => x.args.kind);
  assert.deepEqual(kinds, ["datasn-gap", "data-in-offset", "duplicate-itt", "r2tsn-gap", "statsn-gap", "expcmdsn-backwards", "unknown-itt", "maxcmdsn-invalid", "unknown-itt"]);
  const gap = r.of("anomaly:statsn-gap")[0];
  assert.deepEqual([gap.expected, gap.got], [2, 4]);
  assert.equal(r.stats.unmatched, 0, "the login is in the capture: nothing is excused");
});

test("synthetic capture: Data-Out outside what the R2Ts allowed is an anomaly; inside is not", () => {
  const f = loggedIn();
  f.send("i", cmd({ itt: 2, cmdSN: 1, write: true, blocks: 16 }));
  f.send("t", r2t({ itt: 2, ttt: 1, r2tSN: 0, offset: 0, length: 4096, statSN: 1, expCmdSN: 2 }));
  f.send("i", dataOut({ itt: 2, ttt: 1, dataSN: 0, offset: 0, length: 4096 }));
  f.send("i", dataOut({ itt: 2, ttt: 1, dataSN: 1, offset: 4096, length: 4096 })); // not asked for yet
  f.send("t", r2t({ itt: 2, ttt: 2, r2tSN: 1, offset: 4096, length: 4096, statSN: 1, expCmdSN: 2 }));
  f.send("i", dataOut({ itt: 2, ttt: 2, dataSN: 0, offset: 4096, length: 4096 }));
  f.send("t", rsp({ itt: 2, statSN: 1, expCmdSN: 2 }));
  const r = replay(f);
  const beyond = r.of("anomaly:data-out-beyond-r2t");
  assert.equal(beyond.length, 1);
  assert.match(String(beyond[0].detail), /4096\.\.8192/);
  assert.deepEqual(r.of("task:r2t").map((x) => x.bufferOffset), [0, 4096]);
  const [d] = r.of("task:done");
  assert.deepEqual([d.status, d.bytes], [0, 8192]);
  assert.ok((d.r2tWaitNs as bigint) > 0n);
});

test("synthetic capture: a data digest error, then the initiator's FIN: anomaly and disconnect data-digest-error, session FAILED", () => {
  const kv = "HeaderDigest=CRC32C|DataDigest=CRC32C";
  const f = new Flow();
  f.handshake();
  f.send("i", loginReq({ kv: `${NAMES}|${kv}` }));
  f.send("t", loginRsp({ kv: `TargetPortalGroupTag=1|${kv}` }));
  f.send("i", withDigests(cmd({ itt: 2, cmdSN: 1 }), true, true));
  f.send("t", withDigests(dataIn({ itt: 2, dataSN: 0, offset: 0, length: 4096, statSN: 1, expCmdSN: 2 }), true, true, "data"));
  f.fin("i");
  const r = replay(f);
  assert.equal(r.of("anomaly:data-digest-error").length, 1);
  const [d] = r.of("conn:disconnect");
  assert.equal(d.reason, "data-digest-error");
  assert.equal(d.inFlight, 1);
  assert.deepEqual(r.moves("session"), ["FREE->LOGGED_IN N1", "LOGGED_IN->FAILED N5"]);
  assert.deepEqual(r.moves("task").slice(-1), ["ACTIVE->PENDING E7"], "the command is taken back for the reconnect");
});

test("synthetic capture: NOP pings — ours answered (nop-rtt), the target's unanswered (nop-unanswered), the target closes", () => {
  const f = loggedIn();
  f.send("i", nopOut({ itt: 5, cmdSN: 1 }));
  f.send("t", nopIn({ itt: 5, statSN: 1, expCmdSN: 1 }));
  f.send("t", nopIn({ ttt: 0x77, statSN: 2, expCmdSN: 1 }));
  f.send("t", nopIn({ ttt: 0x78, statSN: 2, expCmdSN: 1 }));
  f.send("i", nopOut({ ttt: 0x78, cmdSN: 1 }));
  f.fin("t");
  const r = replay(f);
  assert.equal(r.of("conn:nop-rtt").length, 1);
  assert.deepEqual(r.of("anomaly:nop-unanswered").map((a) => a.detail), ["the target's NOP-In ping (TTT 0x77) got no NOP-Out"]);
  const [d] = r.of("conn:disconnect");
  assert.equal(d.reason, "target-closed");
  assert.match(String(d.detail), /1 NOP-In ping\(s\) unanswered/);
  assert.equal(typeof d.lastNopRttNs, "bigint");
});

test("synthetic capture: an unanswered NOP-Out then the initiator's RST is nop-timeout; the reconnect with the same ISID recovers the session (N4)", () => {
  const f = loggedIn({ start: 1_700_000_000 });
  f.send("i", cmd({ itt: 2, cmdSN: 1, lba: 8 }));
  f.send("i", nopOut({ itt: 3, cmdSN: 2 }));
  f.rst("i");
  const again = loggedIn({ start: 1_700_000_003, iport: 49153, cid: 1, tsih: 0x200 });
  again.send("i", cmd({ itt: 10, cmdSN: 1, lba: 8 })); // the same READ, sent again with a new ITT
  again.send("t", dataIn({ itt: 10, dataSN: 0, offset: 0, length: 4096, statSN: 1, expCmdSN: 2 }));
  const r = replay(f, again);
  assert.deepEqual(r.of("conn:disconnect").map((d) => d.reason), ["nop-timeout"]);
  assert.deepEqual(r.moves("session"), ["FREE->LOGGED_IN N1", "LOGGED_IN->FAILED N5", "FAILED->LOGGED_IN N4"]);
  const [rec] = r.of("session:recovery");
  assert.equal(rec.attempt, 1);
  assert.equal(rec.reason, "nop-timeout");
  assert.ok(Math.abs((rec.delayMs as number) - 3000) < 10, `held ${rec.delayMs} ms`);
  assert.equal(r.stats.sessions, 1);
  assert.deepEqual(r.moves("task"), ["FREE->PENDING E1", "PENDING->ACTIVE E2", "ACTIVE->PENDING E7", "PENDING->ACTIVE E2", "ACTIVE->COMPLETED E3", "COMPLETED->FREE E8"]);
  const [d] = r.of("task:done");
  assert.equal((d.task as { itt: number }).itt, 10);
  assert.equal(r.of("task:queued").length, 1, "sent again, not queued again");
});

test("synthetic capture: ABORT TASK answered ends the command (E9); one left unanswered then the initiator's FIN is task-escalation", () => {
  const f = loggedIn();
  f.send("i", cmd({ itt: 2, cmdSN: 1 }));
  f.send("i", tmf({ itt: 3, fn: 1, ref: 2, cmdSN: 2 }));
  f.send("t", tmfRsp({ itt: 3, response: 0, statSN: 1, expCmdSN: 3 }));
  f.send("i", cmd({ itt: 4, cmdSN: 3 }));
  f.send("i", tmf({ itt: 5, fn: 5, cmdSN: 4 }));
  f.fin("i");
  const r = replay(f);
  const done = r.of("task:done");
  assert.deepEqual(done.map((d) => [(d.task as { itt: number }).itt, d.error]), [[2, "ERR_TASK_ABORTED"], [4, "ERR_TASK_ABORTED"]]);
  assert.deepEqual(r.moves("task").filter((m) => /E4|E9/.test(m)), ["ACTIVE->ABORTING E4", "ABORTING->COMPLETED E9", "ACTIVE->ABORTING E4"]);
  const [d] = r.of("conn:disconnect");
  assert.equal(d.reason, "task-escalation");
  assert.match(String(d.detail), /LOGICAL UNIT RESET/);
});

test("synthetic capture: AsyncEvent 1 then the logout it asked for (T11, T10, T13) is target-logout-request and fails the session over; AsyncEvent 2 is target-drop-connection", () => {
  const f = loggedIn();
  f.send("t", asyncMsg({ event: 1, statSN: 1, expCmdSN: 1, p3: 10 }));
  f.send("i", logoutReq({ itt: 2, cmdSN: 1 }));
  f.send("t", logoutRsp({ itt: 2, statSN: 2, expCmdSN: 2 }));
  const g = loggedIn({ iport: 49200, isid: 9, start: 1_700_000_100 });
  g.send("t", asyncMsg({ event: 2, statSN: 1, expCmdSN: 1, p2: 4 }));
  const r = replay(f, g);
  assert.deepEqual(r.moves("conn").filter((m) => /T1[0-7]|T9/.test(m)), [
    "LOGGED_IN->LOGOUT_REQUESTED T11", "LOGOUT_REQUESTED->IN_LOGOUT T10", "IN_LOGOUT->FREE T13", "LOGGED_IN->CLEANUP_WAIT T15",
  ]);
  assert.deepEqual(r.of("conn:disconnect").map((d) => d.reason), ["target-logout-request", "target-drop-connection"]);
  assert.match(String(r.of("conn:disconnect")[1].detail), /Time2Wait 4 s/);
  assert.deepEqual(r.moves("session"), ["FREE->LOGGED_IN N1", "LOGGED_IN->FAILED N5", "FREE->LOGGED_IN N1", "LOGGED_IN->FAILED N5"]);
});

test("synthetic capture: a rejected command ends without status (ERR_TASK_REJECTED); a SNACK fires its probe", () => {
  const f = loggedIn();
  const c = cmd({ itt: 2, cmdSN: 1 });
  f.send("i", c);
  f.send("t", reject({ reason: 0x09, statSN: 1, expCmdSN: 2, rejected: c }));
  f.send("i", snack({ itt: 2, begRun: 0, runLength: 0 }));
  const r = replay(f);
  assert.deepEqual(r.of("anomaly:reject").map((a) => a.itt), [2]);
  assert.match(String(r.of("anomaly:reject")[0].detail), /Invalid PDU field/);
  assert.deepEqual(r.of("task:done").map((d) => d.error), ["ERR_TASK_REJECTED"]);
  assert.equal(r.of("pdu:snack").length, 1);
});

test("synthetic capture: failed logins — 0x0201 login-failed with its status, a redirect named, an unanswered Login Request is login-timeout", () => {
  const a = new Flow({ iport: 50001 });
  a.handshake().send("i", loginReq({ isid: 1, kv: NAMES })).send("t", loginRsp({ isid: 1, status: 0x0201, tsih: 0 })).fin("t");
  const b = new Flow({ iport: 50002, start: 1_700_000_010 });
  b.handshake().send("i", loginReq({ isid: 2, kv: NAMES })).send("t", loginRsp({ isid: 2, status: 0x0101, tsih: 0, kv: "TargetAddress=[::1]:3261,2" })).fin("t");
  const c = new Flow({ iport: 50003, start: 1_700_000_020 });
  c.handshake().send("i", loginReq({ isid: 3, kv: NAMES })).fin("i");
  const r = replay(a, b, c);
  const results = r.of("login:result");
  assert.deepEqual(results.map((x) => [x.status, x.redirectedTo]), [["0x0201 Authentication failure", undefined], ["0x0101 Target moved temporarily", "::1:3261"]]);
  assert.deepEqual(r.of("conn:disconnect").map((d) => [d.reason, d.statusClass, d.statusDetail]), [
    ["login-failed", 2, 1], ["login-failed", 1, 1], ["login-timeout", undefined, undefined],
  ]);
  assert.deepEqual(r.moves("conn").filter((m) => m.endsWith("T7")), ["IN_LOGIN->FREE T7", "IN_LOGIN->FREE T7", "IN_LOGIN->FREE T7"]);
  assert.deepEqual(r.moves("session"), ["FREE->FREE -", "FREE->FREE -", "FREE->FREE -"]);
});

test("synthetic capture: reconnects refused by the target (SYN, RST) belong to the failed session: recovery, net:connect refused, connect-failed, T2", () => {
  const f = loggedIn({ start: 1_700_000_000 });
  f.fin("t");
  const refused = new Flow({ iport: 49300, start: 1_700_000_002 });
  refused.segment("i", 0x02, new Uint8Array(0), { ack: false }).rst("t");
  const r = replay(f, refused);
  assert.deepEqual(r.of("conn:disconnect").map((d) => d.reason), ["target-closed", "connect-failed"]);
  assert.deepEqual(r.of("net:connect").map((c) => [c.ok, c.error ?? null]), [[true, null], [false, "ECONNREFUSED"]]);
  assert.deepEqual(r.moves("conn").slice(-2), ["FREE->XPT_WAIT T1", "XPT_WAIT->FREE T2"]);
  assert.deepEqual(r.moves("session"), ["FREE->LOGGED_IN N1", "LOGGED_IN->FAILED N5", "FAILED->FAILED -"]);
  assert.equal(r.of("session:recovery")[0].attempt, 1);
  assert.equal(r.stats.unplaced, 0);
});

test("synthetic capture: a capture that begins mid-session: responses to commands it never saw are not anomalies; the rest is replayed", () => {
  const f = new Flow();
  f.send("t", dataIn({ itt: 40, dataSN: 3, offset: 12288, length: 4096, statSN: 17, expCmdSN: 30 })); // a command from before
  f.send("i", cmd({ itt: 41, cmdSN: 30 }));
  f.send("t", rsp({ itt: 41, statSN: 18, expCmdSN: 31 }));
  f.send("t", rsp({ itt: 42, statSN: 20, expCmdSN: 31 })); // StatSN 19 skipped: the target's fault, reported
  const r = replay(f);
  assert.equal(r.stats.midStreamSessions, 1);
  assert.equal(r.stats.unmatched, 2, "the Data-In and the response of commands sent before the capture");
  assert.deepEqual(r.fired.filter((x) => x.key.startsWith("anomaly:")).map((x) => x.args.kind), ["statsn-gap"]);
  assert.equal(r.of("task:done").length, 1);
  assert.deepEqual(r.moves("session"), [], "no login seen: LOGGED_IN from the start, no transition invented");
});

test("synthetic capture: bytes lost from the target reset the sequence checks instead of reporting the capture's hole", () => {
  const f = loggedIn();
  f.send("i", cmd({ itt: 2, cmdSN: 1 }));
  f.send("t", dataIn({ itt: 2, dataSN: 0, offset: 0, length: 1024, expCmdSN: 2 }));
  const lost = dataIn({ itt: 2, dataSN: 1, offset: 1024, length: 1024, expCmdSN: 2 });
  f.next.t += lost.length; // a segment the capture missed
  f.send("t", dataIn({ itt: 2, dataSN: 2, offset: 2048, length: 2048, statSN: 1, expCmdSN: 2 }));
  f.send("i", cmd({ itt: 3, cmdSN: 2 }));
  f.send("t", rsp({ itt: 3, statSN: 2, expCmdSN: 3 }));
  const r = replay(f);
  assert.equal(r.summary.gaps, 1);
  assert.deepEqual(r.fired.filter((x) => x.key.startsWith("anomaly:")).map((x) => x.args.kind), []);
  assert.equal(r.of("task:done").length, 2);
});

test("synthetic capture: an Async logout request and a Logout Request during login are not fed to the connection machine; the login goes on", () => {
  const f = new Flow();
  f.handshake();
  f.send("i", loginReq({ kv: NAMES, transit: false }));
  f.send("t", loginRsp({ transit: false, csg: 0 }));
  f.send("t", asyncMsg({ event: 1, statSN: 0, expCmdSN: 1 }));
  f.send("i", logoutReq({ itt: 9, cmdSN: 1 }));
  f.send("i", loginReq({ kv: "", itt: 1 }));
  f.send("t", loginRsp({}));
  const r = replay(f);
  assert.equal(r.stats.unhandled, 0, "a logout in IN_LOGIN is not sent to the machine");
  assert.deepEqual(r.moves("conn").slice(-1), ["IN_LOGIN->LOGGED_IN T5"]);
});
