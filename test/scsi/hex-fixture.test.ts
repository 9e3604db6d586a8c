import { test } from "node:test";
import assert from "node:assert/strict";
import { parseHex, readHexFixture } from "../helpers/hex.js";
import { fixturePath } from "../helpers/paths.js";

test("parseHex() reads hex pairs separated by any whitespace and skips # comments", () => {
  assert.deepEqual(parseHex("# header\n00 01\tFF   # a comment\n\n7f#tight\r\n0a", "t"), Uint8Array.of(0, 1, 0xff, 0x7f, 0x0a));
  assert.deepEqual(parseHex("", "t"), new Uint8Array(0));
});

test("parseHex() fails with name:line on a bad token", () => {
  assert.throws(() => parseHex("00 01\n02 0x3\n", "f.hex"), { message: 'f.hex:2: bad token "0x3" (expected two hex digits)' });
  assert.throws(() => parseHex("abc", "f.hex"), /f\.hex:1: bad token "abc"/);
  assert.throws(() => parseHex("0", "f.hex"), /f\.hex:1/);
  assert.throws(() => parseHex("00 // no", "f.hex"), /"\/\/"/);
});

test("readHexFixture() reads a fixture file and names the file in errors", () => {
  const data = readHexFixture(fixturePath("scsi", "read-capacity10.hex"));
  assert.deepEqual(data, Uint8Array.of(0x00, 0x01, 0xff, 0xff, 0x00, 0x00, 0x02, 0x00));
  assert.throws(() => readHexFixture(fixturePath("scsi", "no-such.hex")), /ENOENT/);
});
