/**
 * The PDU codec against bytes written independently of it: every fixtures/pdus/<opcode>-<case>.hex
 * (commented hex typed from RFC 7143 §11) must decode to the object typed by hand in cases/, and
 * that object must encode back to exactly the fixture's bytes, through encodePdu and encodePduVec.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { PduError } from "../../src/errors.js";
import { decodePdu, pduLength } from "../../src/wire/decode.js";
import { encodePdu, encodePduVec } from "../../src/wire/encode.js";
import type { DataIn, ScsiCommand } from "../../src/wire/types.js";
import { parseHex, readHexFixture } from "../helpers/hex.js";
import { fixturePath } from "../helpers/paths.js";
import { crc32cRef, PduBuilder } from "../helpers/pdu-builder.js";
import type { Case } from "./cases/common.js";
import { concat, LUN1, NONE, words } from "./cases/common.js";
import { INITIATOR_CASES } from "./cases/initiator.js";
import { TARGET_CASES } from "./cases/target.js";
import { STREAMS } from "./cases/streams.js";

function fixture(c: Case): Uint8Array {
  return readHexFixture(`pdus/${c.file}.hex`);
}

function checkCase(c: Case): void {
  describe(`${c.file}.hex (${c.shows})`, () => {
    const bytes = fixture(c);
    const opts = c.opts ?? {};
    test("decodePdu() gives every field of the hand-written object", () => {
      assert.equal(pduLength(bytes, opts), bytes.length, "pduLength() covers the whole fixture");
      assert.deepStrictEqual(decodePdu(bytes, opts), c.pdu);
    });
    test("encodePdu() gives exactly the fixture bytes", () => {
      assert.equal(words(encodePdu(c.pdu, opts)), words(bytes));
    });
    test("encodePduVec() concatenated gives exactly the fixture bytes", () => {
      assert.equal(words(concat(encodePduVec(c.pdu, opts))), words(bytes));
    });
  });
}

describe("initiator PDUs (RFC 7143 §11.3, 11.5, 11.7, 11.10, 11.12, 11.14, 11.16, 11.18)", () => {
  for (const c of INITIATOR_CASES) checkCase(c);
});

describe("target PDUs (RFC 7143 §11.4, 11.6-11.9, 11.11, 11.13, 11.15, 11.17, 11.19)", () => {
  for (const c of TARGET_CASES) checkCase(c);
});

test("every fixtures/pdus/*.hex file has a codec test", () => {
  const known = new Set([...INITIATOR_CASES, ...TARGET_CASES, ...STREAMS].map((c) => `${c.file}.hex`));
  const files = readdirSync(fixturePath("pdus")).filter((f) => f.endsWith(".hex"));
  assert.deepStrictEqual(files.filter((f) => !known.has(f)), []);
  assert.deepStrictEqual([...known].filter((f) => !files.includes(f)), []);
});

test("every opcode RFC 7143 §11 defines has at least one fixture", () => {
  const kinds = new Set([...INITIATOR_CASES, ...TARGET_CASES].map((c) => c.pdu.kind));
  for (const kind of [
    "nop-out", "scsi-command", "task-request", "login-request", "text-request", "data-out", "logout-request",
    "snack", "nop-in", "scsi-response", "task-response", "login-response", "text-response", "data-in",
    "logout-response", "r2t", "async-message", "reject", "vendor",
  ]) assert.ok(kinds.has(kind as Case["pdu"]["kind"]), kind);
});

test("reject-protocol-error.hex carries the header of snack-data-r2t.hex as its data (RFC 7143 §11.17)", () => {
  const reject = readHexFixture("pdus/reject-protocol-error.hex");
  const snack = readHexFixture("pdus/snack-data-r2t.hex");
  assert.equal(words(reject.subarray(48)), words(snack));
});

test("PduBuilder and r2t.hex, written separately, agree byte for byte", () => {
  const built = new PduBuilder()
    .u8(0x31).u8(0x80).u16(0).u8(0).u24(0).u64(LUN1).u32(0x24).u32(0x1000)
    .u32(0x1003).u32(4).u32(0x43).u32(0).u32(0).u32(1024).build();
  assert.equal(words(built), words(readHexFixture("pdus/r2t.hex")));
});

test("decodePdu() rejects a corrupted HeaderDigest or DataDigest with ERR_PDU_DIGEST", () => {
  const good = readHexFixture("pdus/data-in-digests.hex");
  const opts = { headerDigest: true, dataDigest: true };
  for (const [at, field] of [[48, "HeaderDigest"], [good.length - 1, "DataDigest"], [3, "HeaderDigest"],
    [52, "DataDigest"]] as const) {
    const bad = good.slice();
    bad[at] ^= 0x01;
    assert.throws(() => decodePdu(bad, opts), (e: unknown) =>
      e instanceof PduError && e.code === "ERR_PDU_DIGEST" && e.field === field, `flip byte ${at}`);
  }
});

test("decodePdu() rejects every fixture cut one byte short with ERR_PDU_TRUNCATED", () => {
  for (const c of [...INITIATOR_CASES, ...TARGET_CASES]) {
    const bytes = fixture(c);
    assert.throws(() => decodePdu(bytes.subarray(0, bytes.length - 1), c.opts ?? {}),
      (e: unknown) => e instanceof PduError && e.code === "ERR_PDU_TRUNCATED", c.file);
  }
});

test("decodePdu() rejects the reserved opcode 0x07 with ERR_PDU_OPCODE", () => {
  const bhs = new PduBuilder().u8(0x07).u8(0x80).bytes(new Uint8Array(46)).build();
  assert.throws(() => decodePdu(bhs), (e: unknown) => e instanceof PduError && e.code === "ERR_PDU_OPCODE");
});

test("a SCSI Command with a vendor AHS (type 64) keeps it in ahs and round-trips (RFC 7143 §11.2.2)", () => {
  // AHSLength 4 counts the AHS-specific byte and 3 data bytes; one byte pads the AHS to 8.
  const ahs = new PduBuilder().u16(4).u8(64).u8(0x5a).bytes([1, 2, 3]).pad4().build();
  const cdb = new Uint8Array(16);
  cdb[0] = 0x00; // TEST UNIT READY
  const header = new PduBuilder()
    .u8(0x01).u8(0x80).u16(0).u8(ahs.length / 4).u24(0).u64(LUN1).u32(0x60).u32(0).u32(7).u32(0x1002)
    .bytes(cdb).bytes(ahs).build();
  const bytes = new PduBuilder().bytes(header).u32le(crc32cRef(header)).build();
  const expected: ScsiCommand = {
    kind: "scsi-command", immediate: false, final: true, read: false, write: false, attr: 0, lun: LUN1,
    itt: 0x60, expectedDataTransferLength: 0, cmdSN: 7, expStatSN: 0x1002, cdb, bidiReadLength: undefined,
    ahs: [{ type: 64, specific: 0x5a, data: Uint8Array.from([1, 2, 3]) }], data: NONE,
  };
  assert.deepStrictEqual(decodePdu(bytes, { headerDigest: true }), expected);
  assert.equal(words(encodePdu(expected, { headerDigest: true })), words(bytes));
});

test("DataSegmentLength uses all 24 bits: a Data-In of 0x010203 bytes (RFC 7143 §11.2.1.4)", () => {
  const data = Uint8Array.from({ length: 0x010203 }, (_, i) => (i * 7) & 0xff);
  const bytes = new PduBuilder()
    .u8(0x25).u8(0x80).u8(0).u8(0).u8(0).u24(data.length).u64(LUN1).u32(0x70).u32(0xffffffff)
    .u32(0).u32(3).u32(0x42).u32(2).u32(0x20000).u32(0).bytes(data).pad4().build();
  const expected: DataIn = {
    kind: "data-in", final: true, acknowledge: false, overflow: false, underflow: false, statusPresent: false,
    status: 0, lun: LUN1, itt: 0x70, ttt: 0xffffffff, statSN: 0, expCmdSN: 3, maxCmdSN: 0x42, dataSN: 2,
    bufferOffset: 0x20000, residualCount: 0, ahs: [], data,
  };
  assert.equal(bytes.length, 48 + 0x010204);
  assert.deepStrictEqual(decodePdu(bytes), expected);
  assert.ok(Buffer.from(encodePdu(expected)).equals(bytes), "encodePdu() differs from the built bytes");
});

test("an 18-byte CDB spills 2 bytes into an Extended CDB AHS padded to 8 bytes (RFC 7143 §11.2.2)", () => {
  const cdb = Uint8Array.from({ length: 18 }, (_, i) => 0xe0 + i);
  const bytes = new PduBuilder()
    .u8(0x01).u8(0x80).u16(0).u8(2).u24(0).u64(0n).u32(0x71).u32(0).u32(9).u32(0x1006)
    .bytes(cdb.subarray(0, 16))
    .u16(3).u8(1).u8(0).bytes(cdb.subarray(16)).pad4() // AHSLength = CDBLength - 15 = 3
    .build();
  const expected: ScsiCommand = {
    kind: "scsi-command", immediate: false, final: true, read: false, write: false, attr: 0, lun: 0n,
    itt: 0x71, expectedDataTransferLength: 0, cmdSN: 9, expStatSN: 0x1006, cdb, bidiReadLength: undefined,
    ahs: [], data: NONE,
  };
  assert.deepStrictEqual(decodePdu(bytes), expected);
  assert.equal(words(encodePdu(expected)), words(bytes));
});

test("decodePdu() folds an Extended CDB AHS and a Bidirectional Read Length AHS in either order", () => {
  const cdb = Uint8Array.from({ length: 32 }, (_, i) => i);
  const ext = new PduBuilder().u16(17).u8(1).u8(0).bytes(cdb.subarray(16)).build();
  const bidi = new PduBuilder().u16(5).u8(2).u8(0).u32(0x800).build();
  for (const ahs of [[ext, bidi], [bidi, ext]]) {
    const bytes = new PduBuilder()
      .u8(0x01).u8(0xe1).u16(0).u8((ext.length + bidi.length) / 4).u24(0).u64(LUN1).u32(0x72).u32(0x200)
      .u32(10).u32(0x1006).bytes(cdb.subarray(0, 16)).bytes(ahs[0]).bytes(ahs[1]).build();
    const pdu = decodePdu(bytes);
    assert.ok(pdu.kind === "scsi-command");
    assert.deepStrictEqual([pdu.cdb, pdu.bidiReadLength, pdu.ahs], [cdb, 0x800, []]);
    // The RFC fixes no order between the two AHS, so only the round trip is checked.
    const again = encodePdu(pdu);
    assert.equal(again.length, bytes.length);
    assert.deepStrictEqual(decodePdu(again), pdu);
  }
});

test("parseHex() reads byte pairs, skips # comments, and names name:line on a bad token", () => {
  assert.deepStrictEqual(parseHex("01 c1  # flags\n\t00 0A # x y z\n# only a comment\n", "t"), Uint8Array.from([1, 0xc1, 0, 10]));
  assert.throws(() => parseHex("01 02\n03 0g 04\n", "pdus/x.hex"), /pdus\/x\.hex:2: bad token "0g"/);
  assert.throws(() => parseHex("0102\n", "y"), /y:1: bad token "0102"/);
});

test("encodePdu() refuses values that do not fit their fields (RangeError), never wraps them", () => {
  const nop = {
    kind: "nop-out" as const, immediate: true, lun: 0n, itt: 1, ttt: 0xffffffff, cmdSN: 1, expStatSN: 1,
    ahs: [], data: new Uint8Array(0),
  };
  assert.throws(() => encodePdu({ ...nop, itt: 2 ** 32 }), RangeError);
  assert.throws(() => encodePdu({ ...nop, itt: -1 }), RangeError);
  assert.throws(() => encodePdu({ ...nop, lun: 1n << 64n }), RangeError);
  assert.throws(() => encodePdu({
    kind: "login-request", immediate: true, transit: true, continue: false, csg: 5, nsg: 1, versionMax: 0,
    versionMin: 0, isid: 1, tsih: 0, itt: 1, cid: 0, cmdSN: 1, expStatSN: 0, ahs: [], data: new Uint8Array(0),
  }), RangeError);
  assert.throws(() => encodePdu({
    kind: "login-request", immediate: true, transit: true, continue: false, csg: 1, nsg: 3, versionMax: 0,
    versionMin: 0, isid: 2 ** 48, tsih: 0, itt: 1, cid: 0, cmdSN: 1, expStatSN: 0, ahs: [], data: new Uint8Array(0),
  }), RangeError);
});
