import { test } from "node:test";
import assert from "node:assert/strict";
import { ASC_TABLE } from "../../src/scsi/asc-table.js";

const LINES = ASC_TABLE.split("\n").filter((l) => l !== "");

test("ASC_TABLE lines are 4 hex digits, a space and an upper-case name", () => {
  for (const line of LINES) {
    assert.match(line, /^[0-9A-F]{4} [A-Z0-9 ,.&()/_'-]+$|^4703 INFORMATION UNIT iuCRC ERROR DETECTED$/, line);
  }
});

test("ASC_TABLE is sorted with no code twice", () => {
  const codes = LINES.map((l) => parseInt(l.slice(0, 4), 16));
  assert.deepEqual(codes, [...new Set(codes)].sort((a, b) => a - b));
});

test("ASC_TABLE holds well over the 150 common codes and no vendor-specific one", () => {
  assert.ok(LINES.length >= 150, `${LINES.length} entries`);
  for (const line of LINES) {
    const code = parseInt(line.slice(0, 4), 16);
    // ASC 0x80-0xFF and ASCQ 0x80-0xFF are vendor specific, except the standard 5D FF.
    assert.ok(code >> 8 < 0x80 && ((code & 0xff) < 0x80 || code === 0x5dff), line);
  }
});
