/**
 * The file readers on files written byte by byte (builder.ts): classic pcap in both byte
 * orders at micro- and nanosecond resolution, pcapng with several interfaces (own link
 * type, if_tsresol, if_tsoffset) in both byte orders, simple and obsolete packet blocks,
 * unknown blocks skipped, several sections; and end to end, the same PDUs and times from
 * every container.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { FrameSink } from "../../src/capture/frame-reader.js";
import { LinkType } from "../../src/capture/link.js";
import { pumpBytes, pumpFile } from "../../src/capture/source.js";
import type { Frame } from "../../src/capture/types.js";
import { fixturePath } from "../helpers/paths.js";
import { ethernet, pcapFile, pcapngFile, sll2, type Rec } from "./builder.js";
import { decode } from "./decode.js";
import { cat, Flow, login, nopIn } from "./pdus.js";

interface Seen { frames: Frame[]; warnings: string[]; linkTypes: number[] }

function read(bytes: Uint8Array): Seen & { format: string } {
  const seen: Seen = { frames: [], warnings: [], linkTypes: [] };
  const sink: FrameSink = {
    frame: (f) => seen.frames.push({ ...f, data: f.data.slice() }),
    warning: (code, at, _frame, message) => seen.warnings.push(`${code}@${at}: ${message}`),
    linkType: (t) => seen.linkTypes.push(t),
  };
  const format = pumpBytes("t.cap", bytes, sink);
  return { ...seen, format };
}

const recs: Rec[] = [
  { sec: 1_700_000_000, nsec: 123_456_789, data: Uint8Array.from([1, 2, 3, 4, 5]) },
  { sec: 1_700_000_001, nsec: 999_999_999, data: Uint8Array.from([6, 7, 8]), wireLength: 1500 },
  { sec: 4_000_000_000, nsec: 1000, data: new Uint8Array(0) },
];

for (const bigEndian of [false, true]) {
  const order = bigEndian ? "big-endian" : "little-endian";
  test(`pcap ${order}, microseconds: frames, lengths and times (truncated to the µs)`, () => {
    const r = read(pcapFile(recs, { bigEndian, linkType: LinkType.RAW }));
    assert.equal(r.format, "pcap");
    assert.deepEqual(r.linkTypes, [LinkType.RAW]);
    assert.deepEqual(r.frames.map((f) => [f.number, f.sec, f.nsec, [...f.data], f.wireLength, f.linkType]), [
      [1, 1_700_000_000, 123_456_000, [1, 2, 3, 4, 5], 5, 101], [2, 1_700_000_001, 999_999_000, [6, 7, 8], 1500, 101],
      [3, 4_000_000_000, 1000, [], 0, 101],
    ]);
    assert.deepEqual(r.frames.map((f) => f.fileOffset), [24, 24 + 16 + 5, 24 + 16 + 5 + 16 + 3]);
    assert.deepEqual(r.warnings, []);
  });

  test(`pcap ${order}, nanoseconds (magic 0xa1b23c4d, which pcap-parser alone refuses): exact times`, () => {
    const r = read(pcapFile(recs, { bigEndian, nanosecond: true }));
    assert.deepEqual(r.frames.map((f) => [f.sec, f.nsec]), [[1_700_000_000, 123_456_789], [1_700_000_001, 999_999_999], [4_000_000_000, 1000]]);
  });

  test(`pcapng ${order}: interfaces with their own link type, if_tsresol and if_tsoffset`, () => {
    const ifaces = [
      { linkType: LinkType.ETHERNET },                                  // default: microseconds
      { linkType: LinkType.RAW, tsresol: 9 },                            // 10^-9
      { linkType: LinkType.LINUX_SLL2, tsresol: 0x80 | 20, tsoffset: 1_600_000_000n }, // 2^-20 s, offset
    ];
    const rs: Rec[] = [
      { ...recs[0], iface: 0 }, { ...recs[0], iface: 1 }, { sec: 1_700_000_000, nsec: 500_000_000, data: recs[1].data, iface: 2 },
    ];
    const r = read(pcapngFile(ifaces, rs, { bigEndian, junkBlocks: true }));
    assert.equal(r.format, "pcapng");
    assert.deepEqual(r.linkTypes, [1, 101, 276]);
    assert.deepEqual(r.frames.map((f) => [f.linkType, f.sec, f.nsec]), [
      [1, 1_700_000_000, 123_456_000], [101, 1_700_000_000, 123_456_789], [276, 1_700_000_000, 500_000_000],
    ]);
    assert.deepEqual(r.warnings, []);
  });

  test(`pcapng ${order}: simple packet blocks (interface 0, snaplen applies) and obsolete packet blocks`, () => {
    // An SPB has no captured length: min(original length, interface 0's snaplen).
    const whole = recs.slice(0, 2).map((r) => ({ ...r, wireLength: undefined }));
    const spb = read(pcapngFile([{ linkType: 1, snaplen: 4 }], whole, { bigEndian, block: "spb" }));
    assert.deepEqual(spb.frames.map((f) => [[...f.data], f.wireLength, f.sec]), [[[1, 2, 3, 4], 5, 0], [[6, 7, 8], 3, 0]]);
    const pb = read(pcapngFile([{ linkType: 1 }], recs.slice(0, 2), { bigEndian, block: "pb" }));
    assert.deepEqual(pb.frames.map((f) => [f.data.length, f.sec, f.nsec]), [[5, 1_700_000_000, 123_456_000], [3, 1_700_000_001, 999_999_000]]);
  });
}

test("pcapng: a second section resets the interfaces and may change byte order", () => {
  const a = pcapngFile([{ linkType: 1 }], [recs[0]]);
  const b = pcapngFile([{ linkType: 101, tsresol: 9 }], [recs[1]], { bigEndian: true });
  const r = read(cat(a, b));
  assert.deepEqual(r.frames.map((f) => [f.linkType, f.nsec]), [[1, 123_456_000], [101, 999_999_999]]);
});

test("pcapng: a packet block naming an undescribed interface is skipped with a warning; reading goes on", () => {
  const bytes = pcapngFile([{ linkType: 1 }], [{ ...recs[0], iface: 3 }, recs[1]]);
  const r = read(bytes);
  assert.equal(r.frames.length, 1);
  assert.match(r.warnings[0], /^bad-record@\d+: packet block names interface 3, which is not described at byte \d+: block skipped$/);
});

test("the same conversation from every container gives the same PDUs at the same times", () => {
  const { request, response } = login();
  const f = new Flow({ stepNs: 1_234_567n }).handshake()
    .send("i", request).send("t", cat(response, nopIn({ itt: 7, statSN: 1, expCmdSN: 2 }))).fin("i").fin("t");
  const files = {
    pcapNs: pcapFile(f.recs, { nanosecond: true }), pcapNsBE: pcapFile(f.recs, { nanosecond: true, bigEndian: true }),
    pcapng9: pcapngFile([{ linkType: 1, tsresol: 9 }], f.recs), pcapng9BE: pcapngFile([{ linkType: 1, tsresol: 9 }], f.recs, { bigEndian: true }),
  };
  const results = Object.values(files).map((b) => decode(b).pdus.map((p) => `${p.opcode}@${p.time}`));
  assert.equal(results[0].length, 3);
  for (const r of results) assert.deepEqual(r, results[0]);
  assert.match(results[0][0], /@1700000000\d{9}$/);
  const us = decode(pcapFile(f.recs)).pdus.map((p) => p.time);
  assert.ok(us.every((t) => t % 1000n === 0n), "a microsecond file gives whole microseconds");
});

test("pcapng with two interfaces of different link types carrying one TCP conversation", () => {
  const { request, response } = login();
  const f = new Flow({ link: (ip) => ip }).handshake().send("i", request).send("t", response).fin("i").fin("t");
  const rs = f.recs.map((r, i) => (i % 2 === 0 ? { ...r, data: ethernet(r.data, false), iface: 0 } : { ...r, data: sll2(r.data, false), iface: 1 }));
  const d = decode(pcapngFile([{ linkType: LinkType.ETHERNET }, { linkType: LinkType.LINUX_SLL2, tsresol: 3 }], rs));
  assert.deepEqual(d.pdus.map((p) => p.opcode), [0x03, 0x23]);
  assert.deepEqual(d.summary.linkTypes, [1, 276]);
});

test("records cut by a chunk's end are read whole from the next chunk, at any chunk size (pcap, nanosecond pcap, pcapng, cut short)", () => {
  const files = {
    pcap: readFileSync(fixturePath("pcap", "tgtd-digests.pcap")), nsec: readFileSync(fixturePath("pcap", "tgtd-r2t-nsec.pcap")),
    pcapng: readFileSync(fixturePath("pcap", "tgtd-digests-pcapng.pcapng")),
  };
  const cases = Object.entries(files).flatMap(([name, b]) => [[name, b], [`${name} cut short`, b.subarray(0, b.length - 30)]] as const);
  for (const [name, bytes] of cases) {
    const whole = readChunked(bytes, 1 << 20);
    assert.ok(whole.frames.length > 20, name);
    for (const size of [1, 2, 15, 16, 17, 28, 29, 100, 1500, 4093, 65536]) {
      const r = readChunked(bytes, size);
      assert.deepEqual(r.warnings, whole.warnings, `${name}, ${size}-byte chunks`);
      assert.equal(r.frames.length, whole.frames.length, `${name}, ${size}-byte chunks`);
      for (const [i, f] of r.frames.entries()) assert.deepEqual(f, whole.frames[i], `${name}, ${size}-byte chunks, frame ${i + 1}`);
    }
  }
});

function readChunked(bytes: Uint8Array, chunkSize: number): Seen {
  const seen: Seen = { frames: [], warnings: [], linkTypes: [] };
  pumpBytes("t.cap", bytes, {
    frame: (f) => seen.frames.push({ ...f, data: f.data.slice() }),
    warning: (code, at, _frame, message) => seen.warnings.push(`${code}@${at}: ${message}`),
    linkType: (t) => seen.linkTypes.push(t),
  }, chunkSize);
  return seen;
}

test("a file read ahead in chunks: records across chunk ends, longer than the room before a chunk and than a chunk, a cut last record", async () => {
  const sizes = [70_000, 300_000, 1_500_000, ...Array<number>(40).fill(65_000), 3, 900];
  const recs: Rec[] = sizes.map((n, i) => {
    const data = new Uint8Array(n);
    for (let k = 0; k < n; k++) data[k] = (k * 31 + i) & 0xff;
    return { sec: 1_700_000_000 + i, nsec: i * 1000, data };
  });
  const files = {
    pcap: pcapFile(recs, { snaplen: 4 << 20 }),
    pcapng: pcapngFile([{ linkType: 1, snaplen: 4 << 20 }], recs),
  };
  const dir = mkdtempSync(join(tmpdir(), "iscsiscope-readers-"));
  try {
    for (const [name, whole] of Object.entries(files)) {
      for (const bytes of [whole, whole.subarray(0, whole.length - 500)]) {
        const path = join(dir, `${name}-${bytes.length}`);
        writeFileSync(path, bytes);
        const fromFile: Seen = { frames: [], warnings: [], linkTypes: [] };
        await pumpFile(path, {
          frame: (f) => fromFile.frames.push({ ...f, data: f.data.slice() }),
          warning: (code, at, _frame, message) => fromFile.warnings.push(`${code}@${at}: ${message}`),
          linkType: (t) => fromFile.linkTypes.push(t),
        }, { gate: () => undefined, cancelled: () => false });
        const inMemory = readChunked(bytes, 1 << 20);
        const label = `${name}, ${bytes.length} bytes`;
        assert.equal(inMemory.frames.length, bytes === whole ? sizes.length : sizes.length - 1, label);
        assert.deepEqual(fromFile.warnings, inMemory.warnings, label);
        assert.equal(fromFile.frames.length, inMemory.frames.length, label);
        for (const [i, f] of fromFile.frames.entries()) {
          const { data, ...rest } = f;
          const { data: want, ...wantRest } = inMemory.frames[i];
          assert.deepEqual(rest, wantRest, `${label}, frame ${i + 1}`);
          assert.ok(Buffer.from(data).equals(want), `${label}, frame ${i + 1}: same bytes`);
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
