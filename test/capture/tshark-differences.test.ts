/**
 * Where we and tshark 4.0 (with TSHARK_PREFS) differ by design, shown on synthetic captures
 * that tshark reads too, each test checking that the difference is exactly that:
 *
 * - A capture that starts inside a PDU: tshark takes the first segment's bytes for a header
 *   and finds nothing on that stream; we skip to the first header that chains and go on.
 * - A PDU starting in the last 1-7 bytes of a segment, after another PDU: tshark needs 8
 *   bytes to ask TCP for more, so it loses that PDU and every later one of the stream (see
 *   test/helpers/tshark.ts); we frame from the stream, wherever segments end.
 * - A segment lost by the capture: tshark stops finding PDUs on that stream (with its bogus
 *   PDU filter on or off); we report the gap, keep the PDU whose header we saw (with its
 *   lost bytes), skip to the next header and go on.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { tsharkPdus } from "../helpers/tshark.js";
import { pcapFile, type Rec } from "./builder.js";
import { decode } from "./decode.js";
import { cat, Flow, login, nopIn } from "./pdus.js";

const dir = mkdtempSync(join(tmpdir(), "iscsiscope-tshark-diff-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const block = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);
const nops = (n: number) => [...Array(n).keys()].map((k) => nopIn({ itt: 100 + k, statSN: k, expCmdSN: 1, data: block(200, k) }));

/** "frame:ITT" per PDU, ours and tshark's, for the same capture. */
async function both(name: string, recs: Rec[], prefs?: Record<string, string>): Promise<{ ours: string[]; tshark: string[]; d: ReturnType<typeof decode> }> {
  const bytes = pcapFile(recs);
  const file = join(dir, `${name}.pcap`);
  writeFileSync(file, bytes);
  const d = decode(bytes);
  const ours = d.pdus.map((p) => `${p.frame}:${p.pdu.itt}`);
  const tshark = (await tsharkPdus(file, { port: 3260, raw: false, prefs })).map((p) => `${p.frame}:${p.itt}`);
  return { ours, tshark, d };
}

test("tshark vs us: a capture that starts inside a PDU", async () => {
  const f = new Flow().handshake().send("t", cat(...nops(8)), 150);
  const { ours, tshark, d } = await both("mid-pdu", f.recs.slice(5)); // the first frame starts 2 bytes into NOP-In 101... inside a PDU
  assert.deepEqual(tshark, [], "tshark finds no PDU on the stream");
  assert.deepEqual(ours.map((x) => x.split(":")[1]), ["102", "103", "104", "105", "106", "107"]);
  assert.equal(d.of("malformed")[0].reason, "mid-stream");
  assert.equal(d.of("malformed")[0].skipped, d.pdus[0].offset, "what we skipped is exactly what comes before our first PDU");
});

test("tshark vs us: a PDU that starts in the last 4 bytes of a segment", async () => {
  const { request, response } = login();
  const t = cat(nopIn({ itt: 5, statSN: 1, expCmdSN: 2 }), nopIn({ itt: 6, statSN: 2, expCmdSN: 2 }), nopIn({ itt: 7, statSN: 3, expCmdSN: 2 }));
  const f = new Flow().handshake().send("i", request).send("t", response);
  f.segment("t", 0x18, t.subarray(0, 48 + 4)).segment("t", 0x18, t.subarray(48 + 4)).ack("i").fin("i").fin("t");
  const { ours, tshark } = await both("last-bytes", f.recs);
  assert.deepEqual(tshark, ["4:1", "5:1", "6:5"], "tshark loses NOP-In 6, which starts 4 bytes before the segment ends, and NOP-In 7 after it");
  assert.deepEqual(ours, [...tshark, "7:6", "7:7"]);
});

test("tshark vs us: a segment the capture lost, in the middle of a stream", async () => {
  const { request, response } = login();
  const f = new Flow().handshake().send("i", request).send("t", response).send("t", cat(...nops(8)), 150);
  f.recs.splice(9, 1); // bytes 600-749 of the NOP-Ins: the tail of 102 and the header of 103
  f.ack("i").fin("i").fin("t");
  const { ours, tshark, d } = await both("lost-segment", f.recs);
  const filterOn = await both("lost-segment-filter", f.recs, { "iscsi.bogus_pdu_filter": "TRUE" });
  assert.deepEqual(filterOn.tshark, tshark, "the bogus PDU filter does not help tshark here");
  assert.deepEqual(tshark, ["4:1", "5:1", "7:100", "9:101"], "tshark: nothing after the hole");
  assert.deepEqual(ours, [...tshark, "10:102", "13:104", "14:105", "16:106", "18:107"], "we: 102 with its lost bytes, 103 (header lost) skipped");
  assert.equal(d.pdus.find((p) => p.pdu.itt === 102)?.lost, 744 - 600, "NOP-In 102 spans bytes 496-743 of the NOP-Ins");
  const afterLogin = response.length;
  assert.deepEqual(d.of("gap").map((g) => [g.offset - afterLogin, g.length]), [[600, 150]]);
  assert.deepEqual(d.of("malformed").map((m) => m.reason), ["resync"]);
});
