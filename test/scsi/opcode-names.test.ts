import { test } from "node:test";
import assert from "node:assert/strict";
import { opName, scsiOpName } from "../../src/scsi/opcode-names.js";
import { tsharkOnSynthetic } from "./tshark.js";

const ALL_OPCODES = Array.from({ length: 256 }, (_, op) => Uint8Array.of(op, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));

test("scsiOpName() names by device type, then SPC, then Unknown", () => {
  assert.equal(scsiOpName(0x28), "Read(10)");
  assert.equal(scsiOpName(0x12), "Inquiry");
  assert.equal(scsiOpName(0x7f), "Variable Length CDB");
  assert.equal(scsiOpName(0x35, 0x05), "Synchronize Cache");
  assert.equal(scsiOpName(0x01, 0x01), "Rewind");
  assert.equal(scsiOpName(0x28, 0x0c), "Unknown (0x28)");
  assert.equal(scsiOpName(0x28, 0x0e), "Unknown (0x28)"); // tshark gives RBC devices SPC names only
  assert.equal(scsiOpName(0x02), "Unknown (0x02)");
});

test("opName() names READ CAPACITY (16) and other service actions as tshark's CDB tree does", () => {
  const sa = (op: number, action: number) => Uint8Array.of(op, action, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20, 0, 0);
  assert.equal(opName(sa(0x9e, 0x10)), "Read Capacity(16)");
  assert.equal(opName(sa(0x9e, 0x12)), "Get LBA Status");
  assert.equal(opName(sa(0x9e, 0x1f)), "Service Action In(16)");
  assert.equal(opName(sa(0xa3, 0x0c)), "Report Supported Opcodes");
  assert.equal(opName(Uint8Array.of(0x9e)), "Service Action In(16)");
  assert.equal(opName(new Uint8Array(0)), "Unknown (empty CDB)");
  assert.equal(opName(Uint8Array.of(0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0), 0x05), "Synchronize Cache");
});

test("scsiOpName() equals what tshark 4.0.17 prints for every opcode of every command set", () => {
  // Device types with a tshark command set, two without one, and a LUN with no INQUIRY.
  const types = [0x00, 0x01, 0x05, 0x08, 0x11, 0x0c, 0x0e, undefined];
  const luns = types.map((deviceType, i) => ({ lun: i + 1, deviceType, cdbs: ALL_OPCODES }));
  const { out, numbers } = tsharkOnSynthetic(luns, ["-T", "fields", "-e", "frame.number", "-e", "_ws.col.Info"]);
  const info = new Map(out.trim().split("\n").map((l) => [Number(l.split("\t")[0]), l.split("\t")[1]] as const));
  types.forEach((type, i) => {
    numbers[i].forEach((frame, op) => {
      const printed = info.get(frame) ?? "";
      const m = /^SCSI: (.*?) LUN: 0x/.exec(printed);
      const theirs = m ? m[1] : /^SCSI Command: 0x/.test(printed) ? `Unknown (0x${op.toString(16).padStart(2, "0")})` : printed;
      assert.equal(scsiOpName(op, type ?? 0), theirs, `device type ${type}, opcode 0x${op.toString(16)}`);
    });
  });
});

test("opName() equals the service action tshark shows in the CDB tree (real tshark, synthetic capture)", () => {
  const cdbs = [[0x9e, 0x10], [0x9e, 0x11], [0x9e, 0x12], [0x9e, 0x13], [0xa3, 0x0c]].map(([op, sa]) =>
    Uint8Array.of(op, sa, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20, 0, 0));
  const { out } = tsharkOnSynthetic([{ lun: 1, deviceType: 0, cdbs }], ["-O", "scsi"]);
  const shown = [...out.matchAll(/Service Action: (.*) \(0x[0-9a-f]+\)/g)].map((m) => m[1]);
  assert.deepEqual(shown, cdbs.map((cdb) => opName(cdb)));
  assert.deepEqual(shown, ["Read Capacity(16)", "Read Long(16)", "Get LBA Status", "Report Referrals", "Report Supported Opcodes"]);
});
