import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeInquiry } from "../../src/scsi/inquiry.js";
import { ScsiDecodeError } from "../../src/scsi/scsi-error.js";
import { fixture, libiscsi, libiscsiPairs, tshark, tsharkAll, tsharkCode } from "./oracle.js";

const bit = (v: boolean) => (v ? "1" : "0");

test("decodeInquiry() on tgtd's disk INQUIRY agrees with iscsi-inq field by field", () => {
  const name = "inquiry-disk";
  const inq = decodeInquiry(fixture(name));
  assert.equal(inq.peripheralQualifier, 0);
  assert.equal(libiscsi(name, "Peripheral Qualifier"), "CONNECTED");
  assert.equal(inq.peripheralDeviceType, 0);
  assert.equal(libiscsi(name, "Peripheral Device Type"), "DIRECT_ACCESS");
  assert.equal(bit(inq.removable), libiscsi(name, "Removable"));
  assert.equal(String(inq.version), libiscsi(name, "Version").split(" ")[0]);
  assert.equal(bit(inq.normAca), libiscsi(name, "NormACA"));
  assert.equal(bit(inq.hiSup), libiscsi(name, "HiSup"));
  assert.equal(String(inq.responseDataFormat), libiscsi(name, "ReponseDataFormat"));
  assert.equal(bit(inq.sccs), libiscsi(name, "SCCS"));
  assert.equal(bit(inq.acc), libiscsi(name, "ACC"));
  assert.equal(String(inq.tpgs), libiscsi(name, "TPGS"));
  assert.equal(bit(inq.threePc), libiscsi(name, "3PC"));
  assert.equal(bit(inq.protect), libiscsi(name, "Protect"));
  assert.equal(bit(inq.encServ), libiscsi(name, "EncServ"));
  assert.equal(bit(inq.multiP), libiscsi(name, "MultiP"));
  assert.equal(bit(inq.cmdQue), libiscsi(name, "CmdQue"));
  assert.equal(inq.vendor, libiscsi(name, "Vendor").trim());
  assert.equal(inq.product, libiscsi(name, "Product").trim());
  assert.equal(inq.revision, libiscsi(name, "Revision").trim());
  const descriptors = libiscsiPairs(name).filter(([k]) => k === "Version Descriptor").map(([, v]) => parseInt(v, 16));
  assert.deepEqual(inq.versionDescriptors, descriptors);
  assert.equal(inq.truncated, false);
});

test("decodeInquiry() on tgtd's disk INQUIRY agrees with tshark and says what it found", () => {
  const name = "inquiry-disk";
  const inq = decodeInquiry(fixture(name));
  assert.equal(inq.peripheralDeviceType, tsharkCode(tshark(name, "Device Type")));
  assert.equal(inq.version, tsharkCode(tshark(name, "Version")));
  assert.equal(inq.additionalLength, Number(tshark(name, "Additional Length")));
  assert.equal(inq.vendor, tshark(name, "Vendor Id").trim());
  assert.equal(inq.product, tshark(name, "Product Id").trim());
  assert.deepEqual(inq.versionDescriptors, tsharkAll(name, "Version Description").map(tsharkCode).filter((v) => v !== 0));
  assert.deepEqual(
    [inq.vendor, inq.product, inq.revision, inq.deviceTypeName, inq.qualifierName, inq.versionName],
    ["IET", "VIRTUAL-DISK", "0001", "Direct access block device", "connected", "SPC-3"],
  );
});

test("decodeInquiry() on tgtd's LUN 0 cut at 64 bytes returns what is there and flags it", () => {
  const name = "inquiry-controller-short";
  const inq = decodeInquiry(fixture(name));
  assert.equal(inq.peripheralDeviceType, tsharkCode(tshark(name, "Device Type")));
  assert.equal(inq.deviceTypeName, "Storage array controller device");
  assert.equal(inq.product, tshark(name, "Product Id").trim());
  assert.deepEqual(inq.versionDescriptors, tsharkAll(name, "Version Description").map(tsharkCode));
  assert.deepEqual(inq.versionDescriptors, [0x04c0, 0x0960, 0x01fb]);
  assert.equal(inq.truncated, true);
});

test("decodeInquiry() with only the 8 fixed bytes leaves the text fields undefined", () => {
  const inq = decodeInquiry(Uint8Array.of(0x7f, 0x80, 0x06, 0x32, 0x1f, 0xb9, 0x50, 0x02));
  assert.deepEqual(
    [inq.peripheralQualifier, inq.peripheralDeviceType, inq.qualifierName, inq.removable, inq.versionName],
    [3, 0x1f, "not supported", true, "SPC-4"],
  );
  assert.deepEqual([inq.normAca, inq.hiSup, inq.responseDataFormat], [true, true, 2]);
  assert.deepEqual([inq.sccs, inq.acc, inq.tpgs, inq.threePc, inq.protect], [true, false, 3, true, true]);
  assert.deepEqual([inq.encServ, inq.multiP, inq.cmdQue], [true, true, true]);
  assert.deepEqual([inq.vendor, inq.product, inq.revision, inq.versionDescriptors, inq.truncated], [undefined, undefined, undefined, [], true]);
});

test("decodeInquiry() keeps a partial vendor field and ignores descriptors past ADDITIONAL LENGTH", () => {
  const partial = decodeInquiry(Uint8Array.of(0, 0, 5, 2, 31, 0, 0, 0, 0x41, 0x42));
  assert.equal(partial.vendor, "AB");
  const data = new Uint8Array(74);
  data[4] = 31; // 36 bytes claimed, yet 74 sent
  data[58] = 0x04;
  assert.deepEqual(decodeInquiry(data).versionDescriptors, []);
});

test("decodeInquiry() throws ScsiDecodeError below 8 bytes", () => {
  assert.throws(() => decodeInquiry(new Uint8Array(7)), ScsiDecodeError);
  assert.throws(() => decodeInquiry(new Uint8Array(0)), { code: "ERR_SCSI_TRUNCATED" });
});
