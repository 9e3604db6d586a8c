import { test } from "node:test";
import assert from "node:assert/strict";
import { VpdPageCode, decodeVpd } from "../../src/scsi/vpd.js";
import { ScsiDecodeError } from "../../src/scsi/scsi-error.js";
import { fixture } from "./oracle.js";

test("decodeVpd() dispatches every recorded tgtd page to its decoder", () => {
  const kinds = ["vpd-00", "vpd-80", "vpd-83", "vpd-b0-thin", "vpd-b1", "vpd-b2-thin"].map((n) => decodeVpd(fixture(n)).kind);
  assert.deepEqual(kinds, [
    "supported-pages", "unit-serial-number", "device-identification", "block-limits",
    "block-device-characteristics", "logical-block-provisioning",
  ]);
});

test("decodeVpd() results carry the decoded fields", () => {
  const page = decodeVpd(fixture("vpd-b0-thin"));
  assert.ok(page.kind === "block-limits");
  assert.equal(page.maxUnmapLbaCount, 0xffffffff);
  const sn = decodeVpd(fixture("vpd-80"));
  assert.ok(sn.kind === "unit-serial-number" && sn.serialNumber === "beaf11");
});

test("decodeVpd() returns SBC pages of a non-disk device, and unknown pages, raw", () => {
  const tape = decodeVpd(Uint8Array.of(0x01, 0xb0, 0x00, 0x02, 0xaa, 0xbb, 0xcc));
  assert.deepEqual(tape.kind === "raw" && [tape.peripheralDeviceType, tape.pageCode, tape.body], [1, 0xb0, Uint8Array.of(0xaa, 0xbb)]);
  const unknown = decodeVpd(Uint8Array.of(0x00, 0x86, 0x00, 0x01, 0x07));
  assert.deepEqual(unknown.kind === "raw" && unknown.body, Uint8Array.of(0x07));
  assert.equal(VpdPageCode.LogicalBlockProvisioning, 0xb2);
});

test("decodeVpd() throws ScsiDecodeError below the 4-byte header", () => {
  assert.throws(() => decodeVpd(Uint8Array.of(0, 0x83)), ScsiDecodeError);
});
