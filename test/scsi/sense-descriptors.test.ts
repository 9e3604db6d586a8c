import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeSenseDescriptors, decodeSenseKeySpecific, senseDescriptorName } from "../../src/scsi/sense-descriptors.js";

test("decodeSenseKeySpecific() reads a field pointer for ILLEGAL REQUEST (SPC-4 §4.5.2.4.2)", () => {
  assert.deepEqual(decodeSenseKeySpecific(0x5, Uint8Array.of(0xc0, 0x00, 0x02)), { kind: "field-pointer", inCdb: true, bitPointer: undefined, fieldPointer: 2 });
  assert.deepEqual(decodeSenseKeySpecific(0x5, Uint8Array.of(0x8d, 0x01, 0x00)), { kind: "field-pointer", inCdb: false, bitPointer: 5, fieldPointer: 256 });
});

test("decodeSenseKeySpecific() reads retry counts, progress, segment pointers and overflow", () => {
  for (const key of [0x1, 0x3, 0x4]) assert.deepEqual(decodeSenseKeySpecific(key, Uint8Array.of(0x80, 0, 3)), { kind: "retry-count", count: 3 });
  assert.deepEqual(decodeSenseKeySpecific(0x2, Uint8Array.of(0x80, 0x40, 0x00)), { kind: "progress", progress: 0x4000, percent: 25 });
  assert.deepEqual(decodeSenseKeySpecific(0x0, Uint8Array.of(0x80, 0xff, 0xff)).kind, "progress");
  assert.deepEqual(decodeSenseKeySpecific(0xa, Uint8Array.of(0xaa, 0x00, 0x10)), { kind: "segment-pointer", segmentDescriptor: true, bitPointer: 2, fieldPointer: 16 });
  assert.deepEqual(decodeSenseKeySpecific(0x6, Uint8Array.of(0x81, 0, 0)), { kind: "overflow", overflow: true });
  assert.deepEqual(decodeSenseKeySpecific(0xe, Uint8Array.of(0x81, 0x02, 0x03)), { kind: "raw", value: 0x010203 });
});

test("senseDescriptorName() names SPC-4 table 29 types, vendor and reserved ones", () => {
  assert.equal(senseDescriptorName(0x00), "information");
  assert.equal(senseDescriptorName(0x05), "block commands");
  assert.equal(senseDescriptorName(0x09), "ATA status return");
  assert.equal(senseDescriptorName(0x80), "vendor specific (0x80)");
  assert.equal(senseDescriptorName(0x40), "reserved (0x40)");
});

test("decodeSenseDescriptors() decodes each known type and keeps the rest raw", () => {
  const list = decodeSenseDescriptors(Uint8Array.of(
    0x00, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 9, // information, VALID clear
    0x02, 0x06, 0, 0, 0x00, 0, 0, 0, // SKS with SKSV clear
    0x04, 0x02, 0, 0xa0, // stream commands: FILEMARK, ILI
    0x09, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // ATA status return, raw
  ), 0x3);
  assert.deepEqual(list, [
    { kind: "information", type: 0, valid: false, information: 9n },
    { kind: "sense-key-specific", type: 2, sksv: false, senseKeySpecific: undefined },
    { kind: "stream-commands", type: 4, filemark: true, eom: false, ili: true },
    { kind: "raw", type: 9, name: "ATA status return", data: new Uint8Array(12), truncated: false },
  ]);
});

test("decodeSenseDescriptors() keeps a too-short known descriptor raw and stops at a lone byte", () => {
  assert.deepEqual(decodeSenseDescriptors(Uint8Array.of(0x03, 0x01, 0x07, 0x05), 0), [
    { kind: "raw", type: 3, name: "field replaceable unit", data: Uint8Array.of(0x07), truncated: false },
    // 0x05 alone: no room for a length byte, nothing more decoded
  ]);
});
