/**
 * CRC32C (Castagnoli, reflected polynomial 0x82F63B78), the iSCSI header and data digest
 * (RFC 7143 §13.1). Digests go on the wire least significant byte first: 32 zero bytes give
 * 0x8A9136AA, sent as `aa 36 91 8a` (RFC 7143 Appendix B.4 test vector).
 *
 * Two implementations, chosen by length after measuring both (`npm run bench` prints the
 * figures): a slice-by-8 table in JavaScript, which wins on 48-byte headers because a call
 * into native code costs more than the arithmetic, and `@node-rs/crc32`, which uses the
 * CPU's CRC32 instruction and wins by far on data segments.
 */
import { createRequire } from "node:module";

const POLY = 0x82f63b78;

/** 8 tables of 256 entries: T[k][b] is the CRC of byte b followed by k zero bytes. */
const T = new Int32Array(8 * 256);
for (let b = 0; b < 256; b++) {
  let c = b;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  T[b] = c;
}
for (let b = 0; b < 256; b++) {
  for (let k = 1; k < 8; k++) {
    const prev = T[(k - 1) * 256 + b];
    T[k * 256 + b] = T[prev & 0xff] ^ (prev >>> 8);
  }
}

/**
 * CRC32C in JavaScript (slice-by-8). `crc` continues an earlier result, so
 * `crc32cJs(b, crc32cJs(a))` equals the CRC of `a` followed by `b`.
 *
 * @example
 * crc32cJs(new Uint8Array(32)).toString(16); // "8a9136aa"
 */
export function crc32cJs(bytes: Uint8Array, crc = 0, start = 0, end = bytes.length): number {
  let c = ~crc;
  let i = start;
  const n = end;
  const end8 = n - ((n - start) & 7);
  while (i < end8) {
    const lo = c ^ (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24));
    c =
      T[7 * 256 + (lo & 0xff)] ^
      T[6 * 256 + ((lo >>> 8) & 0xff)] ^
      T[5 * 256 + ((lo >>> 16) & 0xff)] ^
      T[4 * 256 + (lo >>> 24)] ^
      T[3 * 256 + bytes[i + 4]] ^
      T[2 * 256 + bytes[i + 5]] ^
      T[1 * 256 + bytes[i + 6]] ^
      T[bytes[i + 7]];
    i += 8;
  }
  while (i < n) c = T[(c ^ bytes[i++]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

type NativeCrc = (input: Uint8Array, initialState?: number) => number;

function loadNative(): NativeCrc | undefined {
  try {
    const mod = createRequire(import.meta.url)("@node-rs/crc32") as { crc32c: NativeCrc };
    // Guard against a binary that loads but disagrees with the RFC test vector.
    return mod.crc32c(new Uint8Array(32)) === 0x8a9136aa ? mod.crc32c : undefined;
  } catch {
    return undefined;
  }
}

/** The hardware-accelerated CRC32C of `@node-rs/crc32`, or undefined where it cannot load. */
export const crc32cNative: NativeCrc | undefined = loadNative();

/**
 * Below this many bytes the JavaScript table is faster than a native call (measured by
 * `npm run bench`: the native call costs ~130 ns of fixed overhead on this class of machine).
 */
export const NATIVE_THRESHOLD = 512;

/**
 * CRC32C of `bytes[start..end)`, continuing `crc`; the fastest implementation for the length.
 * The range saves a `subarray()`, which costs more than the CRC of a small on-heap header.
 *
 * @example
 * crc32c(new Uint8Array(32)) === 0x8a9136aa; // true
 */
export function crc32c(bytes: Uint8Array, crc = 0, start = 0, end = bytes.length): number {
  if (crc32cNative !== undefined && end - start >= NATIVE_THRESHOLD) {
    return crc32cNative(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end), crc);
  }
  return crc32cJs(bytes, crc, start, end);
}
