import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { chapResponse, decodeBinary, encodeBinary, redactPairs } from "../../src/login/chap-response.js";
import type { TextPair } from "../../src/wire/text.js";

const SECRET = "iscsiscope-secret";
const CHALLENGE = Uint8Array.from({ length: 16 }, (_, i) => i); // 00 01 02 ... 0f
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

test("chapResponse() is MD5 over identifier octet, secret and challenge (RFC 1994 §4.1), laid out by hand", () => {
  const bytes = [0x2a, ...Buffer.from(SECRET, "utf8"), ...CHALLENGE];
  assert.equal(bytes.length, 1 + 17 + 16);
  const expected = createHash("md5").update(Uint8Array.from(bytes)).digest("hex");
  assert.equal(hex(chapResponse(5, 0x2a, SECRET, CHALLENGE)), expected);
  assert.equal(hex(chapResponse(5, 0x2a, Buffer.from(SECRET), CHALLENGE)), expected, "a byte secret gives the same");
});

test("chapResponse() known answers for MD5, SHA1, SHA-256, SHA3-256", () => {
  // Computed outside Node with Python's hashlib:
  //   python3 -c 'import hashlib; print(hashlib.new(N, bytes([0x2a]) + b"iscsiscope-secret" + bytes(range(16))).hexdigest())'
  // for N in md5, sha1, sha256, sha3_256.
  const known: [number, string][] = [
    [5, "65ae03a891fe9643356ca4fd42f1a806"],
    [6, "d8db20f7b71494842682a230f92c6859c759fd3a"],
    [7, "fd3cdd3c8c056891c4a0ab88ec3779d85c75c9a3074d254b2e5343e503bc61f8"],
    [8, "f5be6b1a7c164ddbdc1d19505762cbf55cfc2fcd809b5d565934af88e03e2c0b"],
  ];
  for (const [alg, digest] of known) assert.equal(hex(chapResponse(alg, 0x2a, SECRET, CHALLENGE)), digest, `CHAP_A=${alg}`);
  assert.throws(() => chapResponse(9, 0, SECRET, CHALLENGE), RangeError);
  assert.throws(() => chapResponse(5, 256, SECRET, CHALLENGE), RangeError);
});

test("encodeBinary()/decodeBinary(): 0x hex either case, odd digits, 0b base64 (RFC 7143 §6.1)", () => {
  assert.equal(encodeBinary(Uint8Array.of(0xc4, 0x64, 0x0e)), "0xc4640e");
  assert.deepEqual(decodeBinary("0xC4640E"), Uint8Array.of(0xc4, 0x64, 0x0e));
  assert.deepEqual(decodeBinary("0Xc4640e"), Uint8Array.of(0xc4, 0x64, 0x0e));
  assert.deepEqual(decodeBinary("0x123"), Uint8Array.of(0x01, 0x23), "odd digit count: leading zero");
  assert.deepEqual(decodeBinary("0bAAECAwQFBgcICQoLDA0ODw=="), CHALLENGE); // base64 from Python's base64.b64encode(bytes(range(16)))
  assert.deepEqual(decodeBinary("0BxGQ="), Uint8Array.of(0xc4, 0x64));
  for (const bad of ["0x", "0xZZ", "c464", "0b", "0bxGQ", "0bx=Q=", "0b!!!!", ""]) assert.equal(decodeBinary(bad), undefined, bad);
});

test("redactPairs() hides challenge and response values, keeps names and algorithms", () => {
  const pairs: TextPair[] = [["CHAP_A", "5"], ["CHAP_I", "1"], ["CHAP_C", "0x0102"], ["CHAP_N", "alice"], ["CHAP_R", "0xc464"], ["SRP_M", "0x99"]];
  assert.deepEqual(redactPairs(pairs), [["CHAP_A", "5"], ["CHAP_I", "1"], ["CHAP_C", "<redacted>"], ["CHAP_N", "alice"], ["CHAP_R", "<redacted>"], ["SRP_M", "<redacted>"]]);
  assert.equal(pairs[2][1], "0x0102", "the input is not changed");
});
