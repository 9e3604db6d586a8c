import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { PduError } from "../../src/errors.js";
import { PduFramer, PLACE_ROOM, type FramerOptions } from "../../src/wire/framer.js";
import { decodePdu } from "../../src/wire/decode.js";
import { encodePdu } from "../../src/wire/encode.js";
import type { Pdu } from "../../src/wire/types.js";
import { fixturePath } from "../helpers/paths.js";
import { readHexFixture } from "../helpers/hex.js";

/** Frame `stream` fed as the given chunks; returns the decoded PDUs and their offsets. */
function frame(chunks: Uint8Array[], opts: FramerOptions = {}): { pdus: Pdu[]; offsets: number[] } {
  const f = new PduFramer(opts);
  const pdus: Pdu[] = [];
  const offsets: number[] = [];
  for (const c of chunks) f.push(c, (p, info) => { pdus.push(p); offsets.push(info.offset); });
  assert.equal(f.buffered, 0, "no bytes left over at the end of a whole stream");
  return { pdus, offsets };
}

/** Stream fixtures named `stream-digest-*` carry header and data digests. */
function streamOptions(name: string): FramerOptions {
  const on = name.startsWith("stream-digest");
  return { headerDigest: on, dataDigest: on };
}

const streams = readdirSync(fixturePath("pdus")).filter((f) => f.startsWith("stream-") && f.endsWith(".hex"));

test("stream fixtures exist for the framer", () => {
  assert.ok(streams.length >= 4, `expected at least 4 stream fixtures, found ${streams.join(", ")}`);
});

for (const name of streams) {
  test(`PduFramer yields the same PDUs from ${name} split at every byte offset, and at every pair of offsets`, () => {
    const bytes = readHexFixture(fixturePath("pdus", name));
    const opts = streamOptions(name);
    const whole = frame([bytes], opts);
    assert.ok(whole.pdus.length >= 2, `${name} holds several PDUs`);
    for (let i = 1; i < bytes.length; i++) {
      const split = frame([bytes.subarray(0, i), bytes.subarray(i)], opts);
      assert.deepEqual(split, whole, `split at byte ${i}`);
    }
    // Three pieces: every first cut, a second cut a prime stride further (keeps the run short).
    for (let i = 1; i < bytes.length; i++) {
      for (let j = i + 1; j < bytes.length; j += 7) {
        const split = frame([bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)], opts);
        assert.deepEqual(split.offsets, whole.offsets, `split at ${i} and ${j}`);
      }
    }
    // One byte at a time.
    const single = frame(Array.from(bytes, (_, k) => bytes.subarray(k, k + 1)), opts);
    assert.deepEqual(single, whole);
  });
}

function nopOut(itt: number, data: Uint8Array): Pdu {
  return { kind: "nop-out", immediate: true, lun: 0n, itt, ttt: 0xffffffff, cmdSN: 1, expStatSN: 1, ahs: [], data };
}

test("PduFramer passes a PDU that arrives whole without copying it", () => {
  const bytes = encodePdu(nopOut(7, new Uint8Array([1, 2, 3])));
  const f = new PduFramer();
  let got: Uint8Array | undefined;
  f.push(bytes, (_p, info) => { got = info.bytes; });
  assert.equal(got?.buffer, bytes.buffer);
});

test("PduFramer rejects an unknown opcode with ERR_PDU_OPCODE and the stream offset, and stays failed", () => {
  const good = encodePdu(nopOut(1, new Uint8Array(0)));
  const bad = new Uint8Array(48);
  bad[0] = 0x3b;
  const f = new PduFramer();
  const seen: number[] = [];
  const push = (b: Uint8Array) => f.push(b, (p) => seen.push(p.kind === "nop-out" ? p.itt : -1));
  assert.throws(() => push(new Uint8Array([...good, ...bad])), (e: unknown) =>
    e instanceof PduError && e.code === "ERR_PDU_OPCODE" && e.offset === 48 && /0x3b/.test(e.message));
  assert.deepEqual(seen, [1]);
  assert.throws(() => push(good), (e: unknown) => e instanceof PduError && e.code === "ERR_PDU_OPCODE");
  f.reset();
  push(good);
  assert.deepEqual(seen, [1, 1]);
});

test("PduFramer refuses DataSegmentLength above maxDataSegmentLength before the data arrives", () => {
  const header = encodePdu(nopOut(1, new Uint8Array(9000))).subarray(0, 48);
  const f = new PduFramer({ maxDataSegmentLength: 8192 });
  f.push(header.subarray(0, 30), () => assert.fail("no PDU yet"));
  assert.throws(() => f.push(header.subarray(30), () => assert.fail("no PDU")),
    (e: unknown) => e instanceof PduError && e.code === "ERR_PDU_TOO_LONG" && /9000/.test(e.message));
  assert.equal(f.buffered, 48, "only the header was held");
});

test("PduFramer holds what arrived, not what a header claims", () => {
  const header = encodePdu(nopOut(1, new Uint8Array(0xfffff0))).subarray(0, 48);
  const f = new PduFramer();
  f.push(header, () => assert.fail("no PDU yet"));
  f.push(new Uint8Array(100), () => assert.fail("no PDU yet"));
  assert.equal(f.buffered, 148);
});

test("PduFramer reports a data digest mismatch to onError and frames on", () => {
  const opts = { headerDigest: true, dataDigest: true };
  const a = encodePdu(nopOut(1, new Uint8Array([9, 9, 9, 9, 9])), opts);
  const b = encodePdu(nopOut(2, new Uint8Array(0)), opts);
  a[a.length - 1] ^= 0xff;
  const f = new PduFramer(opts);
  const seen: number[] = [];
  const errors: Array<[string, number]> = [];
  f.push(new Uint8Array([...a, ...b]), (p) => seen.push(p.kind === "nop-out" ? p.itt : -1),
    (e, info) => errors.push([e.code, info.offset]));
  assert.deepEqual(errors, [["ERR_PDU_DIGEST", 0]]);
  assert.deepEqual(seen, [2]);
});

test("PduFramer applies digest settings changed between PDUs (digests start after login)", () => {
  const login = encodePdu({
    kind: "login-response", transit: true, continue: false, csg: 1, nsg: 3, versionMax: 0, versionActive: 0,
    isid: 0x400001370000, tsih: 5, itt: 0, statSN: 1, expCmdSN: 1, maxCmdSN: 64, statusClass: 0, statusDetail: 0,
    ahs: [], data: new Uint8Array(0),
  });
  const nop = encodePdu({ kind: "nop-in", lun: 0n, itt: 3, ttt: 0xffffffff, statSN: 2, expCmdSN: 2, maxCmdSN: 65,
    ahs: [], data: new Uint8Array(0) }, { headerDigest: true });
  const f = new PduFramer();
  const kinds: string[] = [];
  f.push(new Uint8Array([...login, ...nop]), (p) => {
    kinds.push(p.kind);
    if (p.kind === "login-response") f.headerDigest = true;
  });
  assert.deepEqual(kinds, ["login-response", "nop-in"]);
});

test("decodePdu() names the field and offset of a bad header digest", () => {
  const bytes = encodePdu(nopOut(1, new Uint8Array(0)), { headerDigest: true });
  bytes[20] ^= 1;
  assert.throws(() => decodePdu(bytes, { headerDigest: true, offset: 1000 }),
    (e: unknown) => e instanceof PduError && e.code === "ERR_PDU_DIGEST" && e.field === "HeaderDigest" && e.offset === 1000);
});

// ---- data placement ----

/** Data-In PDUs of `size` data bytes each (a 5-byte tail exercises padding), then a SCSI Response. */
function dataInStream(sizes: number[], opts: FramerOptions): { bytes: Uint8Array; data: Uint8Array[] } {
  const parts: Uint8Array[] = [];
  const data: Uint8Array[] = [];
  let offset = 0;
  sizes.forEach((n, sn) => {
    const d = Uint8Array.from({ length: n }, (_, k) => (k * 31 + sn * 7) & 0xff);
    data.push(d);
    parts.push(encodePdu({
      kind: "data-in", final: true, acknowledge: false, overflow: false, underflow: false, statusPresent: false,
      status: 0, lun: 0n, itt: 0x10 + sn, ttt: 0xffffffff, statSN: 0, expCmdSN: 1, maxCmdSN: 32, dataSN: 0,
      bufferOffset: offset, residualCount: 0, ahs: [], data: d,
    }, opts));
    offset += n;
  });
  parts.push(encodePdu({
    kind: "scsi-response", overflow: false, underflow: false, bidiReadOverflow: false, bidiReadUnderflow: false, response: 0, status: 0,
    itt: 0x99, snackTag: 0, statSN: 1, expCmdSN: 2, maxCmdSN: 33, expDataSN: 0, bidiReadResidualCount: 0, residualCount: 0,
    ahs: [], data: new Uint8Array(0),
  }, opts));
  const bytes = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) { bytes.set(p, o); o += p.length; }
  return { bytes, data };
}

for (const digests of [false, true]) {
  test(`PduFramer places large data segments where the placer says, split at many offsets${digests ? ", with digests" : ""}`, () => {
    const opts = { headerDigest: digests, dataDigest: digests };
    const { bytes, data } = dataInStream([20000, 65537, 300, 16384], opts);
    const whole = frame([bytes], opts);
    for (let cut = 1; cut < bytes.length; cut += 997) {
      const dests = new Map<number, Uint8Array>();
      const f = new PduFramer({
        ...opts,
        placer: (h, n) => {
          const d = new Uint8Array(n);
          dests.set((h[16] << 24 | h[17] << 16 | h[18] << 8 | h[19]) >>> 0, d);
          return d;
        },
      });
      const pdus: Pdu[] = [];
      const offsets: number[] = [];
      for (const c of [bytes.subarray(0, cut), bytes.subarray(cut, cut + 5000), bytes.subarray(cut + 5000)]) {
        f.push(c, (p, info) => { pdus.push(p); offsets.push(info.offset); });
      }
      assert.equal(f.buffered, 0);
      assert.deepEqual({ pdus, offsets }, whole, `cut at ${cut}`);
      for (const [itt, d] of dests) {
        const p = pdus.find((x) => x.kind === "data-in" && x.itt === itt)!;
        assert.equal(p.data.buffer, d.buffer, `the data of ITT ${itt} is a view of its destination`);
        assert.deepEqual(d, data[itt - 0x10]);
      }
      // Only segments of 16 KiB and more that span chunks are placed.
      for (const itt of dests.keys()) assert.ok(data[itt - 0x10].length >= 16384);
    }
  });
}

test("PduFramer: bytes read into readTarget() are not copied, and the next header is asked for alone", () => {
  const { bytes, data } = dataInStream([32768, 32768], {});
  const dest = [new Uint8Array(32768), new Uint8Array(32768)];
  let k = 0;
  const f = new PduFramer({ placer: () => dest[k++] });
  const pdus: Pdu[] = [];
  let at = 0;
  const feed = (n: number): void => {
    const target = f.readTarget();
    const room = target ?? new Uint8Array(n);
    const take = Math.min(n, room.length, bytes.length - at);
    room.set(bytes.subarray(at, at + take));
    at += take;
    f.push(room.subarray(0, take), (p) => pdus.push(p));
  };
  feed(100); // header of the first Data-In and 52 data bytes: copied
  assert.equal(f.readTarget()?.byteOffset, 52, "then reads go straight into the destination");
  feed(1 << 20);
  assert.equal(f.readTarget()?.length, 48, "after a placed PDU, the next BHS alone");
  while (at < bytes.length) feed(1 << 20);
  assert.deepEqual(pdus.map((p) => p.kind), ["data-in", "data-in", "scsi-response"]);
  assert.deepEqual(dest[0], data[0]);
  assert.deepEqual(dest[1], data[1]);
  assert.equal(f.readTarget(), undefined, "a PDU that was not placed ends the header-only reads");
});

for (const digests of [false, true]) {
  test(`PduFramer: with room after the placed data, one read takes the rest of the data and the next header${digests ? ", with digests" : ""}`, () => {
    const opts = { headerDigest: digests, dataDigest: digests };
    const sizes = [32767, 32768, 20001]; // padding after the first and last
    const { bytes, data } = dataInStream(sizes, opts);
    // One command's buffer: each Data-In's data at its offset, room given while more is to come.
    const total = sizes.reduce((a, b) => a + b, 0);
    const buf = new Uint8Array(total + 100).fill(0xee);
    const offsets = sizes.map((_, k) => sizes.slice(0, k).reduce((a, b) => a + b, 0));
    let k = 0;
    const f = new PduFramer({
      ...opts,
      placer: (_h, n) => {
        const at = offsets[k++];
        return buf.subarray(at, at + n < total ? Math.min(total, at + n + PLACE_ROOM) : at + n);
      },
    });
    const pdus: Pdu[] = [];
    const reads: number[] = [];
    let at = 0;
    const feed = (n: number): void => {
      const target = f.readTarget();
      const room = target ?? new Uint8Array(n);
      const take = Math.min(target ? room.length : n, bytes.length - at);
      room.set(bytes.subarray(at, at + take));
      at += take;
      reads.push(take);
      f.push(room.subarray(0, take), (p) => pdus.push(p));
    };
    feed(100); // the first header and some data, copied
    const hdr = 48 + (digests ? 4 : 0);
    const tail = (n: number): number => (4 - (n % 4)) % 4 + (digests ? 4 : 0);
    assert.equal(f.readTarget()?.length, sizes[0] - (100 - hdr) + tail(sizes[0]) + hdr, "the rest of the data, padding, digest and the next header");
    while (at < bytes.length) feed(1 << 20);
    assert.deepEqual(pdus.map((p) => p.kind), ["data-in", "data-in", "data-in", "scsi-response"]);
    // One read per Data-In after the first header; the last one has no room after it (the end of
    // the command's buffer), so its padding and the response's header are a read of their own.
    assert.deepEqual(reads.slice(1), [sizes[0] - (100 - hdr) + tail(sizes[0]) + hdr, sizes[1] + tail(sizes[1]) + hdr, sizes[2], tail(sizes[2]) + hdr]);
    sizes.forEach((n, i) => {
      assert.deepEqual(buf.subarray(offsets[i], offsets[i] + n), data[i], `data ${i} intact where it belongs`);
      assert.equal(pdus[i].data.buffer, buf.buffer, `data ${i} was placed`);
    });
    assert.deepEqual(buf.subarray(total), new Uint8Array(100).fill(0xee), "nothing written past the command's buffer");
  });
}

test("PduFramer: after a placed PDU, a next header that came in part is asked for in the rest of it alone", () => {
  const { bytes } = dataInStream([32768, 32768], {});
  const f = new PduFramer({ placer: (_h, n) => new Uint8Array(n) });
  const first = 48 + 32768;
  f.push(bytes.subarray(0, 100), () => undefined);
  f.push(bytes.subarray(100, first), () => undefined); // the first Data-In, placed
  assert.equal(f.readTarget()?.length, 48, "the next BHS alone");
  f.push(bytes.subarray(first, first + 20), () => undefined);
  assert.equal(f.readTarget()?.length, 28, "the 28 bytes left of that BHS, not a read into the shared buffer");
});

for (const room of [0, 64]) {
  test(`PduFramer.divert(dest) keeps a placed PDU whole without writing its destination any more${room ? ", with room after it" : ""}`, () => {
    const { bytes, data } = dataInStream([40000], {});
    // With room, what the placer gives (and divert() names) is longer than the data.
    const dest = new Uint8Array(40000 + room);
    const f = new PduFramer({ placer: () => dest });
    const pdus: Pdu[] = [];
    f.push(bytes.subarray(0, 10000), (p) => pdus.push(p));
    f.divert(new Uint8Array(40000 + room));
    assert.equal(f.readTarget()?.buffer, dest.buffer, "divert(other) leaves a placement into another buffer alone");
    f.divert(dest);
    assert.notEqual(f.readTarget()?.buffer, dest.buffer);
    f.push(bytes.subarray(10000), (p) => pdus.push(p));
    assert.deepEqual(dest.subarray(10000 - 48), new Uint8Array(40000 + room - 10000 + 48), "nothing written after divert()");
    assert.deepEqual(pdus[0].data, data[0]);
    assert.notEqual(pdus[0].data.buffer, dest.buffer);
  });
}

test("PduFramer with a placer still reports bad header and data digests, and a declined placement assembles as usual", () => {
  const opts = { headerDigest: true, dataDigest: true };
  for (const [where, field] of [[20, "HeaderDigest"], [48 + 4 + 100, "DataDigest"]] as const) {
    const { bytes } = dataInStream([20000], opts);
    bytes[where] ^= 1;
    let asked = 0;
    const f = new PduFramer({ ...opts, placer: (_h, n) => { asked++; return new Uint8Array(n); } });
    const errors: string[] = [];
    const kinds: string[] = [];
    f.push(bytes.subarray(0, 1000), (p) => kinds.push(p.kind), (e) => errors.push(e.field ?? ""));
    f.push(bytes.subarray(1000), (p) => kinds.push(p.kind), (e) => errors.push(e.field ?? ""));
    assert.deepEqual(errors, [field]);
    assert.deepEqual(kinds, ["scsi-response"]);
    assert.equal(asked, field === "HeaderDigest" ? 0 : 1, "no placement for a header that fails its digest");
  }
  const { bytes, data } = dataInStream([20000], {});
  const f = new PduFramer({ placer: () => undefined });
  const pdus: Pdu[] = [];
  f.push(bytes.subarray(0, 30), (p) => pdus.push(p));
  f.push(bytes.subarray(30, 7000), (p) => pdus.push(p));
  f.push(bytes.subarray(7000), (p) => pdus.push(p));
  assert.deepEqual(pdus[0].data, data[0]);
});
