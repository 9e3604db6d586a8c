import { test } from "node:test";
import assert from "node:assert/strict";
import {
  inquiryCdb, modeSense10Cdb, modeSense6Cdb, readCapacity10Cdb, readCapacity16Cdb, reportLunsCdb,
  testUnitReadyCdb,
} from "../../src/scsi/cdb-query.js";

/** Expected CDBs are written out by hand from the SPC-4/SBC-3 CDB tables. */
function bytes(...b: number[]): Uint8Array {
  return Uint8Array.from(b);
}

test("testUnitReadyCdb() is six zero bytes (SPC-4 §6.47)", () => {
  assert.deepEqual(testUnitReadyCdb(), bytes(0, 0, 0, 0, 0, 0));
});

test("inquiryCdb() asks for standard data with allocation length 255", () => {
  assert.deepEqual(inquiryCdb(), bytes(0x12, 0, 0, 0, 0xff, 0));
});

test("inquiryCdb() with a page sets EVPD and the page code (SPC-4 §6.6.1)", () => {
  assert.deepEqual(inquiryCdb({ page: 0x83, allocationLength: 0x400 }), bytes(0x12, 0x01, 0x83, 0x04, 0x00, 0));
  assert.deepEqual(inquiryCdb({ page: 0x00, allocationLength: 64 }), bytes(0x12, 0x01, 0x00, 0x00, 0x40, 0));
});

test("inquiryCdb() refuses a page above 0xff and an allocation length above 65535", () => {
  assert.throws(() => inquiryCdb({ page: 0x100 }), RangeError);
  assert.throws(() => inquiryCdb({ allocationLength: 0x10000 }), RangeError);
  assert.throws(() => inquiryCdb({ allocationLength: -1 }), RangeError);
  assert.throws(() => inquiryCdb({ allocationLength: 1.5 }), RangeError);
});

test("reportLunsCdb() puts SELECT REPORT in byte 2 and a 32-bit allocation length in 6..9", () => {
  assert.deepEqual(reportLunsCdb(), bytes(0xa0, 0, 0, 0, 0, 0, 0x00, 0x00, 0x10, 0x00, 0, 0));
  assert.deepEqual(
    reportLunsCdb({ selectReport: 2, allocationLength: 0x01020304 }),
    bytes(0xa0, 0, 0x02, 0, 0, 0, 0x01, 0x02, 0x03, 0x04, 0, 0),
  );
});

test("reportLunsCdb() refuses an allocation length below 16 (SPC-4 §6.33)", () => {
  assert.throws(() => reportLunsCdb({ allocationLength: 15 }), /below 16/);
  assert.throws(() => reportLunsCdb({ allocationLength: 2 ** 32 }), RangeError);
  assert.throws(() => reportLunsCdb({ selectReport: 256 }), RangeError);
});

test("readCapacity10Cdb() is opcode 0x25 and nine zeros", () => {
  assert.deepEqual(readCapacity10Cdb(), bytes(0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0));
});

test("readCapacity16Cdb() is SERVICE ACTION IN (16) 0x9e/0x10 with allocation length 32", () => {
  assert.deepEqual(readCapacity16Cdb(), bytes(0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20, 0, 0));
  assert.deepEqual(readCapacity16Cdb(0x1000), bytes(0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0x00, 0, 0));
  assert.throws(() => readCapacity16Cdb(2 ** 32), RangeError);
});

test("modeSense6Cdb() defaults to all pages, current values, allocation length 255", () => {
  assert.deepEqual(modeSense6Cdb(), bytes(0x1a, 0, 0x3f, 0, 0xff, 0));
});

test("modeSense6Cdb() puts DBD in byte 1 bit 3, PC in byte 2 bits 7-6, subpage in byte 3", () => {
  assert.deepEqual(modeSense6Cdb({ pageCode: 0x08, dbd: true, pc: 1 }), bytes(0x1a, 0x08, 0x48, 0, 0xff, 0));
  assert.deepEqual(modeSense6Cdb({ pageCode: 0x3f, subpage: 0xff, pc: 3, allocationLength: 4 }), bytes(0x1a, 0, 0xff, 0xff, 4, 0));
});

test("modeSense6Cdb() refuses bad page, subpage, PC, allocation length and LLBAA", () => {
  assert.throws(() => modeSense6Cdb({ pageCode: 0x40 }), RangeError);
  assert.throws(() => modeSense6Cdb({ subpage: 0x100 }), RangeError);
  assert.throws(() => modeSense6Cdb({ pc: 4 }), RangeError);
  assert.throws(() => modeSense6Cdb({ allocationLength: 256 }), RangeError);
  assert.throws(() => modeSense6Cdb({ llbaa: true }), /MODE SENSE \(10\)/);
});

test("modeSense10Cdb() has LLBAA in byte 1 bit 4 and a 16-bit allocation length in 7..8", () => {
  assert.deepEqual(modeSense10Cdb(), bytes(0x5a, 0, 0x3f, 0, 0, 0, 0, 0xff, 0xff, 0));
  assert.deepEqual(
    modeSense10Cdb({ pageCode: 0x0a, pc: 2, dbd: true, llbaa: true, allocationLength: 0x1234 }),
    bytes(0x5a, 0x18, 0x8a, 0, 0, 0, 0, 0x12, 0x34, 0),
  );
  assert.throws(() => modeSense10Cdb({ allocationLength: 0x10000 }), RangeError);
});
