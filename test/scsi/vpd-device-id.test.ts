import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeDeviceIdentification } from "../../src/scsi/vpd-device-id.js";
import { fixture, oracleText, tshark, tsharkAll, tsharkCode } from "./oracle.js";

/** iscsi-inq's designator blocks: code set, PIV, association, type (it lists them last first). */
function libiscsiDesignators(name: string): Array<[number, number, number, number]> {
  const text = oracleText(name, "libiscsi");
  return [...text.matchAll(/Code Set:\((\d+)\).*\nPIV:(\d+)\nAssociation:\((\d+)\).*\nDesignator Type:\((\d+)\)/g)]
    .map((m) => [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])]);
}

test("decodeDeviceIdentification() on tgtd agrees with iscsi-inq on every designator's codes", () => {
  const id = decodeDeviceIdentification(fixture("vpd-83"));
  const ours = id.designators.map((d) => [d.codeSet, d.piv ? 1 : 0, d.association, d.designatorType]);
  assert.deepEqual(ours, libiscsiDesignators("vpd-83").reverse());
  assert.deepEqual([id.pageCode, id.pageLength, id.truncated], [0x83, 72, false]);
});

test("decodeDeviceIdentification() on tgtd agrees with tshark on codes and values", () => {
  const name = "vpd-83";
  const [t10, naa3, naa6] = decodeDeviceIdentification(fixture(name)).designators;
  assert.deepEqual(tsharkAll(name, "Code Set").map(tsharkCode), [t10.codeSet, naa3.codeSet, naa6.codeSet]);
  assert.deepEqual(tsharkAll(name, "Identifier Type").map(tsharkCode), [1, 3, 3]);
  assert.deepEqual(tsharkAll(name, "Identifier Length").map(Number), [t10.length, naa3.length, naa6.length]);
  assert.equal(t10.t10VendorId, tshark(name, "Vendor Id").trim());
  assert.equal(t10.value, `${tshark(name, "Vendor Id")}${tshark(name, "Identifier")}`);
  // tshark prints the locally assigned value from byte 1 on (byte 0 is 0x30 here).
  assert.equal(naa3.value, `naa.30${tshark(name, "Locally Assigned")}`);
  assert.deepEqual(tsharkAll(name, "NAA Designator Type").map(tsharkCode), [naa3.naa, naa6.naa]);
  assert.ok(naa6.value.endsWith(tshark(name, "Vendor Specific Identifier Extension")));
});

test("decodeDeviceIdentification() gives readable names and strings", () => {
  const [t10, naa3, naa6] = decodeDeviceIdentification(fixture("vpd-83")).designators;
  assert.deepEqual(
    [t10.codeSetName, t10.associationName, t10.designatorTypeName, t10.value, t10.t10VendorId],
    ["ASCII", "logical unit", "T10 vendor ID", "IET     00010001", "IET"],
  );
  assert.deepEqual([naa3.designatorTypeName, naa3.value, naa3.naa], ["NAA", "naa.3000000100000001", 3]);
  assert.deepEqual([naa6.value, naa6.naa, naa6.truncated], ["naa.60000000000000000e00000000010001", 6, false]);
  assert.equal(naa6.protocolIdentifier, undefined);
});

test("decodeDeviceIdentification() on the page cut at 64 bytes keeps the partial designator", () => {
  const id = decodeDeviceIdentification(fixture("vpd-83-short"));
  assert.equal(id.truncated, true);
  assert.equal(id.designators.length, 3);
  const last = id.designators[2];
  assert.deepEqual([last.length, last.designator.length, last.value, last.truncated], [16, 4, "naa.60000000", true]);
});

/** Designation descriptors built by hand from SPC-4 §7.8.6 (tgtd sends none of these). */
function page(...descriptors: number[][]): Uint8Array {
  const body = descriptors.flat();
  return Uint8Array.of(0x00, 0x83, body.length >> 8, body.length & 0xff, ...body);
}

test("decodeDeviceIdentification() decodes port designators with their protocol identifier", () => {
  const name = [...new TextEncoder().encode("iqn.2003-01.org.linux-iscsi:t1,t,0x0001"), 0, 0];
  const id = decodeDeviceIdentification(page(
    [0x53, 0x94, 0x00, 0x04, 0, 0, 0, 2], // iSCSI, PIV, target port, relative target port 2
    [0x51, 0x95, 0x00, 0x04, 0, 0, 0x01, 0x00], // target port group 256
    [0x53, 0xa8, 0x00, name.length, ...name], // SCSI name string, target device
    [0x01, 0x02, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8], // EUI-64
    [0x01, 0x06, 0x00, 0x04, 0, 0, 0, 9], // logical unit group 9
    [0x01, 0x07, 0x00, 0x04, 0xde, 0xad, 0xbe, 0xef], // MD5 (short, as hex)
  ));
  const [rtp, tpg, scsiName, eui, lug, md5] = id.designators;
  assert.deepEqual([rtp.protocolName, rtp.piv, rtp.associationName, rtp.designatorTypeName, rtp.numeric, rtp.value],
    ["iSCSI", true, "target port", "relative target port", 2, "2"]);
  assert.deepEqual([tpg.protocolIdentifier, tpg.designatorTypeName, tpg.numeric], [5, "target port group", 256]);
  assert.deepEqual([scsiName.codeSetName, scsiName.associationName, scsiName.value], ["UTF-8", "target device", "iqn.2003-01.org.linux-iscsi:t1,t,0x0001"]);
  assert.deepEqual([eui.value, eui.protocolIdentifier], ["eui.0102030405060708", undefined]);
  assert.deepEqual([lug.designatorTypeName, lug.numeric], ["logical unit group", 9]);
  assert.deepEqual([md5.designatorTypeName, md5.value], ["MD5 logical unit identifier", "deadbeef"]);
});

test("decodeDeviceIdentification() formats a UUID and names reserved codes", () => {
  const uuid = [0x10, 0, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef];
  const [u, odd] = decodeDeviceIdentification(page([0x01, 0x0a, 0x00, 18, ...uuid], [0x0f, 0x3f, 0x00, 0x01, 0xaa])).designators;
  assert.deepEqual([u.designatorTypeName, u.value], ["UUID", "12345678-9abc-def0-0123-456789abcdef"]);
  assert.deepEqual([odd.codeSetName, odd.associationName, odd.designatorTypeName, odd.value], ["reserved (15)", "reserved", "reserved (15)", "aa"]);
});

test("decodeDeviceIdentification() stops at a descriptor header cut in two", () => {
  const id = decodeDeviceIdentification(Uint8Array.of(0, 0x83, 0, 8, 0x01, 0x03, 0, 2, 0xaa, 0xbb, 0x01, 0x03));
  assert.equal(id.designators.length, 1);
  assert.equal(id.designators[0].value, "naa.aabb");
  assert.equal(id.truncated, false);
});
