/**
 * The initiator against a real target, tgtd, started privately on loopback: discovery (as
 * libiscsi's iscsi-ls sees it), logins with None / CHAP / mutual CHAP / a wrong secret,
 * digests, the R2T path, large transfers, random data at many LBAs, 8 sessions at once, NOP
 * keepalive both ways, logout. Each scenario runs under a tcpdump capture; the counters the
 * bus fed (src/stat) must equal what tshark counts in that capture, per opcode and in bytes.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { LoginError } from "../../src/errors.js";
import { Initiator } from "../../src/initiator/initiator.js";
import type { SessionOptions } from "../../src/initiator/options.js";
import type { ScsiSession } from "../../src/initiator/scsi-session.js";
import { ProbeBus } from "../../src/probe/bus.js";
import type { DisconnectArgs } from "../../src/probe/catalog.js";
import { decodeCapture, type PduEvent } from "../../src/capture/index.js";
import { IscsiStats } from "../../src/stat/collector.js";
import { startCapture } from "../helpers/tcpdump.js";
import { startTgtd, type Tgtd } from "../helpers/tgtd.js";
import { tsharkPdus, type TsharkPdu } from "../helpers/tshark.js";
import { run } from "../../src/cli/peers/run.js";

const IQN = {
  plain: "iqn.2026-11.io.iscsiscope.test:plain",
  chap: "iqn.2026-11.io.iscsiscope.test:chap",
  mutual: "iqn.2026-11.io.iscsiscope.test:mutual",
  digest: "iqn.2026-11.io.iscsiscope.test:digest",
  r2t: "iqn.2026-11.io.iscsiscope.test:r2t",
  nop: "iqn.2026-11.io.iscsiscope.test:nop",
};
const CHAP = { user: "iscsiscope-user", secret: "initiator-secret-42" };
const MUTUAL = { user: "iscsiscope-target", secret: "target-secret-4242" };

let tgtd: Tgtd;

before(async () => {
  tgtd = await startTgtd();
  await tgtd.addTarget({ iqn: IQN.plain, luns: [{ size: "64M" }, { size: "16M" }] });
  await tgtd.addTarget({ iqn: IQN.chap, luns: [{ size: "16M" }], chap: CHAP });
  await tgtd.addTarget({ iqn: IQN.mutual, luns: [{ size: "16M" }], chap: { user: "mutual-user", secret: "mutual-init-secret-1" }, mutualChap: MUTUAL });
  await tgtd.addTarget({ iqn: IQN.digest, luns: [{ size: "16M" }], params: { HeaderDigest: "CRC32C", DataDigest: "CRC32C" } });
  await tgtd.addTarget({
    iqn: IQN.r2t, luns: [{ size: "64M" }],
    params: { InitialR2T: "Yes", ImmediateData: "No", FirstBurstLength: 8192, MaxBurstLength: 16384, MaxRecvDataSegmentLength: 4096 },
  });
  await tgtd.addTarget({ iqn: IQN.nop, luns: [{ size: "16M" }], params: { nop_interval: 1, nop_count: 3 } });
});

after(async () => {
  await tgtd?.stop();
});

interface Run {
  ini: Initiator;
  bus: ProbeBus;
  stats: IscsiStats;
  events: string[];
  disconnects: DisconnectArgs[];
  opts(iqn: string, extra?: Partial<SessionOptions>): SessionOptions;
}

/** Run `fn` under a capture; then compare the counters with tshark's view of the capture. */
async function captured(fn: (r: Run) => Promise<void>): Promise<{ r: Run; pdus: TsharkPdu[] }> {
  // A 64 MiB capture buffer: tcpdump on lo drops frames under bursts of small PDUs otherwise.
  const cap = await startCapture({ port: tgtd.port, bufferKiB: 65536 });
  const bus = new ProbeBus();
  const r: Run = {
    ini: new Initiator({ bus }), bus, stats: new IscsiStats(bus), events: [], disconnects: [],
    opts: (iqn, extra = {}) => ({ targetName: iqn, portals: [{ host: "127.0.0.1", port: tgtd.port }], ...extra }),
  };
  bus.subscribe("state-change", (a, p) => {
    const x = a as { rfc: string; from: string; to: string };
    if (p.fn !== "task") r.events.push(`${p.fn} ${x.rfc} ${x.from}->${x.to}`);
  });
  bus.on("conn:disconnect", (a) => { r.disconnects.push(a); r.events.push(`disconnect ${a.reason}`); });
  bus.on("login:result", (a) => { r.events.push(`login ${a.status}`); });
  try {
    await fn(r);
  } catch (e) {
    // Stop tcpdump before failing: a capture left running keeps the test process alive.
    await cap.stop().then(() => cap.remove?.(), () => undefined);
    throw e;
  } finally {
    await r.ini.close();
    r.stats.close();
  }
  const file = await cap.stop();
  assert.equal(cap.dropped, 0, "tcpdump dropped packets: the comparison would be unfair");
  const pdus = await tsharkPdus(file, { port: tgtd.port, raw: false });
  try {
    await countersMatch(r.stats, pdus, file, tgtd.port);
  } finally {
    await cap.remove?.();
  }
  return { r, pdus };
}

const STAT_OF_OPCODE: Record<number, string> = {
  0x00: "noptx_pdus", 0x01: "scsicmd_pdus", 0x02: "tmfcmd_pdus", 0x03: "login_pdus", 0x04: "text_pdus",
  0x05: "dataout_pdus", 0x06: "logout_pdus", 0x10: "snack_pdus", 0x20: "noprx_pdus", 0x21: "scsirsp_pdus",
  0x22: "tmfrsp_pdus", 0x23: "loginrsp_pdus", 0x24: "textrsp_pdus", 0x25: "datain_pdus", 0x26: "logoutrsp_pdus",
  0x31: "r2t_pdus", 0x32: "async_pdus", 0x3f: "rjt_pdus",
};

/** Wire bytes of a PDU as tshark saw it: header, AHS, digests, data and padding. */
function wireBytes(p: TsharkPdu): number {
  const dsl = p.dataSegmentLength;
  return 48 + p.totalAHSLength * 4 + (p.headerDigest !== undefined ? 4 : 0) + dsl + ((4 - (dsl & 3)) & 3) +
    (p.dataDigest !== undefined && dsl > 0 ? 4 : 0);
}

/** Per-opcode PDU counts and tx/rx bytes from a list of PDUs (opcode, wire bytes). */
function tally(pdus: Array<{ opcode: number; bytes: number }>): Record<string, number> {
  const out: Record<string, number> = { cntr_tx_bytes: 0, cntr_rx_bytes: 0 };
  for (const p of pdus) {
    const stat = STAT_OF_OPCODE[p.opcode];
    out[stat] = (out[stat] ?? 0) + 1;
    out[p.opcode & 0x20 ? "cntr_rx_bytes" : "cntr_tx_bytes"] += p.bytes;
  }
  return out;
}

/**
 * Every per-opcode counter and the tx/rx byte counts equal tshark's, summed over all
 * connections. tshark 4.0 loses a PDU that starts in the last bytes of a TCP segment (and
 * may lose the rest of its stream: test/capture/tshark-differences.test.ts), which the
 * large segments of loopback make happen now and then; when tshark counts fewer, every
 * PDU it did see must be in our own decoding of the same capture (itself held against
 * tshark on the fixtures), and the counters must equal that decoding.
 */
async function countersMatch(stats: IscsiStats, pdus: TsharkPdu[], file: string, port: number): Promise<void> {
  const ours: Record<string, number> = {};
  for (const k of stats.snapshot()) {
    if (k.class !== "iscsi_conn") continue;
    for (const [name, v] of Object.entries(k.data)) if (typeof v === "number") ours[name] = (ours[name] ?? 0) + v;
  }
  const names = [...new Set(Object.values(STAT_OF_OPCODE)), "cntr_tx_bytes", "cntr_rx_bytes"];
  const theirs = tally(pdus.map((p) => ({ opcode: p.opcode, bytes: wireBytes(p) })));
  if (names.every((s) => (ours[s] ?? 0) === (theirs[s] ?? 0))) return;
  const decoded: PduEvent[] = [];
  await decodeCapture(file, (e) => { if (e.type === "pdu") decoded.push(e); }, { ports: [port] });
  const seen = new Set(decoded.map((e) => `${e.frame}/${e.opcode}/${"itt" in e.pdu ? e.pdu.itt : ""}`));
  for (const p of pdus) assert.ok(seen.has(`${p.frame}/${p.opcode}/${p.itt ?? ""}`), `tshark's PDU in frame ${p.frame} (opcode ${p.opcode}) is in our decoding`);
  const mine = tally(decoded.map((e) => ({ opcode: e.opcode, bytes: e.length })));
  for (const s of names) {
    assert.equal(ours[s] ?? 0, mine[s] ?? 0, `${s}: counters say ${ours[s] ?? 0}, the capture holds ${mine[s] ?? 0} (tshark found ${theirs[s] ?? 0})`);
  }
}

const LOGIN_SEQUENCE = ["conn T1 FREE->XPT_WAIT", "conn T4 XPT_WAIT->IN_LOGIN", "login 0x0000 Success", "conn T5 IN_LOGIN->LOGGED_IN", "session N1 FREE->LOGGED_IN"];
const LOGOUT_SEQUENCE = ["conn T9 LOGGED_IN->IN_LOGOUT", "disconnect user-logout", "conn T13 IN_LOGOUT->FREE", "session N3 LOGGED_IN->FREE"];

/** `expected` appears in `events` in order (other events may sit between). */
function inOrder(events: string[], expected: string[]): void {
  let i = 0;
  for (const e of events) if (e === expected[i]) i++;
  assert.equal(i, expected.length, `expected in order: ${expected.join(" | ")}\ngot: ${events.join(" | ")}`);
}

test("tgtd: discovery lists the same targets and portals as libiscsi's iscsi-ls", async () => {
  const ls = await run("iscsi-ls", [`iscsi://127.0.0.1:${tgtd.port}`]);
  const theirs = ls.stdout.trim().split("\n").map((l) => l.replace(/^Target:(\S+) Portal:(\S+)$/, "$1 $2")).sort();
  const { r } = await captured(async (r) => {
    const found = await r.ini.discover(`127.0.0.1:${tgtd.port}`);
    const ours = found.flatMap((t) => t.portals.map((p) => `${t.targetName} ${p.host}:${p.port},${p.tpgt}`)).sort();
    assert.deepEqual(ours, theirs);
    assert.equal(found.length, Object.keys(IQN).length);
  });
  inOrder(r.events, [...LOGIN_SEQUENCE, ...LOGOUT_SEQUENCE]);
});

test("tgtd: login with AuthMethod None, I/O, logout — the probe sequence and the counters", async () => {
  const { r } = await captured(async (r) => {
    const s = await r.ini.login(r.opts(IQN.plain));
    assert.deepEqual(await s.luns(), [0, 1, 2]);
    const inq = await s.inquiry(1);
    assert.equal(inq.vendor, "IET");
    assert.equal((await s.readCapacity(1)).bytes, 64n << 20n);
    await s.logout();
  });
  inOrder(r.events, [...LOGIN_SEQUENCE, ...LOGOUT_SEQUENCE]);
  assert.deepEqual(r.disconnects.map((d) => d.reason), ["user-logout"]);
});

test("tgtd: one-way CHAP and mutual CHAP log in; a wrong secret fails with 0x0201 and login-failed", async () => {
  const { r } = await captured(async (r) => {
    const one = await r.ini.login(r.opts(IQN.chap, { auth: { chap: CHAP } }));
    await one.testUnitReady(1).catch(() => undefined);
    await one.logout();
    const mutual = await r.ini.login(r.opts(IQN.mutual, { auth: { chap: { user: "mutual-user", secret: "mutual-init-secret-1" }, mutual: MUTUAL } }));
    await mutual.logout();
    await assert.rejects(r.ini.login(r.opts(IQN.chap, { auth: { chap: { user: CHAP.user, secret: "not-the-secret-99" } } })),
      (e: unknown) => e instanceof LoginError && e.statusClass === 2 && e.statusDetail === 1 && /0x0201 Authentication failure/.test(e.message));
  });
  const failed = r.disconnects.filter((d) => d.reason === "login-failed");
  assert.equal(failed.length, 1);
  assert.equal(failed[0].statusClass, 2);
  assert.ok(r.events.includes("login 0x0201 Authentication failure"));
  assert.ok(r.events.includes("conn T7 IN_LOGIN->FREE"));
});

test("tgtd: header and data digests (CRC32C) negotiated and verified on every PDU", async () => {
  const { pdus } = await captured(async (r) => {
    const s = await r.ini.login(r.opts(IQN.digest, { params: { HeaderDigest: "CRC32C,None", DataDigest: "CRC32C,None" } }));
    assert.equal(s.params?.headerDigest, true);
    assert.equal(s.params?.dataDigest, true);
    const data = randomBytes(256 * 1024);
    await s.write(1, 0, data);
    assert.ok(Buffer.from(await s.read(1, 0, 512)).equals(data));
    await s.logout();
  });
  const ffp = pdus.filter((p) => p.opcode !== 0x03 && p.opcode !== 0x23);
  assert.ok(ffp.length > 0 && ffp.every((p) => p.headerDigest !== undefined), "every full-feature PDU carries a header digest");
});

test("tgtd: InitialR2T=Yes, ImmediateData=No and small bursts take the R2T path; 4 MiB round-trips", async () => {
  const r2ts: number[] = [];
  const { pdus } = await captured(async (r) => {
    r.bus.on("task:r2t", (a) => { r2ts.push(a.desiredDataTransferLength); });
    // Asked for by us too, so FirstBurstLength is irrelevant on our side and tgtd proposes it:
    // it must get a value, not "Irrelevant" (which tgtd rejects, failing the login).
    const s = await r.ini.login(r.opts(IQN.r2t, { params: { InitialR2T: true, ImmediateData: false } }));
    assert.deepEqual([s.params?.initialR2T, s.params?.immediateData, s.params?.maxBurstLength], [true, false, 16384]);
    const data = randomBytes(4 << 20);
    await s.write(1, 2048, data);
    assert.ok(Buffer.from(await s.read(1, 2048, data.length / 512)).equals(data), "4 MiB read back equal");
    await s.logout();
  });
  assert.equal(r2ts.length, (4 << 20) / 16384, "one R2T per MaxBurstLength");
  assert.ok(r2ts.every((n) => n <= 16384));
  const dataOut = pdus.filter((p) => p.opcode === 0x05);
  assert.ok(dataOut.every((p) => p.dataSegmentLength <= 4096), "Data-Out within the target's MaxRecvDataSegmentLength");
});

test("tgtd: random data written and read back at 48 LBAs, no mismatch, in transfers of 512 B to 1 MiB", async () => {
  await captured(async (r) => {
    const s = await r.ini.login(r.opts(IQN.plain, { queueDepth: 8 }));
    const blocks = Number((await s.readCapacity(1)).blocks);
    const writes = Array.from({ length: 48 }, (_, i) => {
      const n = 1 + ((i * 37) % 2048);
      return { lba: (i * 2731) % (blocks - 2048), data: randomBytes(n * 512) };
    });
    // Non-overlapping by construction would be nicer; instead each is read back right after its write.
    for (const w of writes) {
      await s.write(1, w.lba, w.data);
      const back = await s.read(1, w.lba, w.data.length / 512);
      assert.ok(Buffer.from(back).equals(w.data), `mismatch at LBA ${w.lba}`);
    }
    await s.logout();
  });
});

test("tgtd: 8 sessions at once, each with its own I/O, all logged out", async () => {
  const { r } = await captured(async (r) => {
    const sessions: ScsiSession[] = await Promise.all(Array.from({ length: 8 }, () => r.ini.login(r.opts(IQN.plain))));
    assert.equal(new Set(sessions.map((s) => s.isid)).size, 8, "eight ISIDs");
    await Promise.all(sessions.map(async (s, i) => {
      const data = randomBytes(64 * 1024).fill(i + 1, 0, 1);
      await s.write(2, i * 256, data);
      assert.ok(Buffer.from(await s.read(2, i * 256, 128)).equals(data));
    }));
    await Promise.all(sessions.map((s) => s.logout()));
  });
  assert.equal(r.events.filter((e) => e === "session N1 FREE->LOGGED_IN").length, 8);
  assert.equal(r.events.filter((e) => e === "session N3 LOGGED_IN->FREE").length, 8);
});

test("tgtd: NOP keepalive both ways — tgtd's pings are answered, ours are answered with a round trip", async () => {
  const rtts: bigint[] = [];
  const { pdus } = await captured(async (r) => {
    r.bus.on("conn:nop-rtt", (a) => { rtts.push(a.rttNs); });
    const s = await r.ini.login(r.opts(IQN.nop, { timeouts: { nopIntervalMs: 700, nopTimeoutMs: 2000 } }));
    await new Promise((res) => setTimeout(res, 3500));
    assert.equal(s.state, "LOGGED_IN", "tgtd (nop_count 3) did not drop us: its pings were answered");
    await s.logout();
  });
  const targetPings = pdus.filter((p) => p.opcode === 0x20 && p.ttt !== 0xffffffff);
  const answers = pdus.filter((p) => p.opcode === 0x00 && p.itt === 0xffffffff);
  assert.ok(targetPings.length >= 2, `tgtd pinged ${targetPings.length} times`);
  assert.equal(answers.length, targetPings.length, "every target ping answered");
  assert.ok(rtts.length >= 1, "our own pings were answered");
});
