import { test } from "node:test";
import assert from "node:assert/strict";
import { ScsiOp, SERVICE_ACTION_MASK, ServiceAction } from "../../src/scsi/opcodes.js";
import { SBC_OPCODES, SPC_OPCODES } from "../../src/scsi/opcode-tables.js";

test("ScsiOp codes carry the names tshark gives them (SBC table, else SPC)", () => {
  const expected: Array<[number, string]> = [
    [ScsiOp.TestUnitReady, "Test Unit Ready"], [ScsiOp.Read6, "Read(6)"], [ScsiOp.Inquiry, "Inquiry"],
    [ScsiOp.ModeSense6, "Mode Sense(6)"], [ScsiOp.ReadCapacity10, "Read Capacity(10)"],
    [ScsiOp.Read10, "Read(10)"], [ScsiOp.Write10, "Write(10)"], [ScsiOp.Verify10, "Verify(10)"],
    [ScsiOp.SynchronizeCache10, "Synchronize Cache(10)"], [ScsiOp.WriteSame10, "Write Same(10)"],
    [ScsiOp.Unmap, "Unmap"], [ScsiOp.ModeSense10, "Mode Sense(10)"], [ScsiOp.Read16, "Read(16)"],
    [ScsiOp.CompareAndWrite, "Compare & Write(16)"], [ScsiOp.Write16, "Write(16)"],
    [ScsiOp.WriteSame16, "Write Same(16)"], [ScsiOp.ServiceActionIn16, "Service Action In(16)"],
    [ScsiOp.ReportLuns, "Report LUNs"], [ScsiOp.Read12, "Read(12)"], [ScsiOp.ReadBuffer, "Read Buffer"],
  ];
  for (const [op, name] of expected) assert.equal(SBC_OPCODES[op] ?? SPC_OPCODES[op], name);
});

test("ServiceAction codes fit the 5-bit SERVICE ACTION field", () => {
  assert.equal(ServiceAction.ReadCapacity16, 0x10);
  for (const v of Object.values(ServiceAction)) assert.equal(v & SERVICE_ACTION_MASK, v);
});
