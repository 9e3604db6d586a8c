import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeReportLuns } from "../../src/scsi/report-luns.js";
import { ScsiDecodeError } from "../../src/scsi/scsi-error.js";
import { fixture, oracleText, tshark, tsharkAll } from "./oracle.js";

test("decodeReportLuns() on tgtd agrees with iscsi-ls -s and tshark", () => {
  const name = "report-luns";
  const rl = decodeReportLuns(fixture(name));
  const listed = [...oracleText(name, "libiscsi").matchAll(/^Lun:(\d+)/gm)].map((m) => Number(m[1]));
  assert.deepEqual(rl.luns.map((l) => l.lun), listed);
  assert.deepEqual(rl.luns.map((l) => l.lun), tsharkAll(name, "LUN").map(Number));
  assert.equal(rl.listLength, Number(tshark(name, "LUN List Length")));
  assert.deepEqual(rl.luns.map((l) => l.field), [0n, 0x0001_0000_0000_0000n, 0x0002_0000_0000_0000n]);
  assert.deepEqual([rl.count, rl.truncated], [3, false]);
});

test("decodeReportLuns() on the answer cut at 16 bytes returns one LUN of three", () => {
  const rl = decodeReportLuns(fixture("report-luns-short"));
  assert.deepEqual([rl.listLength, rl.count, rl.luns.length, rl.truncated], [24, 3, 1, true]);
});

test("decodeReportLuns() keeps fields that are not a simple LUN", () => {
  const data = Uint8Array.of(0, 0, 0, 16, 0, 0, 0, 0, 0xc1, 0x01, 0, 0, 0, 0, 0, 0, 0x41, 0x2c, 0, 0, 0, 0, 0, 0);
  assert.deepEqual(decodeReportLuns(data).luns, [{ field: 0xc101_0000_0000_0000n, lun: undefined }, { field: 0x412c_0000_0000_0000n, lun: 300 }]);
});

test("decodeReportLuns() reads no entries past LUN LIST LENGTH nor a partial entry", () => {
  const extra = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0);
  assert.deepEqual(decodeReportLuns(extra).luns, []);
  const partial = Uint8Array.of(0, 0, 0, 8, 0, 0, 0, 0, 0, 1, 0);
  assert.deepEqual([decodeReportLuns(partial).luns.length, decodeReportLuns(partial).truncated], [0, true]);
});

test("decodeReportLuns() throws ScsiDecodeError below the 8-byte header", () => {
  assert.throws(() => decodeReportLuns(new Uint8Array(7)), ScsiDecodeError);
});
