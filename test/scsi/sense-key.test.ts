import { test } from "node:test";
import assert from "node:assert/strict";
import { SenseKey, senseKeyName } from "../../src/scsi/sense-key.js";

test("senseKeyName() spells the 16 sense keys as SPC-4 table 27 does", () => {
  assert.deepEqual(Array.from({ length: 16 }, (_, k) => senseKeyName(k)), [
    "NO SENSE", "RECOVERED ERROR", "NOT READY", "MEDIUM ERROR", "HARDWARE ERROR", "ILLEGAL REQUEST",
    "UNIT ATTENTION", "DATA PROTECT", "BLANK CHECK", "VENDOR SPECIFIC", "COPY ABORTED",
    "ABORTED COMMAND", "OBSOLETE", "VOLUME OVERFLOW", "MISCOMPARE", "COMPLETED",
  ]);
});

test("senseKeyName() uses the low 4 bits only", () => {
  assert.equal(senseKeyName(0xf5), "ILLEGAL REQUEST");
});

test("SenseKey names the codes", () => {
  assert.equal(SenseKey.UnitAttention, 6);
  assert.equal(senseKeyName(SenseKey.DataProtect), "DATA PROTECT");
});
