/**
 * CRC32C (RFC 7143 §13.1): the RFC's test vectors, and the three implementations (slice-by-8
 * JavaScript, the native @node-rs/crc32 binding when it loads, and the dispatching crc32c())
 * against a bit-at-a-time reference, including continuation.
 *
 * Test vectors: RFC 7143 Appendix B.4 "CRC Examples", carried over unchanged from RFC 3720
 * Appendix B.4. The RFC lists each CRC as the four bytes sent on the wire, least significant
 * byte first; the numbers below are those bytes read as a little-endian 32-bit value. (Checked
 * against the B.4 text as quoted by several independent implementations' test suites and the
 * IPS working-group message that fixed the examples' byte order, msg05898.)
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { crc32c, crc32cJs, crc32cNative, NATIVE_THRESHOLD } from "../../src/wire/crc32c.js";
import { crc32cRef, PduBuilder } from "../helpers/pdu-builder.js";

/** The iSCSI SCSI Read (10) Command PDU of Appendix B.4, written word by word as the RFC prints it. */
const READ10_PDU = new PduBuilder()
  .u32(0x01c00000).u32(0x00000000).u32(0x00000000).u32(0x00000000)
  .u32(0x14000000).u32(0x00000400).u32(0x00000014).u32(0x00000018)
  .u32(0x28000000).u32(0x00000000).u32(0x02000000).u32(0x00000000)
  .build();

const VECTORS: [string, Uint8Array, string][] = [
  ["32 bytes of zeroes", new Uint8Array(32), "aa 36 91 8a"],
  ["32 bytes of ones (0xff)", new Uint8Array(32).fill(0xff), "43 ab a8 62"],
  ["32 incrementing bytes 00..1f", Uint8Array.from({ length: 32 }, (_, i) => i), "4e 79 dd 46"],
  ["32 decrementing bytes 1f..00", Uint8Array.from({ length: 32 }, (_, i) => 31 - i), "5c db 3f 11"],
  ["the 48-byte iSCSI SCSI Read (10) Command PDU", READ10_PDU, "56 3a 96 d9"],
];

type Crc = (b: Uint8Array, crc?: number) => number;
const IMPLEMENTATIONS: [string, Crc][] = [
  ["crc32cRef", crc32cRef], ["crc32cJs", crc32cJs], ["crc32c", crc32c],
  ...(crc32cNative ? [["crc32cNative", crc32cNative] as [string, Crc]] : []),
];

/** The digest as it goes on the wire (least significant byte first). */
function wire(crc: number): string {
  return new PduBuilder().u32le(crc).build().reduce((s, b) => `${s} ${b.toString(16).padStart(2, "0")}`, "").trim();
}

/** Deterministic pseudo-random bytes (xorshift32), so a failure can be replayed. */
function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

for (const [name, bytes, expected] of VECTORS) {
  test(`RFC 7143 Appendix B.4: ${name} -> ${expected} on the wire, in every implementation`, () => {
    for (const [impl, f] of IMPLEMENTATIONS) assert.equal(wire(f(bytes)), expected, impl);
  });
}

test("crc32cJs, crc32cNative (when it loads) and crc32c agree with the reference on every length 0..2048", (t) => {
  if (!crc32cNative) t.diagnostic("@node-rs/crc32 did not load here: crc32cNative not compared");
  for (let n = 0; n <= 2048; n++) {
    const bytes = randomBytes(n, 0x9e3779b9 ^ n);
    const want = crc32cRef(bytes);
    for (const [impl, f] of IMPLEMENTATIONS.slice(1)) assert.equal(f(bytes), want, `${impl}, length ${n}`);
  }
});

test("continuation: crc(b, crc(a)) equals crc(a + b), at every split of 3000 bytes, across the native threshold", () => {
  const all = randomBytes(3000, 7);
  const whole = crc32cRef(all);
  assert.ok(NATIVE_THRESHOLD < all.length, "the splits cross NATIVE_THRESHOLD");
  for (let k = 0; k <= all.length; k++) {
    const a = all.subarray(0, k);
    const b = all.subarray(k);
    assert.equal(crc32c(b, crc32c(a)), whole, `crc32c split at ${k}`);
    if (k % 61 === 0) {
      for (const [impl, f] of IMPLEMENTATIONS) assert.equal(f(b, f(a)), whole, `${impl} split at ${k}`);
      assert.equal(crc32cJs(b, crc32cRef(a)), whole, `mixed split at ${k}`);
    }
  }
});

test("crc32cNative loads on this machine (linux-x64 binary of @node-rs/crc32)", (t) => {
  if (process.platform !== "linux" || process.arch !== "x64") {
    t.diagnostic(`not linux-x64 (${process.platform}-${process.arch}): only the JavaScript path is checked`);
    return;
  }
  assert.ok(crc32cNative, "@node-rs/crc32 is a dependency; run npm install");
});
