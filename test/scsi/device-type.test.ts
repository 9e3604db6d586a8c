import { test } from "node:test";
import assert from "node:assert/strict";
import { deviceTypeName, qualifierName } from "../../src/scsi/device-type.js";

test("deviceTypeName() gives the SPC-4 names", () => {
  assert.equal(deviceTypeName(0x00), "Direct access block device");
  assert.equal(deviceTypeName(0x01), "Sequential-access device");
  assert.equal(deviceTypeName(0x05), "CD/DVD device");
  assert.equal(deviceTypeName(0x0c), "Storage array controller device");
  assert.equal(deviceTypeName(0x1f), "Unknown or no device type");
});

test("deviceTypeName() marks obsolete and reserved types with their code", () => {
  assert.equal(deviceTypeName(0x0a), "Obsolete (0x0a)");
  assert.equal(deviceTypeName(0x15), "Reserved (0x15)");
});

test("qualifierName() explains the peripheral qualifier", () => {
  assert.equal(qualifierName(0), "connected");
  assert.equal(qualifierName(1), "supported, not connected");
  assert.equal(qualifierName(3), "not supported");
  assert.equal(qualifierName(5), "Vendor specific (5)");
});
