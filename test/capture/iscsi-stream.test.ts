/**
 * From TCP bytes to PDUs: framing across segment boundaries, gaps inside and over PDUs,
 * resynchronisation (after a gap, mid-stream, after a bad header), digests from the login
 * and from CRC32C, and the end of a stream inside a PDU.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { pcapFile } from "./builder.js";
import { decode, pduLine } from "./decode.js";
import {
  cat, dataIn, Flow, login, loginRequest, loginResponse, nopIn, nopOut, scsiCommand, scsiResponse, withDigests,
} from "./pdus.js";

const block = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);

/** Login, then a READ: Data-In and SCSI Response. Send with {@link exchange}. */
function readExchange(dataLen = 600) {
  const { request, response } = login();
  const cmd = scsiCommand({ itt: 2, cmdSN: 1, expStatSN: 1, read: Math.ceil(dataLen / 512) });
  const tgt = cat(dataIn({ itt: 2, statSN: 1, expCmdSN: 2, data: block(dataLen) }), scsiResponse({ itt: 2, statSN: 2, expCmdSN: 2 }));
  return { request, response, cmd, tgt, expected: ["0x03 itt=1", "0x23 itt=1", "0x01 itt=2", "0x25 itt=2", "0x21 itt=2"] };
}

/** The exchange in the order a real initiator and target send it, each part in segments of `mss`. */
function exchange(f: Flow, x: ReturnType<typeof readExchange>, mss = { i: 1448, t: 1448 }): Flow {
  return f.send("i", x.request, mss.i).send("t", x.response, mss.t).send("i", x.cmd, mss.i).send("t", x.tgt, mss.t);
}

const brief = (d: ReturnType<typeof decode>) => d.pdus.map((p) => pduLine(p).split(" ").slice(0, 2).join(" "));
const sorted = (xs: string[]) => [...xs].sort();

test("PDUs split between two segments at every byte offset decode to the same list", () => {
  const x = readExchange(100);
  const { tgt, expected } = x;
  for (let cut = 1; cut < tgt.length; cut++) {
    const f = new Flow().handshake().send("i", x.request).send("t", x.response).send("i", x.cmd);
    f.segment("t", 0x18, tgt.subarray(0, cut)).segment("t", 0x18, tgt.subarray(cut)).ack("i").fin("i").fin("t");
    const d = decode(pcapFile(f.recs));
    assert.deepEqual(sorted(brief(d)), sorted(expected), `split at ${cut}`);
    assert.equal(d.summary.malformed, 0, `split at ${cut}`);
  }
});

test("a PDU sent one byte per segment, and several PDUs in one segment, decode the same", () => {
  const x = readExchange(64);
  const { expected } = x;
  const f = exchange(new Flow().handshake(), x, { i: 1, t: 100000 }).fin("i").fin("t");
  const d = decode(pcapFile(f.recs));
  assert.deepEqual(sorted(brief(d)), sorted(expected));
  const dataInEvent = d.pdus.find((p) => p.opcode === 0x25)!;
  assert.equal(dataInEvent.length, 48 + 64);
  assert.equal(dataInEvent.firstFrame, dataInEvent.frame, "in one segment: first and last frame agree");
  const cmd = d.pdus.find((p) => p.opcode === 0x01)!;
  assert.ok(cmd.firstFrame < cmd.frame, "a PDU spread over segments names its first and last frame");
});

test("a gap inside a data segment keeps the stream in step: the PDU comes with its lost bytes, the next one follows", () => {
  const f = exchange(new Flow().handshake(), readExchange(4000), { i: 1448, t: 1000 });
  f.recs.splice(f.recs.length - 3, 1); // tcpdump lost the third-to-last target segment (inside the Data-In's data)
  f.ack("i").fin("i").fin("t");
  const d = decode(pcapFile(f.recs));
  const gaps = d.of("gap");
  assert.equal(gaps.length, 1);
  assert.equal(gaps[0].reason, "lost");
  assert.equal(gaps[0].length, 1000);
  assert.equal(gaps[0].direction, "target->initiator");
  const di = d.pdus.find((p) => p.opcode === 0x25)!;
  assert.equal(di.lost, 1000);
  assert.equal(di.dataDigest, "none");
  assert.ok(d.pdus.some((p) => p.opcode === 0x21), "the SCSI Response after the gap is found");
  assert.equal(d.summary.malformed, 0);
});

test("a gap over a PDU header: the bytes up to the next header are skipped and reported, then PDUs resume", () => {
  const { request, response } = login();
  const nops = [...Array(8).keys()].map((k) => nopIn({ itt: 10 + k, statSN: k, expCmdSN: 1, data: block(300, k) }));
  const f = new Flow().handshake().send("i", request).send("t", response);
  for (const n of nops) f.send("t", n, 200); // 348-byte PDUs in 200-byte segments
  const lostAt = f.recs.findIndex((r, i) => i > 6 && r.data.length > 100) + 4; // a segment holding a header
  f.recs.splice(lostAt, 1);
  f.ack("i").fin("i").fin("t");
  const d = decode(pcapFile(f.recs));
  assert.equal(d.of("gap").length, 1);
  const skipped = d.of("malformed");
  assert.ok(skipped.length >= 1 && skipped.every((m) => m.reason === "resync" || m.reason === "header-lost"), JSON.stringify(skipped.map((m) => m.message)));
  const itts = d.pdus.filter((p) => p.opcode === 0x20).map((p) => p.pdu.itt);
  assert.ok(itts.length >= 6 && itts.length < 8, `NOP-Ins found: ${itts}`);
  assert.ok(itts.includes(17), "the last NOP-In is found after resynchronising");
});

test("a capture that starts inside a stream: bytes before the first header are reported as mid-stream, PDUs follow", () => {
  const pdus = [...Array(6).keys()].map((k) => nopIn({ itt: 100 + k, statSN: k, expCmdSN: 1, data: block(200, k) }));
  const f = new Flow().handshake().send("t", cat(...pdus), 150);
  const recs = f.recs.slice(5); // no handshake, first frame starts inside the second NOP-In
  const d = decode(pcapFile(recs));
  const open = d.of("connection")[0];
  assert.equal(open.conn.handshake, false);
  assert.equal(open.conn.foundBy, "port");
  const mid = d.of("malformed");
  assert.equal(mid[0].reason, "mid-stream");
  assert.equal(mid[0].offset, 0);
  const itts = d.pdus.map((p) => p.pdu.itt);
  assert.deepEqual(itts, itts.slice().sort((a, b) => a - b));
  assert.ok(itts.at(-1) === 105 && itts.length >= 3, `${itts}`);
  assert.equal(mid[0].skipped, d.pdus[0].offset, "skipped bytes end where the first PDU starts");
});

test("a header that is not one, where one is expected: reported as bad-header, the stream resynchronises", () => {
  const { request, response } = login();
  const garbage = Uint8Array.from({ length: 60 }, (_, i) => 0x3b + i); // opcode 0x3b is not defined
  const tgt = cat(response, garbage, nopIn({ itt: 5, statSN: 1, expCmdSN: 1 }), nopIn({ itt: 6, statSN: 2, expCmdSN: 1 }));
  const f = new Flow().handshake().send("i", request).send("t", tgt).ack("i").fin("i").fin("t");
  const d = decode(pcapFile(f.recs));
  const bad = d.of("malformed");
  assert.equal(bad.length, 1);
  assert.equal(bad[0].reason, "bad-header");
  assert.equal(bad[0].skipped, 60);
  assert.match(bad[0].message, /unknown opcode 0x3b/);
  assert.deepEqual(d.pdus.map((p) => p.pdu.itt), [1, 1, 5, 6]);
});

test("digests negotiated at login are used from the first PDU after it; a bad data digest is flagged", () => {
  const { request, response } = login("HeaderDigest=CRC32C|DataDigest=CRC32C");
  const cmd = withDigests(scsiCommand({ itt: 2, cmdSN: 1, expStatSN: 1, read: 1 }), true, true);
  const di = withDigests(dataIn({ itt: 2, statSN: 1, expCmdSN: 2, data: block(512) }), true, true, "data");
  const rsp = withDigests(scsiResponse({ itt: 2, statSN: 2, expCmdSN: 2 }), true, true);
  const f = new Flow().handshake().send("i", request).send("t", response).send("i", cmd).send("t", cat(di, rsp)).ack("i").fin("i").fin("t");
  const d = decode(pcapFile(f.recs));
  assert.deepEqual(d.pdus.map((p) => [p.opcode, p.headerDigest, p.dataDigest]).sort(), [
    [0x01, "good", "none"], [0x03, "none", "none"], [0x21, "good", "none"], [0x23, "none", "none"], [0x25, "good", "bad"],
  ].sort());
  assert.equal(d.summary.digestErrors, 1);
  assert.equal(d.pdus.find((p) => p.opcode === 0x25)!.digestError, true);
  assert.equal(d.pdus.find((p) => p.opcode === 0x25)!.pdu.data.length, 512);
});

test("digests without a captured login are detected from CRC32C (header and data)", () => {
  const pdus = [
    withDigests(nopIn({ itt: 1, statSN: 1, expCmdSN: 1, data: block(40) }), true, true),
    withDigests(dataIn({ itt: 2, statSN: 2, expCmdSN: 1, data: block(100) }), true, true),
    withDigests(scsiResponse({ itt: 2, statSN: 3, expCmdSN: 1 }), true, true),
  ];
  const f = new Flow().handshake().send("t", cat(...pdus));
  const d = decode(pcapFile(f.recs.slice(3))); // no handshake: nothing says where the login was
  assert.deepEqual(d.pdus.map((p) => [p.pdu.itt, p.headerDigest, p.dataDigest]), [[1, "good", "good"], [2, "good", "good"], [2, "good", "none"]]);
  assert.equal(d.summary.malformed, 0);
});

test("a login that names no digest means None (the default): 4 extra bytes after a header are not a digest", () => {
  const { request, response } = login();
  const nop = withDigests(nopOut({ itt: 9, cmdSN: 1, expStatSN: 1 }), true, false);
  const f = new Flow().handshake().send("i", request).send("t", response).send("i", nop).fin("i").fin("t");
  const d = decode(pcapFile(f.recs));
  // The login named no digest: the default None applies, so the 4 extra bytes cannot be a digest.
  const last = d.of("malformed");
  assert.equal(d.pdus.find((p) => p.opcode === 0x00)?.headerDigest, "none");
  assert.equal(last.length, 1, "the 4 digest bytes are reported as a truncated PDU at the end");
});

test("the stream ends (FIN) inside a PDU: the partial PDU is reported as truncated", () => {
  const { request, response } = login();
  const di = dataIn({ itt: 2, statSN: 1, expCmdSN: 2, data: block(2000) });
  const f = new Flow().handshake().send("i", request).send("t", cat(response, di.subarray(0, 1000))).fin("t").fin("i");
  const d = decode(pcapFile(f.recs));
  const t = d.of("malformed");
  assert.equal(t.length, 1);
  assert.equal(t[0].reason, "truncated");
  assert.equal(t[0].skipped, 1000);
  assert.match(t[0].message, /ends \(fin\) inside a PDU/);
});

test("which side is the target: the side on the target port, whichever side speaks first in the capture", () => {
  const pdus = [nopIn({ itt: 1, statSN: 1, expCmdSN: 1 }), nopIn({ itt: 2, statSN: 2, expCmdSN: 1 })];
  const f = new Flow({ tport: 3260, iport: 40000 }).handshake().send("t", cat(...pdus));
  const d = decode(pcapFile(f.recs.slice(3)));
  const c = d.of("connection")[0].conn;
  assert.equal(c.target.port, 3260);
  assert.equal(c.initiator.port, 40000);
  assert.equal(c.key, "127.0.0.2:40000 -> 127.0.0.1:3260");
  assert.ok(d.pdus.every((p) => p.direction === "target->initiator"));
});

test("ports option: a target on port 3261 is found by port, not by the heuristic", () => {
  const f = exchange(new Flow({ tport: 3261 }).handshake(), readExchange(100)).fin("i").fin("t");
  const d = decode(pcapFile(f.recs), { ports: [3261], heuristic: false });
  assert.equal(d.of("connection")[0].conn.foundBy, "port");
  assert.equal(d.pdus.length, 5);
});

test("heuristic: a connection on another port that starts with a Login is iSCSI; roles from the opcodes", () => {
  const f = exchange(new Flow({ tport: 5000 }).handshake(), readExchange(100)).fin("i").fin("t");
  const d = decode(pcapFile(f.recs));
  const c = d.of("connection")[0].conn;
  assert.equal(c.foundBy, "heuristic");
  assert.equal(c.target.port, 5000);
  assert.equal(d.pdus.length, 5);
  assert.deepEqual(d.of("tcp").map((e) => e.flag), ["syn", "syn-ack", "fin", "fin"], "TCP events held until recognition are released");
  assert.equal(d.of("tcp")[0].frame, 1);
  const off = decode(pcapFile(f.recs), { heuristic: false });
  assert.equal(off.pdus.length, 0);
  assert.match(off.summary.verdict, /^no iSCSI: .*none on port 3260 \(heuristic off\)$/);
});

test("heuristic mid-stream: length chaining finds the PDUs of a connection on another port", () => {
  const pdus = [...Array(5).keys()].map((k) => dataIn({ itt: 40 + k, statSN: k, expCmdSN: 1, data: block(300, k) }));
  const f = new Flow({ tport: 6000, iport: 45000 }).handshake().send("t", cat(...pdus), 500);
  const d = decode(pcapFile(f.recs.slice(4)));
  const c = d.of("connection")[0].conn;
  assert.equal(c.foundBy, "heuristic");
  assert.equal(c.target.port, 6000, "Data-In is a target opcode: its sender is the target");
  assert.ok(d.pdus.length >= 3 && d.pdus.at(-1)!.pdu.itt === 44, d.pdus.map(pduLine).join("; "));
});

test("traffic that is not iSCSI yields no events but the summary, which says why", () => {
  const http = new TextEncoder().encode("GET / HTTP/1.1\r\nHost: example\r\n\r\n".repeat(40));
  const f = new Flow({ tport: 80 }).handshake().send("i", http).send("t", http).fin("i").fin("t");
  const d = decode(pcapFile(f.recs));
  assert.deepEqual(d.events.map((e) => e.type), ["end"]);
  assert.equal(d.summary.tcpConnections, 1);
  assert.equal(d.summary.iscsiConnections, 0);
  assert.match(d.summary.verdict, /^no iSCSI: \d+ frames, 1 TCP connection\(s\), none on port 3260 or recognised by the header heuristic$/);
});

test("a login answered with failure, then the target closes: login PDUs and FIN events in order", () => {
  const req = loginRequest({ itt: 1, cmdSN: 1, expStatSN: 0, csg: 0, nsg: 1, kv: "InitiatorName=iqn.x|AuthMethod=CHAP" });
  const rsp = loginResponse({ itt: 1, statSN: 0, expCmdSN: 1, csg: 0, nsg: 1, transit: false, status: 0x0201, kv: "" });
  const f = new Flow().handshake().send("i", req).send("t", rsp).fin("t").fin("i");
  const d = decode(pcapFile(f.recs));
  const order = d.events.filter((e) => e.type === "pdu" || e.type === "tcp").map((e) => (e.type === "pdu" ? e.pdu.kind : e.flag));
  assert.deepEqual(order, ["syn", "syn-ack", "login-request", "login-response", "fin", "fin"]);
  const r = d.pdus[1].pdu;
  assert.ok(r.kind === "login-response" && r.statusClass === 2 && r.statusDetail === 1);
});
