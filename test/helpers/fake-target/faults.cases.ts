/**
 * The fake target's fault hooks, each shown doing what it says with raw PDUs. Registered
 * by test/helpers/fake-target.test.ts (a module that only exports, so `node --test dist/test/`
 * does not run these twice).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_TARGET_NAME as IQN, FakeTarget } from "../fake-target.js";
import { NONE, RawClient, rw10, setup } from "./raw-client.js";

type T = { after(fn: () => unknown): void };

async function loggedIn(t: T, opts: Parameters<typeof setup>[1] = {}, keys: [string, string][] = []) {
  const s = await setup(t, opts);
  await s.client.login({ target: IQN, keys });
  return { ...s, conn: s.target.connection };
}

export function registerFaultTests(): void {
  test("fake target fault: hook reject(0x09) answers with a Reject carrying the rejected header", async (t) => {
    const { target, client } = await loggedIn(t);
    target.once("scsi-command", (pdu, ctx) => (pdu.cdb[0] === 0x00 ? ctx.reject(0x09) : "default"));
    const bytes = client.send(client.command([0x00]));
    const r = await client.expect("reject");
    assert.deepEqual([r.reason, r.itt], [0x09, NONE]);
    assert.deepEqual(r.data, bytes.subarray(0, 48), "the data segment is the rejected BHS");
    client.send(client.command([0x00]));
    assert.equal((await client.expect("scsi-response")).statSN, r.statSN + 1, "once: the next one is answered");
  });

  test("fake target fault: hook drop() takes the command's CmdSN but never answers it", async (t) => {
    const { target, client } = await loggedIn(t);
    target.once("scsi-command", (_pdu, ctx) => ctx.drop());
    const cmd = client.command([0x00]);
    client.send(cmd);
    await client.silence(50);
    client.send(client.nopOut());
    assert.equal((await client.expect("nop-in")).expCmdSN, cmd.cmdSN + 1);
  });

  test("fake target fault: hook delay(ms) answers late, after later answers, StatSN in wire order", async (t) => {
    const { target, client } = await loggedIn(t);
    target.once("scsi-command", (_pdu, ctx) => ctx.delay(120));
    const t0 = performance.now();
    client.send(client.command([0x00]));
    client.send(client.nopOut());
    const nop = await client.expect("nop-in");
    const rsp = await client.expect("scsi-response");
    assert.ok(performance.now() - t0 >= 100, "the response waited");
    assert.equal(rsp.statSN, nop.statSN + 1, "StatSN stamped when sent");
  });

  test("fake target fault: hook respond() sends the test's PDUs with tags and sequence numbers filled in", async (t) => {
    const { target, client } = await loggedIn(t);
    target.once("scsi-command", (_pdu, ctx) => ctx.respond({ kind: "scsi-response", status: 0x08 }));
    const cmd = client.command([0x00]);
    client.send(cmd);
    const r = await client.expect("scsi-response");
    assert.deepEqual([r.status, r.itt, r.expCmdSN, r.maxCmdSN], [0x08, cmd.itt, cmd.cmdSN + 1, cmd.cmdSN + 32]);
  });

  test("fake target fault: sendAsync carries the AsyncEvent and its parameters", async (t) => {
    const { target, client, conn } = await loggedIn(t);
    target.sendAsync(conn, 1, { parameter3: 5 });
    const logout = await client.expect("async-message");
    assert.deepEqual([logout.asyncEvent, logout.parameter3, logout.itt], [1, 5, NONE]);
    target.sendAsync(conn, 0, { lun: 1 });
    const ua = await client.expect("async-message");
    assert.equal(ua.statSN, logout.statSN + 1, "an Async Message takes a StatSN");
    assert.equal(ua.lun, 1n << 48n);
    const sense = ua.data.subarray(2, 2 + ((ua.data[0] << 8) | ua.data[1]));
    assert.deepEqual([sense[2], sense[12], sense[13]], [0x06, 0x3f, 0x0e], "UNIT ATTENTION, REPORTED LUNS DATA HAS CHANGED");
    target.sendAsync(conn, 2, { parameter2: 3, parameter3: 20 });
    const drop = await client.expect("async-message");
    assert.deepEqual([drop.asyncEvent, drop.parameter1, drop.parameter2, drop.parameter3], [2, client.cid, 3, 20]);
  });

  test("fake target fault: sendGarbage puts bytes on the wire that frame as no PDU", async (t) => {
    const { target, client, conn } = await loggedIn(t);
    target.sendGarbage(conn, new Uint8Array(48).fill(0x3b));
    assert.match((await client.expect("framing-error")).message, /opcode 0x3b/);
  });

  test("fake target fault: corruptNextDataDigest and corruptNextHeaderDigest break one PDU's digest", async (t) => {
    const digests = { params: { HeaderDigest: "CRC32C", DataDigest: "CRC32C" } };
    const { target, client, conn } = await loggedIn(t, digests, [["HeaderDigest", "CRC32C"], ["DataDigest", "CRC32C"]]);
    target.corruptNextDataDigest(conn);
    client.send(client.nopOut({ data: new Uint8Array([1]) }));
    assert.equal((await client.expect("bad-digest")).field, "DataDigest");
    client.send(client.nopOut({ data: new Uint8Array([2]) }));
    assert.deepEqual([...(await client.expect("nop-in")).data], [2], "only one PDU");
    target.corruptNextHeaderDigest(conn);
    client.send(client.nopOut());
    assert.equal((await client.expect("bad-digest")).field, "HeaderDigest");
  });

  test("fake target fault: stall(kind) holds those answers, the connection stays open, resume() sends them", async (t) => {
    const { target, client } = await loggedIn(t);
    target.stall("scsi-command");
    const cmd = client.command([0x00]);
    client.send(cmd);
    client.send(client.nopOut());
    assert.equal((await client.expect("nop-in")).expCmdSN, cmd.cmdSN + 1, "the command was taken, its answer held");
    await client.silence(50);
    target.resume("scsi-command");
    assert.equal((await client.expect("scsi-response")).itt, cmd.itt);
    target.stall(0x00); // by opcode: NOP-Out
    client.send(client.nopOut());
    await client.silence(30);
    target.resume(0x00);
    await client.expect("nop-in");
  });

  test("fake target fault: stall('all') answers nothing, target pings included, until resumed", async (t) => {
    const { target, client, conn } = await loggedIn(t);
    target.stall("all");
    client.send(client.nopOut());
    await client.silence(30);
    void target.ping(conn).catch(() => undefined);
    await client.silence(30);
    assert.equal(conn.state, "full-feature");
    target.resume();
    const got = [await client.expect("nop-in"), await client.expect("nop-in")];
    assert.deepEqual(got.map((p) => p.ttt === NONE), [true, false], "the echo, then the held ping, in order");
  });

  test("fake target fault: closeConnection() over TCP with RST and with FIN", async (t) => {
    const target = await FakeTarget.start();
    t.after(() => target.stop());
    for (const how of ["rst", "fin"] as const) {
      const client = await RawClient.tcp(target.port);
      await client.login({ target: IQN });
      target.closeConnection(target.connection, how);
      assert.equal((await client.ended).how, how === "rst" ? "reset" : "fin");
    }
  });

  test("fake target fault: closeDuringLogin() closes the connection without a Login Response", async (t) => {
    const { target, client } = await setup(t);
    target.closeDuringLogin();
    client.send(client.loginRequest({ csg: 0, nsg: 1, transit: true, pairs: [["InitiatorName", "iqn.x:y"], ["TargetName", IQN]] }));
    assert.equal((await client.ended).how, "fin");
    assert.equal(target.log.sent("login-response").length, 0);
  });

  test("fake target fault: setWindow({ closed }) stops MaxCmdSN; once the granted window is used, commands are ignored; reopening announces it", async (t) => {
    const { target, client } = await loggedIn(t, { window: 1 });
    target.setWindow({ closed: true });
    const granted = client.command([0x00]);
    client.send(granted);
    assert.equal((await client.expect("scsi-response")).itt, granted.itt, "a CmdSN already granted is still taken (RFC 7143 §4.2.2.1)");
    client.send(client.nopOut());
    const held = await client.expect("nop-in");
    assert.equal(held.maxCmdSN, held.expCmdSN - 1);
    const cmd = client.command([0x00]);
    client.send(cmd);
    await client.silence(50);
    assert.match(target.log.events("out-of-window")[0].detail, new RegExp(`CmdSN ${cmd.cmdSN} outside`));
    target.setWindow({ closed: false });
    const open = await client.expect("nop-in");
    assert.deepEqual([open.itt, open.ttt, open.maxCmdSN], [NONE, NONE, open.expCmdSN]);
    client.send({ ...cmd, expStatSN: client.expStatSN });
    assert.equal((await client.expect("scsi-response")).itt, cmd.itt, "the same CmdSN is taken once the window opens");
  });

  test("fake target fault: skipStatSN(n) leaves a gap of n in StatSN", async (t) => {
    const { target, client } = await loggedIn(t);
    client.send(client.nopOut());
    const a = await client.expect("nop-in");
    target.skipStatSN(3);
    client.send(client.nopOut());
    assert.equal((await client.expect("nop-in")).statSN, a.statSN + 4);
  });

  test("fake target fault: skipDataSN() and wrongBufferOffset() bend the next Data-In of a read", async (t) => {
    const { target, client } = await loggedIn(t, {}, [["MaxRecvDataSegmentLength", "4096"]]);
    const readAll = async () => {
      client.send(client.command(rw10(0x28, 0, 32), { read: 16384 }));
      const ins = [];
      for (let d = await client.expect("data-in"); ; d = await client.expect("data-in")) {
        ins.push(d);
        if (d.statusPresent) return ins;
      }
    };
    target.skipDataSN();
    assert.deepEqual((await readAll()).map((d) => d.dataSN), [1, 2, 3, 4]);
    target.wrongBufferOffset(512);
    assert.deepEqual((await readAll()).map((d) => d.bufferOffset), [512, 4096, 8192, 12288]);
  });

  test("fake target: bad input from the initiator is answered with a Reject or a close, never a crash", async (t) => {
    const { target, client } = await setup(t);
    client.send(client.command([0x00]));
    const early = await client.expect("login-response");
    assert.deepEqual([early.statusClass, early.statusDetail], [2, 0x0b], "invalid request during login");
    assert.equal((await client.ended).how, "fin");
    const c = await RawClient.memory(target.transport());
    await c.login({ target: IQN });
    const reason = async (bytes: Uint8Array) => {
      c.sendBytes(bytes);
      const r = await c.expect("reject");
      assert.deepEqual(r.data, bytes.subarray(0, 48));
      return r.reason;
    };
    assert.equal(await reason(c.encode({ kind: "nop-in", lun: 0n, itt: 1, ttt: NONE, statSN: 0, expCmdSN: 0, maxCmdSN: 0, ahs: [], data: new Uint8Array(0) })), 0x04);
    assert.equal(await reason(c.encode({ kind: "data-out", final: true, lun: 0n, itt: 999, ttt: NONE, expStatSN: 0, dataSN: 0, bufferOffset: 0, ahs: [], data: new Uint8Array(4) })), 0x09);
    assert.equal(await reason(c.encode({ kind: "snack", type: 0, lun: 0n, itt: 1, ttt: NONE, expStatSN: 0, begRun: 0, runLength: 0, ahs: [], data: new Uint8Array(0) })), 0x04);
    const vendor = new Uint8Array(48);
    vendor[0] = 0x1c;
    assert.equal(await reason(vendor), 0x05);
    const reserved = new Uint8Array(48);
    reserved[0] = 0x0f;
    assert.equal(await reason(reserved), 0x04, "an opcode RFC 7143 does not define");
    assert.equal((await c.ended).how, "fin", "then the stream is out of step: closed");
    assert.ok(target.log.events("protocol-error").length >= 4);
  });
}
