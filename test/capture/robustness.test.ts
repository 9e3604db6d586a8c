/**
 * Files that are not captures fail with one line naming the file and the byte (CaptureError);
 * readable captures with bad content never throw: a truncated last record is a warning, a
 * capture without iSCSI is an empty stream whose summary says so. Also what pcap-parser
 * 0.2.1 does on its own with such files, which is why it is wrapped.
 */
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { CaptureError } from "../../src/capture/errors.js";
import { decodeCapture, readCapture } from "../../src/capture/read-capture.js";
import type { CaptureEvent } from "../../src/capture/types.js";
import { fixturePath } from "../helpers/paths.js";
import { pcapFile, pcapngFile } from "./builder.js";

const dir = mkdtempSync(join(tmpdir(), "iscsiscope-capture-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, bytes: Uint8Array | string): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

async function failure(path: string): Promise<CaptureError> {
  try {
    await decodeCapture(path, () => undefined);
  } catch (e) {
    assert.ok(e instanceof CaptureError, `a CaptureError, not ${String(e)}`);
    assert.ok(!e.message.includes("\n"), "one line");
    assert.ok(e.message.startsWith(`${path}: `), "names the file");
    return e;
  }
  assert.fail(`${path} was read as a capture`);
}

const cases: Array<[string, Uint8Array | string, string, string, number]> = [
  ["empty.pcap", new Uint8Array(0), "ERR_CAPTURE_TRUNCATED", "empty file (no capture header at byte 0)", 0],
  ["tiny.pcap", Uint8Array.of(0xd4, 0xc3), "ERR_CAPTURE_TRUNCATED", "file of 2 bytes is too short for a capture header (at byte 0)", 0],
  ["magic.pcap", Uint8Array.of(0x12, 0x34, 0x56, 0x78, ...new Array(40).fill(0)), "ERR_CAPTURE_FORMAT", "not a pcap or pcapng file (magic 0x12345678 at byte 0)", 0],
  ["text.pcap", "this is not a capture at all\n", "ERR_CAPTURE_FORMAT", "not a pcap or pcapng file (magic 0x74686973 at byte 0)", 0],
  ["header.pcap", pcapFile([]).subarray(0, 10), "ERR_CAPTURE_TRUNCATED", "pcap file header cut short (10 of 24 bytes at byte 0)", 0],
  ["version.pcap", pcapFile([], { version: [1, 0] }), "ERR_CAPTURE_FORMAT", "unsupported pcap version 1.0 (at byte 4; 2.x is read)", 4],
  ["shb.pcapng", pcapngFile([], []).subarray(0, 20), "ERR_CAPTURE_TRUNCATED", "pcapng section header cut short (20 of 28 bytes at byte 0)", 0],
  ["bom.pcapng", Uint8Array.from([...pcapngFile([], [])].map((b, i) => (i === 8 ? 0x99 : b))), "ERR_CAPTURE_FORMAT", "pcapng section header with a bad byte-order magic 0x993c2b1a (at byte 8)", 8],
];

for (const [name, bytes, code, what, offset] of cases) {
  test(`unreadable file ${name}: CaptureError ${code} "${what}"`, async () => {
    const path = file(name, bytes);
    const e = await failure(path);
    assert.equal(e.code, code);
    assert.equal(e.message, `${path}: ${what}`);
    assert.equal(e.offset, offset);
    assert.equal(e.file, path);
  });
}

test("a file that does not exist, and a directory: ERR_CAPTURE_IO naming the errno", async () => {
  const missing = await failure(join(dir, "nope.pcap"));
  assert.equal(missing.code, "ERR_CAPTURE_IO");
  assert.match(missing.message, /: cannot open \(ENOENT\) at byte 0$/);
  const isDir = await failure(dir);
  assert.equal(isDir.code, "ERR_CAPTURE_IO");
  assert.match(isDir.message, /: read failed \(EISDIR\) at byte 0$/);
});

test("readCapture: the iterator throws the same CaptureError", async () => {
  const path = file("magic2.pcap", Uint8Array.of(1, 2, 3, 4, 5));
  await assert.rejects(async () => {
    for await (const _ of readCapture(path)) void _;
  }, (e: unknown) => e instanceof CaptureError && e.message === `${path}: not a pcap or pcapng file (magic 0x01020304 at byte 0)`);
});

test("a capture whose last record is cut short: every whole record is read, then a warning with the offset", async () => {
  const whole = readFileSync(fixturePath("pcap", "tgtd-chap.pcap"));
  for (const cut of [whole.length - 1, whole.length - 60, whole.length - 70]) {
    const events: CaptureEvent[] = [];
    const summary = await decodeCapture(file(`cut-${cut}.pcap`, whole.subarray(0, cut)), (e) => events.push(e), { ports: [portOf("tgtd-chap")] });
    const w = events.filter((e) => e.type === "warning");
    assert.equal(w.length, 1, `cut at ${cut}`);
    assert.ok(w[0].type === "warning" && w[0].code === "truncated-record");
    assert.match(w[0].type === "warning" ? w[0].message : "", /^last record (header )?at byte \d+ is cut short \(\d+ of \d+( captured)? bytes\)$/);
    assert.ok(summary.pdus >= 17, `${summary.pdus} PDUs before the cut`);
    assert.equal(events.at(-1)?.type, "end");
  }
});

test("a pcapng whose last block is cut short: a warning, not an error", async () => {
  const whole = readFileSync(fixturePath("pcap", "tgtd-digests-pcapng.pcapng"));
  const events: CaptureEvent[] = [];
  await decodeCapture(file("cut.pcapng", whole.subarray(0, whole.length - 10)), (e) => events.push(e), { ports: [portOf("tgtd-digests")] });
  const w = events.find((e) => e.type === "warning");
  assert.ok(w?.type === "warning" && w.code === "truncated-record");
  assert.match(w.message, /^last block at byte \d+ is cut short \(\d+ of \d+ bytes\)$/);
});

test("garbage after a valid header: read as records until one cannot be framed, then a warning; never an error", async () => {
  const garbage = Uint8Array.from({ length: 5000 }, (_, i) => (i * 2654435761) >>> 24);
  const events: CaptureEvent[] = [];
  const summary = await decodeCapture(file("garbage.pcap", Uint8Array.from([...pcapFile([]), ...garbage])), (e) => events.push(e));
  const w = events.filter((e) => e.type === "warning");
  assert.ok(w.length >= 1);
  assert.match(summary.verdict, /^no iSCSI/);
});

test("a record claiming a captured length beyond any snapshot length stops reading with a warning (pcap-parser would buffer the rest of the file)", async () => {
  const bytes = pcapFile([{ sec: 1, nsec: 0, data: new Uint8Array(20) }]);
  new DataView(bytes.buffer).setUint32(24 + 8, 0x7fffffff, true);
  const events: CaptureEvent[] = [];
  await decodeCapture(file("huge.pcap", bytes), (e) => events.push(e));
  const w = events.find((e) => e.type === "warning");
  assert.ok(w?.type === "warning" && w.code === "bad-record" && w.fileOffset === 24);
  assert.equal(w.message, "record at byte 24 claims 2147483647 captured bytes (at most 262144 allowed): the rest of the file cannot be framed, reading stopped");
});

test("a capture with no iSCSI: only the end event, and a verdict that says why", async () => {
  const events: CaptureEvent[] = [];
  const s = await decodeCapture(file("none.pcap", pcapFile([{ sec: 1, nsec: 0, data: new Uint8Array(60) }])), (e) => events.push(e));
  assert.deepEqual(events.map((e) => e.type), ["end"]);
  assert.equal(s.verdict, "no iSCSI: 1 frames, 0 TCP connection(s), none on port 3260 or recognised by the header heuristic");
  const empty = await decodeCapture(file("noframes.pcap", pcapFile([])), () => undefined);
  assert.equal(empty.verdict, "no iSCSI: the capture holds no frames");
});

test("readCapture: iterating yields the events in order and the summary; breaking out early stops reading", async () => {
  const path = fixturePath("pcap", "tgtd-bench.pcap");
  const all: CaptureEvent[] = [];
  const stream = readCapture(path, { ports: [portOf("tgtd-bench")] });
  for await (const e of stream) all.push(e);
  assert.equal(all.at(-1)?.type, "end");
  assert.equal(stream.summary?.pdus, all.filter((e) => e.type === "pdu").length);
  let n = 0;
  const again = readCapture(path, { ports: [portOf("tgtd-bench")] });
  for await (const _ of again) if (++n === 5) break;
  assert.equal(n, 5);
  assert.equal(again.summary, undefined, "no summary for a read that was stopped");
});

test("what pcap-parser 0.2.1 does alone (why it is wrapped): a truncated file ends in silence, a nanosecond file is an error", async () => {
  const pcapParser = createRequire(import.meta.url)("pcap-parser") as { parse(s: EventEmitter): EventEmitter };
  const run = (bytes: Uint8Array) => new Promise<{ packets: number; errors: string[] }>((resolve) => {
    const feed = Object.assign(new EventEmitter(), { pause() {}, resume() {} });
    const p = pcapParser.parse(feed);
    const seen = { packets: 0, errors: [] as string[] };
    p.on("packet", () => seen.packets++);
    p.on("error", (e: Error) => seen.errors.push(e.message));
    p.on("end", () => resolve(seen));
    feed.emit("data", Buffer.from(bytes));
    feed.emit("end");
  });
  const two = pcapFile([{ sec: 1, nsec: 0, data: new Uint8Array(40) }, { sec: 2, nsec: 0, data: new Uint8Array(40) }]);
  assert.deepEqual(await run(two.subarray(0, two.length - 5)), { packets: 1, errors: [] });
  assert.deepEqual(await run(pcapFile([], { nanosecond: true })), { packets: 0, errors: ["unknown magic number: 4d3cb2a1"] });
});

function portOf(name: string): number {
  const idx = JSON.parse(readFileSync(fixturePath("pcap", "index.json"), "utf8")) as { fixtures: Record<string, { port: number }> };
  return idx.fixtures[name].port;
}
