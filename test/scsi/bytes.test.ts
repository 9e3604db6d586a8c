import { test } from "node:test";
import assert from "node:assert/strict";
import { ascii, be, be64, hex, hexByte, latin1, opt, opt64, optBit, optBits, put, put64 } from "../../src/scsi/bytes.js";

const B = Uint8Array.of(0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0);

test("be() and be64() read big-endian values (SPC-4 §3.5)", () => {
  assert.equal(be(B, 0, 2), 0x1234);
  assert.equal(be(B, 1, 3), 0x345678);
  assert.equal(be(B, 0, 4), 0x12345678);
  assert.equal(be(B, 2, 6), 0x56789abcdef0);
  assert.equal(be64(B, 0), 0x123456789abcdef0n);
  assert.equal(be64(B, 4, 4), 0x9abcdef0n);
});

test("opt(), opt64(), optBit() and optBits() give undefined past the end", () => {
  assert.equal(opt(B, [6, 2]), 0xdef0);
  assert.equal(opt(B, [7, 2]), undefined);
  assert.equal(opt64(B, [0, 8]), 0x123456789abcdef0n);
  assert.equal(opt64(B, [1, 8]), undefined);
  assert.equal(optBit(B, 7, 0x80), true);
  assert.equal(optBit(B, 8, 0x80), undefined);
  assert.equal(optBits(B, 0, 0x30), 1);
  assert.equal(optBits(B, 4, 0xe0), 4);
  assert.equal(optBits(B, 9, 0x01), undefined);
});

test("ascii() trims spaces and NULs and clamps to the bytes present", () => {
  const t = new TextEncoder().encode("  IET \0\0");
  assert.equal(ascii(t, [0, 8]), "IET");
  assert.equal(ascii(t, [2, 20]), "IET");
  assert.equal(ascii(t, [8, 4]), undefined);
});

test("latin1(), hex() and hexByte() never throw and keep every byte", () => {
  assert.equal(latin1(Uint8Array.of(0x41, 0xff)), "A\u00ff");
  assert.equal(hex(Uint8Array.of(0x00, 0x0a, 0xff)), "000aff");
  assert.equal(hexByte(0x2a), "0x2a");
  assert.equal(hexByte(0x2a, 4), "0x002a");
});

test("put() and put64() write big-endian values", () => {
  const b = new Uint8Array(12);
  put(b, 0, 4, 0x01020304);
  put(b, 4, 2, 0xffff);
  put64(b, 6, 6, 0x0a0b0c0d0e0fn);
  assert.deepEqual(b, Uint8Array.of(1, 2, 3, 4, 0xff, 0xff, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f));
});
