import { test } from "node:test";
import assert from "node:assert/strict";
import { vpdHeader, vpdPage } from "../../src/scsi/vpd-header.js";
import { ScsiDecodeError } from "../../src/scsi/scsi-error.js";

test("vpdHeader() reads qualifier, device type, page code and the 2-byte page length", () => {
  assert.deepEqual(vpdHeader(Uint8Array.of(0x2c, 0x83, 0x01, 0x02), "p"), {
    peripheralQualifier: 1, peripheralDeviceType: 0x0c, pageCode: 0x83, pageLength: 0x102, truncated: true,
  });
  assert.equal(vpdHeader(Uint8Array.of(0, 0x80, 0, 1, 0x20), "p").truncated, false);
});

test("vpdHeader() throws ScsiDecodeError below 4 bytes, naming the page", () => {
  assert.throws(() => vpdHeader(Uint8Array.of(0, 0x80, 0), "VPD page 0x80"), (e: unknown) =>
    e instanceof ScsiDecodeError && e.structure === "VPD page 0x80" && e.needed === 4);
});

test("vpdPage() cuts the data at the end of the page", () => {
  const data = Uint8Array.of(0, 0, 0, 2, 0x00, 0x80, 0xff);
  assert.deepEqual(vpdPage(data, vpdHeader(data, "p")), Uint8Array.of(0, 0, 0, 2, 0x00, 0x80));
  const short = Uint8Array.of(0, 0, 0, 9, 0x00);
  assert.deepEqual(vpdPage(short, vpdHeader(short, "p")), short);
});
