import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { PduError } from "../../src/errors.js";
import { PduFramer, type FramerOptions } from "../../src/wire/framer.js";
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
