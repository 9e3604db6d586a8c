import { before, test } from "node:test";
import assert from "node:assert/strict";
import {
  MMC_OPCODES, OSD_OPCODES, type OpcodeTable, SBC_OPCODES, SMC_OPCODES, SPC_OPCODES, SSC_OPCODES,
} from "../../src/scsi/opcode-tables.js";
import { runTshark, valueStrings } from "./tshark.js";

/** Our table, tshark's field, and the entries left out on purpose (see opcode-tables.ts). */
const TABLES: Array<[string, OpcodeTable, string, number[]]> = [
  ["SPC", SPC_OPCODES, "scsi.spc.opcode", []],
  ["SBC", SBC_OPCODES, "scsi_sbc.opcode", [0x7f]],
  ["SSC", SSC_OPCODES, "scsi_ssc.opcode", []],
  ["MMC", MMC_OPCODES, "scsi_mmc.opcode", []],
  ["SMC", SMC_OPCODES, "scsi_smc.opcode", [0x40]],
  ["OSD", OSD_OPCODES, "scsi_osd.opcode", [0x7f]],
];

let values = new Map<string, Map<number, string>>();
before(() => {
  values = valueStrings(runTshark(["-G", "values"]), TABLES.map(([, , field]) => field));
});

function theirTable(field: string): Map<number, string> {
  const table = values.get(field);
  assert.ok(table !== undefined && table.size > 0, `tshark -G values has no ${field}`);
  return table;
}

for (const [name, table, field, leftOut] of TABLES) {
  test(`${name}_OPCODES matches tshark's ${field} value strings for every opcode it lists`, () => {
    const theirs = theirTable(field);
    for (const [op, ours] of Object.entries(table)) {
      assert.equal(ours, theirs.get(Number(op)), `${name} 0x${Number(op).toString(16)}`);
    }
  });

  test(`${name}_OPCODES lists every ${field} entry except the ones tshark never prints`, () => {
    const missing = [...theirTable(field).keys()].filter((op) => table[op] === undefined);
    assert.deepEqual(missing, leftOut);
  });
}

test("the SBC table names the commands a disk sees as tshark does", () => {
  assert.equal(SBC_OPCODES[0x28], "Read(10)");
  assert.equal(SBC_OPCODES[0x2a], "Write(10)");
  assert.equal(SBC_OPCODES[0x25], "Read Capacity(10)");
  assert.equal(SBC_OPCODES[0x35], "Synchronize Cache(10)");
  assert.equal(SBC_OPCODES[0x93], "Write Same(16)");
  assert.equal(SBC_OPCODES[0x42], "Unmap");
  assert.equal(SBC_OPCODES[0x9e], "Service Action In(16)");
  assert.equal(SPC_OPCODES[0x00], "Test Unit Ready");
  assert.equal(SPC_OPCODES[0x12], "Inquiry");
  assert.equal(SPC_OPCODES[0xa0], "Report LUNs");
  assert.equal(SPC_OPCODES[0x1a], "Mode Sense(6)");
});
