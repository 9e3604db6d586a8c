import { test } from "node:test";
import assert from "node:assert/strict";
import { formatLun, lunFromField, lunToField } from "../../src/scsi/lun.js";

test("lunToField() uses peripheral device addressing for LUNs 0-255 (SAM-5 §4.7.6.2)", () => {
  assert.equal(lunToField(0), 0n);
  assert.equal(lunToField(1), 0x0001_0000_0000_0000n);
  assert.equal(lunToField(255), 0x00ff_0000_0000_0000n);
});

test("lunToField() uses flat space addressing 0x40 for LUNs 256-16383 (SAM-5 §4.7.6.4)", () => {
  assert.equal(lunToField(256), 0x4100_0000_0000_0000n);
  assert.equal(lunToField(300), 0x412c_0000_0000_0000n);
  assert.equal(lunToField(16383), 0x7fff_0000_0000_0000n);
});

test("lunToField() refuses what single-level addressing cannot hold", () => {
  assert.throws(() => lunToField(16384), RangeError);
  assert.throws(() => lunToField(-1), RangeError);
  assert.throws(() => lunToField(1.5), RangeError);
});

test("lunFromField() inverts lunToField() for every single-level LUN", () => {
  for (let n = 0; n < 16384; n++) assert.equal(lunFromField(lunToField(n)), n);
});

test("lunFromField() reads flat space addressing below 256 too", () => {
  assert.equal(lunFromField(0x4005_0000_0000_0000n), 5);
});

test("lunFromField() gives undefined for other address methods, buses and multi-level LUNs", () => {
  assert.equal(lunFromField(0xc101_0000_0000_0000n), undefined); // REPORT LUNS well-known LUN
  assert.equal(lunFromField(0x0101_0000_0000_0000n), undefined); // peripheral, bus 1
  assert.equal(lunFromField(0x8001_0000_0000_0000n), undefined); // logical unit addressing
  assert.equal(lunFromField(0x0001_0002_0000_0000n), undefined); // second level
});

test("lunFromField() refuses a value that is not an unsigned 64-bit field", () => {
  assert.throws(() => lunFromField(-1n), RangeError);
  assert.throws(() => lunFromField(1n << 64n), RangeError);
});

test("formatLun() prints simple LUNs in decimal and anything else as the raw field in hex", () => {
  assert.equal(formatLun(0x0001_0000_0000_0000n), "1");
  assert.equal(formatLun(0x412c_0000_0000_0000n), "300");
  assert.equal(formatLun(0xc101_0000_0000_0000n), "0xc101000000000000");
  assert.equal(formatLun(0x0000_0000_0000_0001n), "0x0000000000000001");
});
