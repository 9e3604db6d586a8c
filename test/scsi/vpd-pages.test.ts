import { test } from "node:test";
import assert from "node:assert/strict";
import {
  decodeBlockDeviceCharacteristics, decodeBlockLimits, decodeLogicalBlockProvisioning,
  decodeSupportedVpdPages, decodeUnitSerialNumber,
} from "../../src/scsi/vpd-pages.js";
import { fixture, libiscsi, libiscsiNum, oracleText, tshark, tsharkAll, tsharkBool, tsharkCode } from "./oracle.js";

const bit = (v: boolean | undefined) => (v ? 1 : 0);

test("decodeSupportedVpdPages() on tgtd agrees with iscsi-inq and tshark", () => {
  const pages = decodeSupportedVpdPages(fixture("vpd-00"));
  const libiscsiPages = [...oracleText("vpd-00", "libiscsi").matchAll(/^Page:(0x[0-9a-f]{2})/gm)].map((m) => Number(m[1]));
  assert.deepEqual(pages.pages, libiscsiPages);
  assert.deepEqual(pages.pages, tsharkAll("vpd-00", "Supported Page").map(tsharkCode));
  assert.deepEqual([pages.pageCode, pages.pageLength, pages.truncated], [0x00, 6, false]);
});

test("decodeUnitSerialNumber() trims tgtd's right-aligned serial number", () => {
  const sn = decodeUnitSerialNumber(fixture("vpd-80"));
  assert.equal(sn.serialNumber, /\[(.*)\]/.exec(libiscsi("vpd-80", "Unit Serial Number"))?.[1].trim());
  assert.equal(sn.serialNumber, tshark("vpd-80", "Product Serial Number").trim());
  assert.equal(sn.serialNumber, "beaf11");
});

for (const name of ["vpd-b0-thick", "vpd-b0-thin"]) {
  test(`decodeBlockLimits() on ${name} agrees with iscsi-inq and tshark`, () => {
    const bl = decodeBlockLimits(fixture(name));
    assert.equal(bit(bl.wsnz), libiscsiNum(name, "wsnz"));
    assert.equal(bl.maxCompareAndWriteLength, libiscsiNum(name, "maximum compare and write length"));
    assert.equal(bl.optimalTransferLengthGranularity, libiscsiNum(name, "optimal transfer length granularity"));
    assert.equal(bl.maxTransferLength, libiscsiNum(name, "maximum transfer length"));
    assert.equal(bl.optimalTransferLength, libiscsiNum(name, "optimal transfer length"));
    assert.equal(bl.maxPrefetchLength, libiscsiNum(name, "maximum prefetch xdread xdwrite transfer length"));
    assert.equal(bl.maxUnmapLbaCount, libiscsiNum(name, "maximum unmap lba count"));
    assert.equal(bl.maxUnmapBlockDescriptorCount, libiscsiNum(name, "maximum unmap block descriptor count"));
    assert.equal(bl.optimalUnmapGranularity, libiscsiNum(name, "optimal unmap granularity"));
    assert.equal(bit(bl.ugaValid), libiscsiNum(name, "ugavalid"));
    assert.equal(bl.unmapGranularityAlignment, libiscsiNum(name, "unmap granularity alignment"));
    assert.equal(bl.maxWriteSameLength, BigInt(libiscsiNum(name, "maximum write same length")));
    assert.equal(bl.maxUnmapLbaCount, Number(tshark(name, "Maximum Unmap LBA Count")));
    assert.equal(bl.maxAtomicTransferLength, Number(tshark(name, "Maximum Atomic Transfer Length")));
    assert.equal(bl.truncated, false);
  });
}

test("decodeBlockLimits() reads UGAVALID apart from the 31-bit alignment", () => {
  const page = new Uint8Array(64);
  page.set([0x00, 0xb0, 0x00, 0x3c], 0);
  page.set([0x80, 0x00, 0x00, 0x08], 32);
  page.set([0, 0, 0, 1, 0, 0, 0, 0], 36);
  const bl = decodeBlockLimits(page);
  assert.deepEqual([bl.ugaValid, bl.unmapGranularityAlignment, bl.maxWriteSameLength], [true, 8, 0x1_0000_0000n]);
});

test("decodeBlockLimits() on an old 16-byte page leaves the later fields undefined", () => {
  const bl = decodeBlockLimits(Uint8Array.of(0, 0xb0, 0, 0x0c, 0, 0, 0, 1, 0, 0, 0x10, 0, 0, 0, 0, 0x80, 0xff, 0xff));
  assert.deepEqual([bl.optimalTransferLengthGranularity, bl.maxTransferLength, bl.optimalTransferLength], [1, 4096, 128]);
  assert.deepEqual([bl.maxPrefetchLength, bl.maxUnmapLbaCount, bl.maxWriteSameLength, bl.truncated], [undefined, undefined, undefined, false]);
});

test("decodeBlockDeviceCharacteristics() on tgtd agrees with iscsi-inq and tshark", () => {
  const name = "vpd-b1";
  const bdc = decodeBlockDeviceCharacteristics(fixture(name));
  assert.equal(bdc.mediumRotationRate, Number(/^(\d+)RPM$/.exec(libiscsi(name, "Medium Rotation Rate"))?.[1]));
  assert.equal(bdc.mediumRotationRate, tsharkCode(tshark(name, "Medium Rotation Rate")));
  assert.equal(bdc.nominalFormFactor, Number(tshark(name, "Nominal Form factor")));
  assert.equal(bdc.fuab, tsharkBool(tshark(name, "FUAB")));
  assert.deepEqual([bdc.rotationName, bdc.formFactorName, bdc.truncated], ["not reported", "not reported", false]);
});

test("decodeBlockDeviceCharacteristics() names solid state, rpm and form factors", () => {
  const page = (rate: number, ff: number) => Uint8Array.of(0, 0xb1, 0, 0x3c, rate >> 8, rate & 0xff, 0, ff, 0x03);
  const ssd = decodeBlockDeviceCharacteristics(page(1, 3));
  assert.deepEqual([ssd.rotationName, ssd.formFactorName, ssd.fuab, ssd.vbuls, ssd.truncated], ["non-rotating", '2.5"', true, true, true]);
  assert.equal(decodeBlockDeviceCharacteristics(page(7200, 2)).rotationName, "7200 rpm");
  assert.equal(decodeBlockDeviceCharacteristics(page(2, 9)).rotationName, "reserved (0x0002)");
  assert.equal(decodeBlockDeviceCharacteristics(page(2, 9)).formFactorName, "reserved");
});

for (const name of ["vpd-b2-thick", "vpd-b2-thin"]) {
  test(`decodeLogicalBlockProvisioning() on ${name} agrees with iscsi-inq and tshark`, () => {
    const lbp = decodeLogicalBlockProvisioning(fixture(name));
    assert.equal(lbp.thresholdExponent, libiscsiNum(name, "Threshold Exponent"));
    assert.equal(bit(lbp.lbpu), libiscsiNum(name, "lbpu"));
    assert.equal(bit(lbp.lbpws), libiscsiNum(name, "lbpws"));
    assert.equal(bit(lbp.lbpws10), libiscsiNum(name, "lbpws10"));
    assert.equal(lbp.lbprz, libiscsiNum(name, "lbprz"));
    assert.equal(bit(lbp.ancSup), libiscsiNum(name, "anc_sup"));
    assert.equal(bit(lbp.dp), libiscsiNum(name, "dp"));
    assert.equal(lbp.provisioningType, libiscsiNum(name, "provisioning type"));
    assert.equal(lbp.provisioningType, tsharkCode(tshark(name, "Provisioning Type")));
    assert.equal(lbp.lbpu, tsharkBool(tshark(name, "LBPU (logical block provisioning UNMAP)")));
  });
}

test("decodeLogicalBlockProvisioning() names tgtd's thin LUN as thin provisioned", () => {
  const lbp = decodeLogicalBlockProvisioning(fixture("vpd-b2-thin"));
  assert.deepEqual([lbp.provisioningTypeName, lbp.lbprz, lbp.truncated], ["thin provisioned", 1, false]);
  assert.equal(decodeLogicalBlockProvisioning(fixture("vpd-b2-thick")).provisioningTypeName, "full or not reported");
});

test("decodeLogicalBlockProvisioning() with the header only leaves every field undefined", () => {
  const lbp = decodeLogicalBlockProvisioning(Uint8Array.of(0, 0xb2, 0, 4));
  assert.deepEqual([lbp.thresholdExponent, lbp.lbpu, lbp.provisioningType, lbp.truncated], [undefined, undefined, undefined, true]);
});
