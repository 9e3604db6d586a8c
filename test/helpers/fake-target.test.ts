/**
 * The fake target proves itself with raw PDUs (built with src/wire's encodePdu, no
 * initiator) over its in-memory transport and over TCP; fault hooks are proven in
 * fake-target/faults.cases.ts, interoperability with libiscsi in fake-target/libiscsi.cases.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { decodeText, encodeText, TextAccumulator, type TextPair } from "../../src/wire/text.js";
import type { TextResponse } from "../../src/wire/types.js";
import { FakeTarget, DEFAULT_TARGET_NAME as IQN } from "./fake-target.js";
import { registerFaultTests } from "./fake-target/faults.cases.js";
import { registerLibiscsiTests } from "./fake-target/libiscsi.cases.js";
import { NONE, RawClient, rw10, setup } from "./fake-target/raw-client.js";

const get = (pairs: readonly TextPair[], k: string): string | undefined => pairs.find(([key]) => key === k)?.[1];

test("fake target: login without authentication reaches full feature phase with TSIH, StatSN and window", async (t) => {
  const { target, client } = await setup(t, { params: { MaxBurstLength: 65536, InitialR2T: "No" }, window: 8 });
  client.cmdSN = 77;
  const first = await client.loginStep({ csg: 0, nsg: 1, transit: true, pairs: [
    ["InitiatorName", "iqn.2024-01.test:i"], ["TargetName", IQN], ["AuthMethod", "None"],
  ] });
  assert.equal(first.rsp.statusClass, 0);
  assert.ok(first.rsp.transit && first.rsp.nsg === 1, "security stage -> operational");
  assert.equal(get(first.pairs, "AuthMethod"), "None");
  assert.equal(get(first.pairs, "TargetPortalGroupTag"), "1", "RFC 7143 §13.9: TPGT in the first response");
  assert.equal(first.rsp.statSN, 0x1000, "initial StatSN");
  assert.equal(first.rsp.tsih, 0);
  const op = await client.loginStep({ csg: 1, nsg: 3, transit: true, pairs: [
    ["MaxBurstLength", "262144"], ["InitialR2T", "Yes"], ["ImmediateData", "No"], ["MaxRecvDataSegmentLength", "4096"],
    ["X-org.example-Thing", "1"],
  ] });
  assert.deepEqual(op.pairs, [
    ["MaxBurstLength", "65536"], ["InitialR2T", "Yes"], ["ImmediateData", "No"],
    ["X-org.example-Thing", "NotUnderstood"], ["MaxRecvDataSegmentLength", "8192"],
  ], "Min, OR, AND result functions; unknown key NotUnderstood; the target declares its MRDSL");
  assert.ok(op.rsp.transit && op.rsp.nsg === 3 && op.rsp.csg === 1);
  assert.equal(op.rsp.tsih, 1, "TSIH assigned in the final response");
  assert.equal(op.rsp.statSN, 0x1001, "every Login Response takes a StatSN");
  assert.equal(op.rsp.expCmdSN, 77, "ExpCmdSN = the login's CmdSN (immediate, not advanced)");
  assert.equal(op.rsp.maxCmdSN, 77 + 8 - 1, "window of 8");
  const conn = await target.nextLogin();
  assert.deepEqual(target.connection.session?.params?.maxBurstLength, 65536);
  assert.equal(conn.state, "full-feature");
  assert.equal(conn.params.initiatorMRDSL, 4096);
});

test("fake target: the target offers a configured key the initiator left out and waits for the answer", async (t) => {
  const { client } = await setup(t, { params: { MaxOutstandingR2T: 4 } });
  await client.loginStep({ csg: 0, nsg: 1, transit: true, pairs: [["InitiatorName", "iqn.2024-01.test:i"], ["TargetName", IQN]] });
  const op = await client.loginStep({ csg: 1, nsg: 3, transit: true, pairs: [] });
  assert.equal(get(op.pairs, "MaxOutstandingR2T"), "4");
  assert.equal(op.rsp.transit, false, "no transit while its offer is unanswered");
  const done = await client.loginStep({ csg: 1, nsg: 3, transit: true, pairs: [["MaxOutstandingR2T", "2"]] });
  assert.ok(done.rsp.transit && done.rsp.tsih > 0);
});

/** MD5(id ‖ secret ‖ challenge), the initiator's side of CHAP computed here, not by the target. */
function chapR(id: number, secret: string, challengeHex: string): string {
  const h = createHash("md5").update(Buffer.from([id])).update(secret).update(Buffer.from(challengeHex.replace(/^0x/i, ""), "hex"));
  return `0x${h.digest("hex")}`;
}

const CHAP = { accounts: [{ user: "alice", secret: "alice-secret-12" }], target: { user: "iqn.target", secret: "target-secret-1" } };

async function chapLogin(client: RawClient, secret: string, mutual?: { id: number; challenge: string }) {
  const a = await client.loginStep({ csg: 0, nsg: 1, transit: false, pairs: [
    ["InitiatorName", "iqn.2024-01.test:i"], ["TargetName", IQN], ["AuthMethod", "CHAP,None"],
  ] });
  assert.equal(get(a.pairs, "AuthMethod"), "CHAP");
  const b = await client.loginStep({ csg: 0, nsg: 1, transit: false, pairs: [["CHAP_A", "7,5"]] });
  assert.equal(get(b.pairs, "CHAP_A"), "5", "MD5 picked from the list");
  const id = Number(get(b.pairs, "CHAP_I"));
  const challenge = get(b.pairs, "CHAP_C")!;
  assert.match(challenge, /^0x[0-9a-f]{32}$/);
  const pairs: TextPair[] = [["CHAP_N", "alice"], ["CHAP_R", chapR(id, secret, challenge)]];
  if (mutual) pairs.push(["CHAP_I", String(mutual.id)], ["CHAP_C", mutual.challenge]);
  return client.loginStep({ csg: 0, nsg: 1, transit: true, pairs });
}

test("fake target: CHAP login with the initiator's CHAP_R computed in the test", async (t) => {
  const { client } = await setup(t, { targets: [{ name: IQN, chap: CHAP }] });
  const c = await chapLogin(client, "alice-secret-12");
  assert.equal(c.rsp.statusClass, 0);
  assert.ok(c.rsp.transit && c.rsp.nsg === 1, "authenticated: on to the operational stage");
  const op = await client.loginStep({ csg: 1, nsg: 3, transit: true, pairs: [] });
  assert.ok(op.rsp.transit && op.rsp.tsih > 0);
});

test("fake target: mutual CHAP answers with the target's CHAP_N and a CHAP_R the test verifies", async (t) => {
  const { client } = await setup(t, { targets: [{ name: IQN, chap: CHAP }] });
  const challenge = "0x00112233445566778899aabbccddeeff";
  const c = await chapLogin(client, "alice-secret-12", { id: 42, challenge });
  assert.equal(get(c.pairs, "CHAP_N"), "iqn.target");
  assert.equal(get(c.pairs, "CHAP_R"), chapR(42, "target-secret-1", challenge));
  assert.ok(c.rsp.transit);
});

test("fake target: a wrong CHAP secret fails the login with 0x0201 and closes the connection", async (t) => {
  const { target, client } = await setup(t, { targets: [{ name: IQN, chap: CHAP }] });
  const c = await chapLogin(client, "not-the-secret");
  assert.deepEqual([c.rsp.statusClass, c.rsp.statusDetail], [2, 1]);
  assert.deepEqual(await client.ended, { how: "fin", code: undefined });
  assert.match(target.log.events("login-failed")[0].detail, /CHAP_R of "alice" does not match/);
});

test("fake target: login status is configurable (0x0101 redirect with TargetAddress) and 0x0203 for an unknown target", async (t) => {
  const { target, client } = await setup(t, { loginStatus: { status: 0x0101, targetAddress: "127.0.0.1:3261,1" } });
  const r = await client.loginStep({ csg: 0, nsg: 1, transit: true, pairs: [["InitiatorName", "iqn.2024-01.test:i"], ["TargetName", IQN]] });
  assert.deepEqual([r.rsp.statusClass, r.rsp.statusDetail], [1, 1]);
  assert.deepEqual(r.pairs, [["TargetAddress", "127.0.0.1:3261,1"]]);
  target.setLoginStatus(undefined);
  const other = await RawClient.memory(target.transport());
  const nf = await other.loginStep({ csg: 0, nsg: 1, transit: true, pairs: [["InitiatorName", "iqn.2024-01.test:i"], ["TargetName", "iqn.nope"]] });
  assert.deepEqual([nf.rsp.statusClass, nf.rsp.statusDetail], [2, 3]);
});

test("fake target: SendTargets=All continued over several Text Responses with the C bit and one TTT", async (t) => {
  const names = ["iqn.2003-01.org.example:alpha", "iqn.2003-01.org.example:beta", "iqn.2003-01.org.example:gamma"];
  const { client } = await setup(t, { targets: names.map((name) => ({ name })), textChunk: 40 });
  await client.login();
  const acc = new TextAccumulator();
  const itt = client.itt();
  const rsps: TextResponse[] = [];
  let ttt = NONE;
  for (let i = 0; i < 20; i++) {
    client.send({ kind: "text-request", immediate: false, final: true, continue: false, lun: 0n, itt, ttt,
      cmdSN: client.cmdSN++, expStatSN: client.expStatSN, ahs: [], data: i === 0 ? encodeText([["SendTargets", "All"]]) : new Uint8Array(0) });
    const r = await client.expect("text-response");
    rsps.push(r);
    assert.ok(r.data.length <= 40);
    const pairs = acc.add(r.data, r.continue);
    if (pairs) {
      assert.deepEqual(pairs.filter(([k]) => k === "TargetName").map(([, v]) => v), names);
      assert.deepEqual(get(pairs, "TargetAddress"), "127.0.0.1:3260,1");
      break;
    }
    ttt = r.ttt;
  }
  assert.ok(rsps.length >= 3, `answer split over ${rsps.length} responses`);
  assert.ok(rsps.slice(0, -1).every((r) => r.continue && !r.final && r.ttt === rsps[0].ttt && r.ttt !== NONE));
  const last = rsps.at(-1)!;
  assert.ok(last.final && !last.continue && last.ttt === NONE);
});

test("fake target: a Text Request the initiator continues (C bit) is acknowledged with a TTT, then answered", async (t) => {
  const { client } = await setup(t);
  await client.login();
  const itt = client.itt();
  const text = encodeText([["SendTargets", "All"]]);
  const part = (data: Uint8Array, more: boolean, ttt: number) => client.send({ kind: "text-request", immediate: false,
    final: !more, continue: more, lun: 0n, itt, ttt, cmdSN: client.cmdSN++, expStatSN: client.expStatSN, ahs: [], data });
  part(text.subarray(0, 6), true, NONE);
  const ack = await client.expect("text-response");
  assert.ok(!ack.final && !ack.continue && ack.ttt !== NONE && ack.data.length === 0);
  part(text.subarray(6), false, ack.ttt);
  const r = await client.expect("text-response");
  assert.ok(r.final);
  assert.equal(get(decodeText(r.data), "TargetName"), IQN);
});

test("fake target: WRITE with immediate data, unsolicited Data-Out and R2Ts, then READ returns the data in Data-In", async (t) => {
  const { target, client } = await setup(t, {
    params: { InitialR2T: "No", FirstBurstLength: 8192, MaxBurstLength: 16384, MaxOutstandingR2T: 2 },
  });
  await client.login({ target: IQN, keys: [["InitialR2T", "No"], ["MaxRecvDataSegmentLength", "4096"], ["MaxOutstandingR2T", "2"]] });
  const payload = Uint8Array.from({ length: 65536 }, (_, i) => (i * 7 + (i >> 9)) & 0xff);
  const cmd = client.command(rw10(0x2a, 100, 128), { write: 65536, lun: 1, data: payload.subarray(0, 4096) });
  client.send(cmd);
  client.send({ kind: "data-out", final: true, lun: cmd.lun, itt: cmd.itt, ttt: NONE, expStatSN: client.expStatSN,
    dataSN: 0, bufferOffset: 4096, ahs: [], data: payload.subarray(4096, 8192) });
  const r2ts = [];
  for (let i = 0; i < 8 && r2ts.length < 4; i++) {
    const p = await client.next();
    assert.equal(p.kind, "r2t");
    if (p.kind !== "r2t") break;
    r2ts.push(p);
    // Data-Out PDUs of at most the target's MaxRecvDataSegmentLength (8192), DataSN from 0 per R2T.
    for (let o = 0, sn = 0; o < p.desiredDataTransferLength; o += 8192, sn++) {
      const len = Math.min(8192, p.desiredDataTransferLength - o);
      client.send({ kind: "data-out", final: o + len === p.desiredDataTransferLength, lun: cmd.lun, itt: cmd.itt, ttt: p.ttt,
        expStatSN: client.expStatSN, dataSN: sn, bufferOffset: p.bufferOffset + o, ahs: [],
        data: payload.subarray(p.bufferOffset + o, p.bufferOffset + o + len) });
    }
  }
  assert.deepEqual(r2ts.map((r) => [r.r2tSN, r.bufferOffset, r.desiredDataTransferLength]),
    [[0, 8192, 16384], [1, 24576, 16384], [2, 40960, 16384], [3, 57344, 8192]], "MaxBurstLength-sized R2Ts after the first burst");
  const status = await client.expect("scsi-response");
  assert.deepEqual([status.status, status.expDataSN, status.itt], [0, 4, cmd.itt]);
  assert.deepEqual(target.lun(1).disk.read(100, 128), payload, "the disk holds the written data");

  const read = client.command(rw10(0x28, 100, 128), { read: 65536, lun: 1 });
  client.send(read);
  const got = new Uint8Array(65536);
  const ins = [];
  for (;;) {
    const d = await client.expect("data-in");
    ins.push(d);
    got.set(d.data, d.bufferOffset);
    if (d.statusPresent) break;
  }
  assert.deepEqual(got, payload);
  assert.equal(ins.length, 16, "4096-byte Data-In PDUs: the initiator's MaxRecvDataSegmentLength");
  assert.deepEqual(ins.map((d) => d.dataSN), [...Array(16).keys()]);
  assert.deepEqual(ins.map((d, i) => [i, d.final]).filter(([, f]) => f).map(([i]) => i), [3, 7, 11, 15], "F ends each 16 KiB sequence");
  assert.ok(ins.slice(0, -1).every((d) => !d.statusPresent), "status collapsed into the last Data-In only");
  assert.equal(ins.at(-1)!.status, 0);
});

test("fake target: over TCP a READ returns what a WRITE with immediate data stored", async (t) => {
  const target = await FakeTarget.start();
  t.after(() => target.stop());
  const client = await RawClient.tcp(target.port);
  const { final } = await client.login({ target: IQN });
  assert.ok(final.transit);
  const data = new Uint8Array(1024).fill(0x5a);
  client.send(client.command(rw10(0x2a, 7, 2), { write: 1024, lun: 1, data }));
  assert.equal((await client.expect("scsi-response")).status, 0);
  client.send(client.command(rw10(0x28, 7, 2), { read: 1024, lun: 1 }));
  const d = await client.expect("data-in");
  assert.ok(d.statusPresent);
  assert.deepEqual(new Uint8Array(d.data), data);
  client.close();
});

test("fake target: NOP-Out is echoed as NOP-In with its ITT and data; a target ping gets the initiator's echo", async (t) => {
  const { target, client } = await setup(t);
  await client.login({ target: IQN });
  const ping = client.nopOut({ data: new Uint8Array([1, 2, 3, 4, 5]) });
  client.send(ping);
  const echo = await client.expect("nop-in");
  assert.equal(echo.itt, (ping as { itt: number }).itt);
  assert.equal(echo.ttt, NONE);
  assert.deepEqual([...echo.data], [1, 2, 3, 4, 5]);
  const answered = target.ping(target.connection, new Uint8Array([9]));
  const tping = await client.expect("nop-in");
  assert.equal(tping.itt, NONE);
  assert.notEqual(tping.ttt, NONE);
  client.send(client.nopOut({ itt: NONE, ttt: tping.ttt, data: tping.data }));
  assert.equal((await answered).ttt, tping.ttt);
});

test("fake target: with nopInterval it pings each logged-in connection with NOP-In on its own", async (t) => {
  const { target, client } = await setup(t, { nopInterval: 25 });
  await client.login({ target: IQN });
  for (let i = 0; i < 2; i++) {
    const ping = await client.expect("nop-in", 500);
    assert.deepEqual([ping.itt, ping.ttt !== NONE], [NONE, true]);
    client.send(client.nopOut({ itt: NONE, ttt: ping.ttt }));
  }
  await target.log.waitFor((e) => e.dir === "in" && e.pdu.kind === "nop-out" && e.pdu.itt === NONE);
});

test("fake target: unknown SCSI opcode is CHECK CONDITION, ILLEGAL REQUEST 0x20/0x00 in fixed-format sense", async (t) => {
  const { client } = await setup(t);
  await client.login({ target: IQN });
  client.send(client.command([0xc7], { read: 64 }));
  const r = await client.expect("scsi-response");
  assert.equal(r.status, 0x02);
  const senseLength = (r.data[0] << 8) | r.data[1];
  const sense = r.data.subarray(2, 2 + senseLength);
  assert.deepEqual([sense[0], sense[2] & 0x0f, sense[12], sense[13]], [0x70, 0x05, 0x20, 0x00]);
  assert.ok(r.underflow && r.residualCount === 64);
});

test("fake target: INQUIRY VPD 0x83, READ CAPACITY(16) and REPORT LUNS describe the configured LUNs", async (t) => {
  const { client } = await setup(t, { targets: [{ name: IQN, luns: [0, { lun: 3, blocks: 4096 }] }] });
  await client.login({ target: IQN });
  client.send(client.command([0xa0, 0, 0, 0, 0, 0, 0, 0, 1, 0], { read: 256 }));
  const luns = await client.expect("data-in");
  assert.deepEqual([...luns.data.subarray(0, 24)], [0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0]);
  client.send(client.command([0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0], { read: 32, lun: 3 }));
  const cap = await client.expect("data-in");
  assert.equal(Buffer.from(cap.data).readBigUInt64BE(0), 4095n);
  assert.equal(Buffer.from(cap.data).readUInt32BE(8), 512);
  client.send(client.command([0x12, 1, 0x83, 0, 255], { read: 255, lun: 3 }));
  const vpd = await client.expect("data-in");
  assert.deepEqual([vpd.data[1], vpd.data[5] & 0x0f, vpd.data[7], vpd.data[8] >> 4], [0x83, 3, 16, 6], "NAA 6 designator first");
});

test("fake target: ABORT TASK completes a held task, reports a finished one as not existing; LU RESET completes", async (t) => {
  const { target, client } = await setup(t);
  await client.login({ target: IQN });
  target.stall("scsi-command");
  const cmd = client.command([0x00]);
  client.send(cmd);
  await client.silence(50);
  const tmf = (fn: number, ref: number, refCmdSN: number) => client.send({ kind: "task-request", immediate: true, function: fn,
    lun: 0n, itt: client.itt(), referencedTaskTag: ref, cmdSN: client.cmdSN, expStatSN: client.expStatSN, refCmdSN, expDataSN: 0, ahs: [], data: new Uint8Array(0) });
  tmf(1, cmd.itt, cmd.cmdSN);
  assert.equal((await client.expect("task-response")).response, 0, "function complete");
  target.resume();
  await client.silence(30);
  tmf(1, cmd.itt, cmd.cmdSN);
  assert.equal((await client.expect("task-response")).response, 1, "task does not exist");
  tmf(5, NONE, 0);
  assert.equal((await client.expect("task-response")).response, 0);
});

test("fake target: Logout answers with a Logout Response, then closes the connection", async (t) => {
  const { target, client } = await setup(t);
  await client.login({ target: IQN });
  client.send({ kind: "logout-request", immediate: true, reasonCode: 0, itt: client.itt(), cid: client.cid,
    cmdSN: client.cmdSN, expStatSN: client.expStatSN, ahs: [], data: new Uint8Array(0) });
  const r = await client.expect("logout-response");
  assert.equal(r.response, 0);
  assert.equal((await client.ended).how, "fin");
  assert.equal(target.sessions.length, 0);
});

test("fake target: digests are checked on what arrives and computed on what leaves once negotiated", async (t) => {
  const { target, client } = await setup(t, { params: { HeaderDigest: "CRC32C", DataDigest: "CRC32C" } });
  const { pairs } = await client.login({ target: IQN, keys: [["HeaderDigest", "None,CRC32C"], ["DataDigest", "CRC32C,None"]] });
  assert.deepEqual([get(pairs, "HeaderDigest"), get(pairs, "DataDigest")], ["CRC32C", "CRC32C"]);
  client.send(client.nopOut({ data: new Uint8Array(10).fill(1) }));
  assert.deepEqual([...(await client.expect("nop-in")).data], Array(10).fill(1), "NOP-In with both digests decodes");
  const bad = client.encode(client.nopOut({ data: new Uint8Array(8) }));
  bad[bad.length - 1] ^= 1;
  client.sendBytes(bad);
  const rej = await client.expect("reject");
  assert.equal(rej.reason, 0x02, "data digest error");
  assert.deepEqual(rej.data, bad.subarray(0, 48));
  const hdr = client.encode(client.nopOut());
  hdr[48] ^= 1;
  client.sendBytes(hdr);
  assert.equal((await client.ended).how, "fin", "a header digest error closes the connection");
  assert.equal(target.log.events("header-digest-error").length, 1);
});

test("fake target: two sessions get distinct TSIHs and the discovery session answers SendTargets with its portals", async (t) => {
  const { target, client } = await setup(t, { addresses: ["192.0.2.1:3260", "[2001:db8::1]:3260,7"] });
  const a = await client.login({ target: IQN });
  const other = await RawClient.memory(target.transport());
  const b = await other.login();
  assert.notEqual(a.final.tsih, b.final.tsih);
  other.send({ kind: "text-request", immediate: false, final: true, continue: false, lun: 0n, itt: other.itt(), ttt: NONE,
    cmdSN: other.cmdSN++, expStatSN: other.expStatSN, ahs: [], data: encodeText([["SendTargets", "All"]]) });
  const r = await other.expect("text-response");
  assert.deepEqual(decodeText(r.data), [["TargetName", IQN], ["TargetAddress", "192.0.2.1:3260,1"], ["TargetAddress", "[2001:db8::1]:3260,7"]]);
});

registerFaultTests();
registerLibiscsiTests();
