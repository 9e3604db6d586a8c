/**
 * TCP reassembly and connection tracking, through whole captures: order, retransmission,
 * conflicting overlap, out-of-order, gaps (declared by the peer's ACK, by the hold bound, at
 * the end), snaplen, keep-alive, sequence wrap, RST, port reuse, duplicate ACK, zero window.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { CaptureDecoder } from "../../src/capture/decoder.js";
import { pumpBytes } from "../../src/capture/source.js";
import { pcapFile, TCP, type Rec } from "./builder.js";
import { decode } from "./decode.js";
import { cat, dataIn, Flow, login, nopIn, nopOut } from "./pdus.js";

const nops = (n: number, size = 200, from = 1) =>
  [...Array(n).keys()].map((k) => nopIn({ itt: from + k, statSN: k, expCmdSN: 1, data: Uint8Array.from({ length: size }, (_, i) => (i + k) & 0xff) }));
const itts = (d: ReturnType<typeof decode>) => d.pdus.filter((p) => p.opcode === 0x20).map((p) => p.pdu.itt);

/** A logged-in connection, then the target sends `pdus` in segments of `mss`. */
function stream(pdus: Uint8Array[], mss: number, isn?: { i: number; t: number }): Flow {
  const { request, response } = login();
  return new Flow({ isn }).handshake().send("i", request).send("t", response).send("t", cat(...pdus), mss);
}

test("a retransmitted segment (same bytes) is counted once as a retransmission and delivered once", () => {
  const f = stream(nops(3), 100);
  const again = f.recs[f.recs.length - 2];
  f.recs.push({ ...again });
  f.ack("i").fin("i").fin("t");
  const d = decode(pcapFile(f.recs));
  assert.deepEqual(itts(d), [1, 2, 3]);
  assert.equal(d.summary.trouble.retransmission, 1);
  assert.equal(d.summary.trouble["overlap-conflict"], 0);
  assert.equal(d.of("tcp-trouble")[0].direction, "target->initiator");
});

test("an overlap with different bytes is a conflict; the bytes delivered first stand", () => {
  const f = stream(nops(2), 1000);
  const last = f.next.t;
  const seq = last - 100;
  f.segment("t", TCP.ACK, new Uint8Array(100).fill(0xee), { seq });
  f.ack("i").fin("i").fin("t");
  const d = decode(pcapFile(f.recs));
  assert.equal(d.summary.trouble["overlap-conflict"], 1);
  assert.deepEqual(itts(d), [1, 2]);
  assert.equal(d.pdus.at(-1)!.pdu.data[150], (150 + 1) & 0xff, "the first copy is what was decoded");
});

test("segments swapped in the capture: held, delivered in order, the late one counted as out-of-order", () => {
  const f = stream(nops(4), 300);
  const n = f.recs.length;
  [f.recs[n - 3], f.recs[n - 2]] = [f.recs[n - 2], f.recs[n - 3]];
  f.fin("t").fin("i");
  const d = decode(pcapFile(f.recs));
  assert.deepEqual(itts(d), [1, 2, 3, 4]);
  assert.equal(d.summary.trouble["out-of-order"], 1);
  assert.equal(d.summary.gaps, 0);
});

test("a segment the capture lost is declared a gap as soon as the peer acknowledges past it", () => {
  const f = stream(nops(6, 400), 500);
  const lost = f.recs.length - 4;
  f.recs.splice(lost, 1);
  f.ack("i");
  f.segment("t", TCP.ACK | TCP.PSH, nopIn({ itt: 99, statSN: 9, expCmdSN: 1 })).fin("t").fin("i");
  const d = decode(pcapFile(f.recs));
  const g = d.of("gap");
  assert.equal(g.length, 1);
  assert.equal(g[0].length, 500);
  assert.equal(g[0].frame, lost + 1, "the gap carries the frame of the segment after the hole");
  const order = d.events.filter((e) => e.type === "gap" || e.type === "pdu").map((e) => (e.type === "gap" ? "gap" : e.pdu.itt));
  assert.ok(order.indexOf("gap") < order.indexOf(99), "declared at the ACK, before the next segment's PDU");
  const frames = d.events.flatMap((e) => ("frame" in e && e.frame !== undefined ? [e.frame] : []));
  assert.deepEqual(frames, [...frames].sort((a, b) => a - b), "events in frame order");
});

test("without an ACK past it, a hole is declared when the held bytes pass their bound", () => {
  const f = stream(nops(12, 400), 300);
  f.recs.splice(f.recs.length - 14, 1); // no ACK from the initiator follows
  const d = decode(pcapFile(f.recs), { maxOutOfOrderSegments: 4 });
  const g = d.of("gap");
  assert.equal(g.length, 1);
  assert.equal(g[0].length, 300);
  assert.ok(g[0].frame < f.recs.length, "declared before the end of the capture");
  assert.ok(itts(d).includes(12));
});

test("a hole still open at the end of the capture becomes a gap, and what was held is delivered", () => {
  const f = stream(nops(4, 400), 300);
  f.recs.splice(f.recs.length - 3, 1);
  const d = decode(pcapFile(f.recs));
  assert.equal(d.of("gap").length, 1);
  assert.equal(d.of("gap")[0].frame, f.recs.length - 1, "with the frame of the held segment after it");
  assert.ok(itts(d).includes(4));
});

test("snaplen: the cut tail of each frame is a gap with reason snaplen, the PDU keeps its header", () => {
  const f = stream(nops(2, 1000), 1048); // one 1048-byte NOP-In a segment
  const snap = 14 + 20 + 20 + 100;
  const recs: Rec[] = f.recs.map((r) => (r.data.length > snap ? { ...r, data: r.data.subarray(0, snap), wireLength: r.data.length } : r));
  const d = decode(pcapFile(recs, { snaplen: snap }));
  const g = d.of("gap");
  assert.deepEqual(g.map((x) => [x.reason, x.length]), [["snaplen", 948], ["snaplen", 948]]);
  assert.deepEqual(itts(d), [1, 2], "each header is in the captured part: both PDUs, in step");
  for (const p of d.pdus.filter((x) => x.opcode === 0x20)) {
    assert.equal(p.lost, 948);
    assert.equal(p.pdu.data.length, 100 - 48, "data before the first lost byte");
  }
  assert.equal(d.summary.malformed, 0);
});

test("a keep-alive (one old byte) is neither data nor a retransmission", () => {
  const f = stream(nops(1), 1000);
  f.segment("t", TCP.ACK, new Uint8Array(1), { seq: f.next.t - 1 });
  f.fin("t").fin("i");
  const d = decode(pcapFile(f.recs));
  assert.equal(d.summary.trouble.retransmission, 0);
  assert.deepEqual(itts(d), [1]);
});

test("sequence numbers wrapping past 2^32 do not break the stream", () => {
  const f = stream(nops(6, 500), 700, { i: 0xfffff000, t: 0xfffffe00 });
  f.fin("t").fin("i");
  const d = decode(pcapFile(f.recs));
  assert.deepEqual(itts(d), [1, 2, 3, 4, 5, 6]);
  assert.equal(d.summary.gaps, 0);
});

test("RST: an event with its sender, and a PDU cut by it is reported truncated", () => {
  const f = stream([nopIn({ itt: 1, statSN: 1, expCmdSN: 1, data: new Uint8Array(800) })], 500);
  f.recs.pop();
  f.rst("i");
  const d = decode(pcapFile(f.recs));
  const rst = d.of("tcp").find((e) => e.flag === "rst")!;
  assert.equal(rst.direction, "initiator->target");
  assert.equal(d.of("malformed")[0].reason, "truncated");
  assert.match(d.of("malformed")[0].message, /\(rst\)/);
});

test("port reuse: a new SYN on a closed 4-tuple is a new connection", () => {
  const a = stream(nops(1), 1000).fin("i").fin("t").ack("i");
  const b = new Flow({ isn: { i: 777777, t: 888888 }, start: 1_700_000_001 });
  const { request, response } = login();
  b.handshake().send("i", request).send("t", response).fin("i").fin("t");
  const d = decode(pcapFile([...a.recs, ...b.recs]));
  const opens = d.of("connection");
  assert.deepEqual(opens.map((o) => o.conn.id), [1, 2]);
  assert.equal(opens[0].conn.key, opens[1].conn.key);
  assert.equal(d.summary.tcpConnections, 2);
  assert.deepEqual(d.pdus.map((p) => p.conn.id), [1, 1, 1, 2, 2]);
});

test("duplicate ACKs and a zero window are counted", () => {
  const f = stream(nops(3, 400), 500);
  f.recs.splice(f.recs.length - 2, 1); // lost: the initiator keeps acking the byte before it
  const held = f.next.t;
  f.next.t = held - 900; // what the initiator has: it repeats this ACK
  f.ack("i").ack("i").ack("i");
  f.next.t = held;
  f.segment("i", TCP.ACK, new Uint8Array(0), { window: 0 });
  const d = decode(pcapFile(f.recs));
  assert.equal(d.summary.trouble["duplicate-ack"], 2);
  assert.equal(d.summary.trouble["zero-window"], 1);
});

test("retransmissions are compared with what was delivered the same way whatever chunks the file is read in (history kept across chunk ends)", () => {
  const { request, response } = login();
  const f = new Flow().handshake().send("i", request).send("t", response);
  const start = f.next.t;
  const bytes = cat(...nops(40, 1000));
  f.send("t", bytes, 1400);
  const again = (from: number, len: number, changed: boolean): void => {
    const part = bytes.slice(from, from + len);
    if (changed) part[len - 1] ^= 0xff;
    f.segment("t", TCP.ACK, part, { seq: (start + from) >>> 0 });
  };
  again(bytes.length - 1400, 1400, false);  // the last segment again: retransmission
  again(bytes.length - 5000, 700, true);    // 5000 bytes back, one byte differs: conflict
  again(bytes.length - 20000, 1400, false); // 20000 back, same bytes: retransmission
  again(bytes.length - 30000, 1400, true);  // 30000 back, within the 32 KiB kept: conflict
  again(1000, 1400, true);                  // beyond the 32 KiB kept: too old to tell, retransmission
  f.ack("i").fin("i").fin("t");
  const file = pcapFile(f.recs);
  for (const size of [64, 1000, 3000, 20000, 1 << 20]) {
    const troubles: string[] = [];
    const decoder = new CaptureDecoder("t.pcap", "pcap", {}, (e) => { if (e.type === "tcp-trouble") troubles.push(`${e.trouble}@${e.offset}`); });
    pumpBytes("t.pcap", file, decoder, size);
    const s = decoder.finish();
    assert.deepEqual([s.trouble.retransmission, s.trouble["overlap-conflict"]], [3, 2], `${size}-byte chunks: ${troubles.join(" ")}`);
    assert.equal(s.pdus, 42, `${size}-byte chunks`);
  }
});

test("while TCP holds a hole in one direction, the other direction's PDUs are held for order only up to 16 MiB, then released", () => {
  const { request, response } = login();
  const f = new Flow().handshake().send("i", request).send("t", response);
  f.send("i", nopOut({ itt: 1, cmdSN: 2, expStatSN: 2 })).send("i", nopOut({ itt: 2, cmdSN: 3, expStatSN: 2 }));
  f.recs.splice(f.recs.length - 2, 1); // the first NOP-Out is lost: the second waits behind the hole
  const data = new Uint8Array(65536);
  for (let k = 0; k < 300; k++) {
    const pdu = dataIn({ itt: 100 + k, statSN: 2, expCmdSN: 4, data });
    // PSH without ACK: nothing tells TCP that the lost bytes were received.
    for (let o = 0; o < pdu.length; o += 65000) f.segment("t", TCP.PSH, pdu.subarray(o, o + 65000));
  }
  f.fin("i").fin("t");
  let framesReadAtFirst = -1;
  const decoder = new CaptureDecoder("t.pcap", "pcap", {}, (e) => {
    if (e.type === "pdu" && e.opcode === 0x25 && framesReadAtFirst < 0) framesReadAtFirst = decoder.summary.frames;
  });
  pumpBytes("t.pcap", pcapFile(f.recs), decoder);
  const s = decoder.finish();
  assert.equal(s.pdus, 2 + 1 + 300);
  assert.ok(framesReadAtFirst > 0 && framesReadAtFirst < f.recs.length * 0.9,
    `the first Data-In came out after ${framesReadAtFirst} of ${f.recs.length} frames were read`);
});
