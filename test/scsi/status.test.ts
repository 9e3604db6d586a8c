import { test } from "node:test";
import assert from "node:assert/strict";
import { ScsiStatus, statusName } from "../../src/scsi/status.js";

test("statusName() spells every SAM-5 status code", () => {
  const expected: Array<[number, string]> = [
    [0x00, "GOOD"], [0x02, "CHECK CONDITION"], [0x04, "CONDITION MET"], [0x08, "BUSY"],
    [0x10, "INTERMEDIATE"], [0x14, "INTERMEDIATE-CONDITION MET"], [0x18, "RESERVATION CONFLICT"],
    [0x22, "COMMAND TERMINATED"], [0x28, "TASK SET FULL"], [0x30, "ACA ACTIVE"], [0x40, "TASK ABORTED"],
  ];
  for (const [code, name] of expected) assert.equal(statusName(code), name);
});

test("statusName() says RESERVED with the code for anything else", () => {
  assert.equal(statusName(0x01), "RESERVED (0x01)");
  assert.equal(statusName(0xff), "RESERVED (0xff)");
});

test("ScsiStatus holds the SAM-5 codes", () => {
  assert.equal(ScsiStatus.CheckCondition, 0x02);
  assert.equal(ScsiStatus.TaskSetFull, 0x28);
  assert.equal(statusName(ScsiStatus.ReservationConflict), "RESERVATION CONFLICT");
});
