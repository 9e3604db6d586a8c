import { test } from "node:test";
import assert from "node:assert/strict";
import { MAX_U32, MAX_U64, checkBig, checkUint } from "../../src/scsi/check.js";

test("checkUint() accepts 0..max integers and names the command and field otherwise", () => {
  checkUint("READ (10)", "TRANSFER LENGTH", 0, 0xffff);
  checkUint("READ (10)", "TRANSFER LENGTH", 0xffff, 0xffff);
  assert.throws(() => checkUint("READ (10)", "TRANSFER LENGTH", 0x10000, 0xffff), {
    name: "RangeError", message: "READ (10): TRANSFER LENGTH 65536 is not an integer in 0..65535",
  });
  assert.throws(() => checkUint("X", "F", Number.NaN, 1), RangeError);
  assert.throws(() => checkUint("X", "F", -0.5, 1), RangeError);
});

test("checkBig() accepts 0..max bigints only", () => {
  checkBig("READ (16)", "LOGICAL BLOCK ADDRESS", MAX_U64, MAX_U64);
  assert.throws(() => checkBig("READ (16)", "LOGICAL BLOCK ADDRESS", MAX_U64 + 1n, MAX_U64), /READ \(16\)/);
  assert.throws(() => checkBig("X", "F", 1 as unknown as bigint, MAX_U64), RangeError);
  assert.equal(MAX_U32, 2 ** 32 - 1);
});
