import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeReadCapacity10, decodeReadCapacity16 } from "../../src/scsi/read-capacity.js";
import { ScsiDecodeError } from "../../src/scsi/scsi-error.js";
import { fixture, libiscsiNum, tshark, tsharkBool } from "./oracle.js";

for (const name of ["read-capacity16-thick", "read-capacity16-thin"]) {
  test(`decodeReadCapacity16() on ${name} agrees with iscsi-readcapacity16 and tshark`, () => {
    const cap = decodeReadCapacity16(fixture(name));
    assert.equal(cap.lastLba, BigInt(libiscsiNum(name, "RETURNED LOGICAL BLOCK ADDRESS")));
    assert.equal(cap.blockLength, libiscsiNum(name, "LOGICAL BLOCK LENGTH IN BYTES"));
    assert.equal(cap.pType, libiscsiNum(name, "P_TYPE"));
    assert.equal(cap.protEn ? 1 : 0, libiscsiNum(name, "PROT_EN"));
    assert.equal(cap.pIExponent, libiscsiNum(name, "P_I_EXPONENT"));
    assert.equal(cap.logicalPerPhysicalExponent, libiscsiNum(name, "LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT"));
    assert.equal(cap.lbpme ? 1 : 0, libiscsiNum(name, "LBPME"));
    assert.equal(cap.lbprz ? 1 : 0, libiscsiNum(name, "LBPRZ"));
    assert.equal(cap.lowestAlignedLba, libiscsiNum(name, "LOWEST ALIGNED LOGICAL BLOCK ADDRESS"));
    assert.equal(cap.capacityBytes, BigInt(libiscsiNum(name, "Total size")));
    assert.equal(cap.lastLba, BigInt(tshark(name, "Logical Block Address").split(" ")[0]));
    assert.equal(cap.lbpme, tsharkBool(tshark(name, "LBPME (logical block provisioning management enabled) / TPE")));
    assert.equal(cap.truncated, false);
  });
}

test("decodeReadCapacity16() with only LBA and block length leaves the flags undefined", () => {
  const cap = decodeReadCapacity16(Uint8Array.of(0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x10, 0));
  assert.deepEqual([cap.lastLba, cap.blockLength, cap.capacityBytes], [0x1_0000_0000n, 4096, 0x1_0000_0001n * 4096n]);
  assert.deepEqual([cap.pType, cap.protEn, cap.lbpme, cap.lowestAlignedLba, cap.truncated], [undefined, undefined, undefined, undefined, true]);
});

test("decodeReadCapacity16() reads protection and alignment bits (SBC-3 table 66)", () => {
  const data = new Uint8Array(32);
  data.set([0x00, 0x00, 0x02, 0x00], 8);
  data.set([0x05, 0x23, 0x80, 0x07], 12);
  const cap = decodeReadCapacity16(data);
  assert.deepEqual([cap.pType, cap.protEn, cap.pIExponent, cap.logicalPerPhysicalExponent], [2, true, 2, 3]);
  assert.deepEqual([cap.lbpme, cap.lbprz, cap.lowestAlignedLba], [true, false, 7]);
});

test("decodeReadCapacity10() on tgtd agrees with tshark", () => {
  const name = "read-capacity10";
  const cap = decodeReadCapacity10(fixture(name));
  assert.equal(cap.lastLba, Number(tshark(name, "LBA").split(" ")[0]));
  assert.equal(cap.blockLength, Number(tshark(name, "Block size in bytes")));
  assert.deepEqual(cap, { lastLba: 131071, blockLength: 512, capacityBytes: 67108864n, useReadCapacity16: false });
});

test("decodeReadCapacity10() says when READ CAPACITY (16) is needed", () => {
  assert.equal(decodeReadCapacity10(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0, 0, 2, 0)).useReadCapacity16, true);
});

test("the READ CAPACITY decoders throw ScsiDecodeError on data shorter than their mandatory fields", () => {
  assert.throws(() => decodeReadCapacity10(new Uint8Array(7)), ScsiDecodeError);
  assert.throws(() => decodeReadCapacity16(new Uint8Array(11)), ScsiDecodeError);
});
