/**
 * Fuzz: at least 100,000 inputs made from the fixtures (a file header and a few of a
 * fixture's records, pcap and pcapng) and mutated where it hurts: file and block headers,
 * record lengths and times, link/IP/TCP header fields, iSCSI header bytes, random bits,
 * truncation, duplication. Every input must decode to events or fail with CaptureError;
 * nothing else may be thrown, no input may take long, and the heap must not grow with the
 * number of inputs. A failing input is written to a temp file named in the message.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { CaptureError } from "../../src/capture/errors.js";
import { decodeCaptureBytes } from "../../src/capture/read-capture.js";
import { fixturePath } from "../helpers/paths.js";
import { rng } from "../helpers/rng.js";

const INPUTS = 100_000;
const index = JSON.parse(readFileSync(fixturePath("pcap", "index.json"), "utf8")) as { fixtures: Record<string, { file: string; port: number }> };


interface Seed { bytes: Uint8Array; port: number; records: number[]; format: "pcap" | "pcapng" }

/** Record offsets of a pcap (after the 24-byte header) or pcapng (blocks) file. */
function recordOffsets(b: Uint8Array, pcapng: boolean): number[] {
  const v = new DataView(b.buffer, b.byteOffset, b.length);
  const out: number[] = [];
  for (let o = pcapng ? 0 : 24; o + (pcapng ? 12 : 16) <= b.length;) {
    out.push(o);
    o += pcapng ? v.getUint32(o + 4, true) : 16 + v.getUint32(o + 8, true);
  }
  return out;
}

/** Windows of 1–8 consecutive records of each fixture, with the file's header (and pcapng's SHB + IDB). */
function seeds(): Seed[] {
  const out: Seed[] = [];
  for (const f of Object.values(index.fixtures)) {
    const b = new Uint8Array(readFileSync(fixturePath("pcap", f.file)));
    const ng = f.file.endsWith(".pcapng");
    const recs = recordOffsets(b, ng);
    const head = ng ? recs.slice(0, 2) : [];
    const body = ng ? recs.slice(2) : recs;
    const headBytes = ng ? b.subarray(0, recs[2]) : b.subarray(0, 24);
    const end = (i: number) => (i + 1 < recs.length ? recs[i + 1] : b.length);
    for (let i = 0; i < body.length; i += 3) {
      const k = 1 + (i % 8);
      const last = Math.min(body.length - 1, i + k - 1);
      const part = b.subarray(body[i], end(recs.indexOf(body[last])));
      const bytes = new Uint8Array(headBytes.length + part.length);
      bytes.set(headBytes);
      bytes.set(part, headBytes.length);
      const records = recordOffsets(bytes, ng).filter((o) => !ng || o >= headBytes.length);
      out.push({ bytes, port: f.port, records, format: ng ? "pcapng" : "pcap" });
      void head;
    }
  }
  return out;
}

type Mutation = (b: Uint8Array, s: Seed, r: () => number) => Uint8Array;
const pick = <T>(xs: readonly T[], r: () => number): T => xs[Math.floor(r() * xs.length)];
const INTERESTING = [0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff, 262144, 262145, 65535, 48, 47, 52];

function setU32(b: Uint8Array, at: number, v: number, le: boolean): void {
  if (at + 4 <= b.length) new DataView(b.buffer, b.byteOffset, b.length).setUint32(at, v >>> 0, le);
}

/** Where a record's frame starts (Ethernet: IP at +14, TCP at +34, iSCSI at +66 with Linux's options). */
function frameStart(s: Seed, rec: number): number {
  return rec + (s.format === "pcap" ? 16 : 28);
}

const mutations: Record<string, Mutation> = {
  bits: (b, _s, r) => {
    for (let n = 1 + Math.floor(r() * 8); n > 0; n--) b[Math.floor(r() * b.length)] ^= 1 << Math.floor(r() * 8);
    return b;
  },
  bytes: (b, _s, r) => {
    for (let n = 1 + Math.floor(r() * 4); n > 0; n--) b[Math.floor(r() * b.length)] = pick([0, 0xff, Math.floor(r() * 256)], r);
    return b;
  },
  fileHeader: (b, s, r) => {
    setU32(b, pick(s.format === "pcap" ? [0, 4, 16, 20] : [4, 8, 12, 16, 20, 28, 32], r), pick(INTERESTING, r), r() < 0.5);
    return b;
  },
  recordHeader: (b, s, r) => {
    const rec = pick(s.records, r);
    setU32(b, rec + pick(s.format === "pcap" ? [0, 4, 8, 12] : [4, 8, 12, 16, 20, 24], r), pick(INTERESTING, r), r() < 0.7);
    return b;
  },
  packetHeaders: (b, s, r) => {
    const f = frameStart(s, pick(s.records, r));
    const at = f + pick([12, 13, 14, 16, 17, 20, 21, 22, 23, 34, 35, 36, 38, 42, 46, 47, 48, 49], r); // EtherType, IP, TCP
    if (at < b.length) b[at] = pick([0, 0xff, Math.floor(r() * 256)], r);
    return b;
  },
  iscsiHeader: (b, s, r) => {
    const f = frameStart(s, pick(s.records, r)) + 66;
    const at = f + pick([0, 1, 4, 5, 6, 7, 16, 20, 36, 44, 48], r);
    if (at < b.length) b[at] = pick([0, 0xff, 0x3b, 0x25, 0x21, 0x81, Math.floor(r() * 256)], r);
    return b;
  },
  tcpSeq: (b, s, r) => {
    const f = frameStart(s, pick(s.records, r));
    setU32(b, f + 38 + pick([0, 4], r), Math.floor(r() * 0x100000000), false);
    return b;
  },
  truncate: (b, _s, r) => b.subarray(0, Math.floor(r() * b.length)),
  duplicate: (b, s, r) => {
    const rec = pick(s.records, r);
    if (rec >= b.length) return b;
    const next = Math.min(b.length, s.records.find((o) => o > rec) ?? b.length);
    const out = new Uint8Array(b.length + next - rec);
    out.set(b.subarray(0, next));
    out.set(b.subarray(rec, next), next);
    out.set(b.subarray(next), next + next - rec);
    return out;
  },
  splice: (b, _s, r) => {
    const at = Math.floor(r() * b.length);
    const n = 1 + Math.floor(r() * 64);
    return r() < 0.5 ? Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + n)])
      : Uint8Array.from([...b.subarray(0, at), ...Array.from({ length: n }, () => Math.floor(r() * 256)), ...b.subarray(at)]);
  },
};

function heapAfterGc(): number {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

test(`fuzz: ${INPUTS} mutated fixture windows decode or fail with CaptureError only, quickly, with a bounded heap`, async (t) => {
  const all = seeds();
  const names = Object.keys(mutations);
  const r = rng(0x1c5c5c0e);
  const counts = { events: 0, captureErrors: 0, slowest: 0 };
  const heap: number[] = [];
  const t0 = Date.now();
  for (let i = 0; i < INPUTS; i++) {
    const s = all[i % all.length];
    let b: Uint8Array = s.bytes.slice();
    const applied: string[] = [];
    for (let k = 1 + Math.floor(r() * 3); k > 0; k--) {
      const m = pick(names, r);
      applied.push(m);
      b = mutations[m](b, s, r);
    }
    const start = performance.now();
    try {
      decodeCaptureBytes(b, () => counts.events++, { name: `fuzz-${i}`, ports: [s.port], maxOutOfOrderBytes: 1 << 16 });
    } catch (e) {
      if (e instanceof CaptureError) counts.captureErrors++;
      else {
        const path = join(mkdtempSync(join(tmpdir(), "iscsiscope-fuzz-")), `input-${i}.${s.format}`);
        writeFileSync(path, b);
        assert.fail(`input ${i} (${applied.join("+")}, saved as ${path}) threw ${e instanceof Error ? e.stack : String(e)}`);
      }
    }
    counts.slowest = Math.max(counts.slowest, performance.now() - start);
    // pcap-parser queues a process.nextTick per file it opens: let them run, as any caller's event loop would.
    if (i % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
    if (i === 10_000 || i === INPUTS - 1) heap.push(heapAfterGc());
  }
  const seconds = (Date.now() - t0) / 1000;
  assert.ok(counts.slowest < 1000, `slowest input took ${counts.slowest.toFixed(0)} ms`);
  assert.ok(heap[1] - heap[0] < 16 * 1024 * 1024, `heap grew by ${((heap[1] - heap[0]) / 1048576).toFixed(1)} MiB over ${INPUTS - 10_000} inputs`);
  assert.ok(counts.events > INPUTS, "most inputs still decode to events");
  t.diagnostic(`fuzz: ${INPUTS} inputs from ${all.length} seeds in ${seconds.toFixed(1)} s, ${counts.captureErrors} CaptureErrors, ` +
    `slowest ${counts.slowest.toFixed(1)} ms, heap ${(heap[0] / 1048576).toFixed(1)} -> ${(heap[1] / 1048576).toFixed(1)} MiB`);
});
