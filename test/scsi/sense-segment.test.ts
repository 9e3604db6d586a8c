import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeSenseSegment } from "../../src/scsi/sense-segment.js";
import { ScsiDecodeError } from "../../src/scsi/scsi-error.js";
import { fixture } from "./oracle.js";

test("decodeSenseSegment() splits tgtd's segment: SenseLength 18, then fixed sense (RFC 7143 §11.4.7)", () => {
  const seg = decodeSenseSegment(fixture("sense-ua-power-on"));
  assert.equal(seg.senseLength, 18);
  assert.equal(seg.senseBytes.length, 18);
  assert.deepEqual([seg.responseData.length, seg.truncated, seg.senseError], [0, false, undefined]);
  assert.ok(seg.sense?.format === "fixed");
  assert.equal(seg.sense.ascName, "POWER ON, RESET, OR BUS DEVICE RESET OCCURRED");
});

test("decodeSenseSegment() handles tgtd's 8-byte descriptor sense", () => {
  const seg = decodeSenseSegment(fixture("sense-descriptor-lba-out-of-range"));
  assert.equal(seg.senseLength, 8);
  assert.ok(seg.sense?.format === "descriptor");
  assert.equal(seg.sense.senseKeyName, "ILLEGAL REQUEST");
});

test("decodeSenseSegment() returns response data that follows the sense data", () => {
  const seg = decodeSenseSegment(Uint8Array.of(0x00, 0x08, 0x72, 0x06, 0x29, 0, 0, 0, 0, 0, 0xaa, 0xbb));
  assert.deepEqual(seg.responseData, Uint8Array.of(0xaa, 0xbb));
  assert.equal(seg.sense?.format, "descriptor");
});

test("decodeSenseSegment() reads an empty segment or SenseLength 0 as no sense", () => {
  assert.deepEqual(decodeSenseSegment(new Uint8Array(0)), {
    senseLength: 0, senseBytes: new Uint8Array(0), sense: undefined, senseError: undefined, responseData: new Uint8Array(0), truncated: false,
  });
  const zero = decodeSenseSegment(Uint8Array.of(0, 0, 0x01));
  assert.deepEqual([zero.senseLength, zero.sense, zero.responseData], [0, undefined, Uint8Array.of(0x01)]);
});

test("decodeSenseSegment() flags a segment shorter than SenseLength and decodes what is there", () => {
  const full = fixture("sense-lba-out-of-range");
  const seg = decodeSenseSegment(full.subarray(0, 16));
  assert.deepEqual([seg.senseLength, seg.senseBytes.length, seg.truncated], [18, 14, true]);
  assert.ok(seg.sense?.format === "fixed");
  assert.deepEqual([seg.sense.asc, seg.sense.ascq, seg.sense.truncated], [0x21, 0x00, true]);
});

test("decodeSenseSegment() reports sense too short to decode as senseError, not an exception", () => {
  const seg = decodeSenseSegment(Uint8Array.of(0x00, 0x03, 0x70, 0x00, 0x05));
  assert.equal(seg.sense, undefined);
  assert.ok(seg.senseError instanceof ScsiDecodeError);
  assert.equal(seg.senseError.structure, "fixed format sense data");
});

test("decodeSenseSegment() throws ScsiDecodeError for a 1-byte segment", () => {
  assert.throws(() => decodeSenseSegment(Uint8Array.of(0)), ScsiDecodeError);
});
