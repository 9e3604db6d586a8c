import { test } from "node:test";
import assert from "node:assert/strict";
import { ascName } from "../../src/scsi/asc-names.js";

test("ascName() names the codes met every day (SPC-4 Annex D)", () => {
  const expected: Array<[number, number, string]> = [
    [0x00, 0x00, "NO ADDITIONAL SENSE INFORMATION"],
    [0x04, 0x01, "LOGICAL UNIT IS IN PROCESS OF BECOMING READY"],
    [0x04, 0x02, "LOGICAL UNIT NOT READY, INITIALIZING COMMAND REQUIRED"],
    [0x04, 0x03, "LOGICAL UNIT NOT READY, MANUAL INTERVENTION REQUIRED"],
    [0x04, 0x04, "LOGICAL UNIT NOT READY, FORMAT IN PROGRESS"],
    [0x04, 0x0a, "LOGICAL UNIT NOT ACCESSIBLE, ASYMMETRIC ACCESS STATE TRANSITION"],
    [0x11, 0x00, "UNRECOVERED READ ERROR"],
    [0x20, 0x00, "INVALID COMMAND OPERATION CODE"],
    [0x21, 0x00, "LOGICAL BLOCK ADDRESS OUT OF RANGE"],
    [0x24, 0x00, "INVALID FIELD IN CDB"],
    [0x25, 0x00, "LOGICAL UNIT NOT SUPPORTED"],
    [0x26, 0x00, "INVALID FIELD IN PARAMETER LIST"],
    [0x27, 0x00, "WRITE PROTECTED"],
    [0x28, 0x00, "NOT READY TO READY CHANGE, MEDIUM MAY HAVE CHANGED"],
    [0x29, 0x00, "POWER ON, RESET, OR BUS DEVICE RESET OCCURRED"],
    [0x29, 0x07, "I_T NEXUS LOSS OCCURRED"],
    [0x2a, 0x01, "MODE PARAMETERS CHANGED"],
    [0x2a, 0x09, "CAPACITY DATA HAS CHANGED"],
    [0x3a, 0x00, "MEDIUM NOT PRESENT"],
    [0x3f, 0x0e, "REPORTED LUNS DATA HAS CHANGED"],
    [0x47, 0x00, "SCSI PARITY ERROR"],
    [0x4b, 0x00, "DATA PHASE ERROR"],
    [0x5d, 0x00, "FAILURE PREDICTION THRESHOLD EXCEEDED"],
  ];
  for (const [asc, ascq, name] of expected) assert.equal(ascName(asc, ascq), name);
});

test("ascName() spells out the ranges SPC-4 defines by pattern", () => {
  assert.equal(ascName(0x40, 0x85), "DIAGNOSTIC FAILURE ON COMPONENT 0x85");
  assert.equal(ascName(0x4d, 0x2a), "TAGGED OVERLAPPED COMMANDS (TASK TAG 0x2a)");
  assert.equal(ascName(0x70, 0x03), "DECOMPRESSION EXCEPTION SHORT ALGORITHM ID OF 0x03");
  assert.equal(ascName(0x5d, 0x10), "HARDWARE IMPENDING FAILURE GENERAL HARD DRIVE FAILURE");
  assert.equal(ascName(0x5d, 0x6c), "FIRMWARE IMPENDING FAILURE DRIVE CALIBRATION RETRY COUNT");
  assert.equal(ascName(0x5d, 0x43), "SERVO IMPENDING FAILURE SEEK ERROR RATE TOO HIGH");
});

test("ascName() names vendor-specific codes as such, with the code", () => {
  assert.equal(ascName(0x80, 0x01), "VENDOR SPECIFIC (ASC/ASCQ 0x80/0x01)");
  assert.equal(ascName(0xff, 0xff), "VENDOR SPECIFIC (ASC/ASCQ 0xff/0xff)");
  assert.equal(ascName(0x04, 0x81), "VENDOR SPECIFIC QUALIFIER OF LOGICAL UNIT NOT READY, CAUSE NOT REPORTABLE (ASC/ASCQ 0x04/0x81)");
  assert.equal(ascName(0x7e, 0x90), "VENDOR SPECIFIC QUALIFIER OF ASC 0x7e (ASC/ASCQ 0x7e/0x90)");
});

test("ascName() falls back to the bare code for an unassigned pair", () => {
  assert.equal(ascName(0x7e, 0x01), "ASC/ASCQ 0x7e/0x01");
  assert.equal(ascName(0x21, 0x7f), "ASC/ASCQ 0x21/0x7f");
  assert.equal(ascName(0x5d, 0x0d), "ASC/ASCQ 0x5d/0x0d");
});
