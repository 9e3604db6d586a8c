import { test } from "node:test";
import assert from "node:assert/strict";
import { type DecodedSense, type SenseData, decodeSense } from "../../src/scsi/sense.js";
import { ScsiDecodeError } from "../../src/scsi/scsi-error.js";
import { fixture, oracleText, tshark, tsharkCode } from "./oracle.js";

/** The sense data of a recorded iSCSI data segment (after its 2-byte SenseLength). */
function senseOf(name: string): Uint8Array {
  return fixture(name).subarray(2);
}

function decoded(s: SenseData): DecodedSense {
  assert.notEqual(s.format, "unrecognized");
  return s as DecodedSense;
}

const TGTD = [
  "sense-ua-power-on", "sense-lba-out-of-range", "sense-lun-not-supported",
  "sense-descriptor-lba-out-of-range", "sense-descriptor-ua",
];

for (const name of TGTD) {
  test(`decodeSense() on tgtd's ${name} agrees with tshark, names included`, () => {
    const s = decoded(decodeSense(senseOf(name)));
    assert.equal(s.responseCode, tsharkCode(tshark(name, "SNS Error Type")));
    assert.equal(s.current, tshark(name, "SNS Error Type").startsWith("Current Error"));
    assert.equal(s.senseKey, tsharkCode(tshark(name, "Sense Key")));
    assert.equal(s.senseKeyName, tshark(name, "Sense Key").replace(/ \(0x.*$/, "").toUpperCase());
    const ascAscq = tsharkCode(tshark(name, "Additional Sense Code+Qualifier"));
    assert.deepEqual([s.asc, s.ascq], [ascAscq >> 8, ascAscq & 0xff]);
    assert.equal(s.ascName, tshark(name, "Additional Sense Code+Qualifier").replace(/ \(0x.*$/, "").toUpperCase());
    assert.equal(s.additionalLength, Number(tshark(name, "Additional Sense Length")));
    assert.equal(s.truncated, false);
  });
}

test("decodeSense() on tgtd's fixed-format sense leaves out INFORMATION (VALID 0) and SKS (SKSV 0)", () => {
  const s = decoded(decodeSense(senseOf("sense-lba-out-of-range")));
  assert.deepEqual(
    [s.format, s.deferred, s.information, s.commandSpecific, s.senseKeySpecific, s.fru, s.descriptors],
    ["fixed", false, undefined, 0n, undefined, 0, []],
  );
  assert.deepEqual([s.senseKeyName, s.ascName], ["ILLEGAL REQUEST", "LOGICAL BLOCK ADDRESS OUT OF RANGE"]);
});

test("decodeSense() on LUN 5's sense matches what iscsi-inq printed", () => {
  const s = decoded(decodeSense(senseOf("sense-lun-not-supported")));
  const m = /SENSE KEY:(\w+)\((\d+)\) ASCQ:(\w+)\(0x([0-9a-f]{4})\)/.exec(oracleText("sense-lun-not-supported", "libiscsi"));
  assert.ok(m !== null);
  assert.equal(s.senseKey, Number(m[2]));
  assert.equal(s.senseKeyName.replace(/ /g, "_"), m[1]);
  assert.equal((s.asc ?? 0) << 8 | (s.ascq ?? 0), parseInt(m[4], 16));
  assert.equal(s.ascName?.replace(/ /g, "_"), m[3]);
});

test("decodeSense() on tgtd's descriptor-format sense: header only, no descriptors", () => {
  const s = decoded(decodeSense(senseOf("sense-descriptor-lba-out-of-range")));
  assert.deepEqual([s.format, s.descriptors, s.information, s.ili], ["descriptor", [], undefined, false]);
});

/** sg_decode_sense lines, by their label. */
function sg(name: string): string {
  return oracleText(name, "sg_decode_sense");
}

test("decodeSense() on the hand-written descriptor sense agrees with sg_decode_sense", () => {
  const name = "sense-descriptor-handmade";
  const s = decoded(decodeSense(fixture(name)));
  assert.match(sg(name), /^Descriptor format, current; Sense key: Medium Error$/m);
  assert.equal(s.senseKeyName, "MEDIUM ERROR");
  assert.equal(s.ascName, /Additional sense: (.*)/.exec(sg(name))?.[1].toUpperCase());
  assert.equal(s.information, BigInt(/Information: (0x[0-9a-f]+)/.exec(sg(name))?.[1] ?? "-1"));
  assert.equal(s.commandSpecific, BigInt(/Command specific: (0x[0-9a-f]+)/.exec(sg(name))?.[1] ?? "-1"));
  assert.deepEqual(s.senseKeySpecific, { kind: "retry-count", count: Number(/Actual retry count: (\d+)/.exec(sg(name))?.[1]) });
  assert.equal(s.fru, Number(/Field replaceable unit code: (0x[0-9a-f]+)/.exec(sg(name))?.[1]));
  assert.equal(s.ili, /ILI\) set/.test(sg(name)));
  const vendor = s.descriptors[5];
  assert.deepEqual(vendor, { kind: "raw", type: 0x80, name: "vendor specific (0x80)", data: Uint8Array.of(0xde, 0xad, 0xbe, 0xef), truncated: false });
  assert.deepEqual(s.descriptors.map((d) => d.kind), ["information", "command-specific", "sense-key-specific", "fru", "block-commands", "raw"]);
});

test("decodeSense() on the hand-written fixed sense agrees with sg_decode_sense", () => {
  const name = "sense-fixed-handmade";
  const s = decoded(decodeSense(fixture(name)));
  assert.match(sg(name), /^Fixed format, current; Sense key: Illegal Request$/m);
  assert.equal(s.ascName, /Additional sense: (.*)/.exec(sg(name))?.[1].toUpperCase());
  assert.equal(s.information, BigInt(/Info fld=(0x[0-9a-f]+)/.exec(sg(name))?.[1] ?? "-1"));
  const [, byte, bitNo] = /Error in Command: byte (\d+) bit (\d+)/.exec(sg(name)) ?? [];
  assert.deepEqual(s.senseKeySpecific, { kind: "field-pointer", inCdb: true, bitPointer: Number(bitNo), fieldPointer: Number(byte) });
});

test("decodeSense() on the hand-written progress sense agrees with sg_decode_sense", () => {
  const name = "sense-progress-handmade";
  const s = decoded(decodeSense(fixture(name)));
  assert.equal(s.ascName, /Additional sense: (.*)/.exec(sg(name))?.[1].toUpperCase());
  const percent = Number(/Progress indication: ([\d.]+)%/.exec(sg(name))?.[1]);
  assert.ok(s.senseKeySpecific?.kind === "progress");
  assert.equal(s.senseKeySpecific.percent.toFixed(2), percent.toFixed(2));
  assert.equal(s.senseKeySpecific.progress, 0x8000);
});

test("decodeSense() tells deferred from current and reads the fixed-format flags", () => {
  const s = decoded(decodeSense(Uint8Array.of(0x71, 0, 0xe3, 0, 0, 0, 0, 0x0a, 0, 0, 0, 7, 0x0c, 0x00, 0x12, 0, 0, 0)));
  assert.deepEqual([s.current, s.deferred, s.filemark, s.eom, s.ili], [false, true, true, true, true]);
  assert.deepEqual([s.senseKeyName, s.ascName, s.commandSpecific, s.fru], ["MEDIUM ERROR", "WRITE ERROR", 7n, 0x12]);
  const d = decoded(decodeSense(Uint8Array.of(0x73, 0x06, 0x2a, 0x09, 0, 0, 0, 0)));
  assert.deepEqual([d.format, d.deferred, d.ascName], ["descriptor", true, "CAPACITY DATA HAS CHANGED"]);
});

test("decodeSense() returns short fixed-format sense with what is there, flagged", () => {
  const s = decoded(decodeSense(Uint8Array.of(0x70, 0, 0x05, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0, 0x24)));
  assert.deepEqual([s.senseKeyName, s.asc, s.ascq, s.ascName, s.fru, s.senseKeySpecific, s.truncated],
    ["ILLEGAL REQUEST", 0x24, undefined, undefined, undefined, undefined, true]);
  const eight = decoded(decodeSense(Uint8Array.of(0x70, 0, 0x06, 0, 0, 0, 0, 0)));
  assert.deepEqual([eight.asc, eight.commandSpecific, eight.truncated], [undefined, undefined, false]);
});

test("decodeSense() reads no fixed-format field past ADDITIONAL SENSE LENGTH", () => {
  const s = decoded(decodeSense(Uint8Array.of(0x70, 0, 0x05, 0, 0, 0, 0, 0x04, 0, 0, 0, 0, 0x24, 0x00, 0, 0, 0, 0)));
  assert.deepEqual([s.commandSpecific, s.asc, s.truncated], [0n, undefined, false]);
});

test("decodeSense() returns a descriptor cut short as raw and truncated", () => {
  const s = decoded(decodeSense(Uint8Array.of(0x72, 0x03, 0x11, 0x00, 0, 0, 0, 0x0c, 0x00, 0x0a, 0x80, 0, 0, 0)));
  assert.equal(s.truncated, true);
  assert.deepEqual(s.descriptors, [{ kind: "raw", type: 0, name: "information", data: Uint8Array.of(0x80, 0, 0, 0), truncated: true }]);
  assert.equal(s.information, undefined);
});

test("decodeSense() does not guess at response codes other than 0x70-0x73", () => {
  assert.deepEqual(decodeSense(Uint8Array.of(0x7f, 1, 2)), { format: "unrecognized", responseCode: 0x7f, raw: Uint8Array.of(0x7f, 1, 2) });
  assert.equal(decodeSense(Uint8Array.of(0x00)).format, "unrecognized");
  assert.equal(decodeSense(Uint8Array.of(0xf2, 0x05, 0x21, 0, 0, 0, 0, 0)).format, "descriptor"); // bit 7 is not part of the code
});

test("decodeSense() throws ScsiDecodeError only on an empty buffer or a header cut short", () => {
  assert.throws(() => decodeSense(new Uint8Array(0)), ScsiDecodeError);
  assert.throws(() => decodeSense(Uint8Array.of(0x70, 0, 5)), { code: "ERR_SCSI_TRUNCATED", structure: "fixed format sense data" });
  assert.throws(() => decodeSense(Uint8Array.of(0x72, 5, 0x21)), { structure: "descriptor format sense data" });
});
