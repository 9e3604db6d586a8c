/**
 * Big-endian readers and writers for SCSI structures (SPC-4 §3.5: multi-byte fields are
 * big-endian). Internal to src/scsi, not re-exported by index.ts.
 *
 * The `opt*` readers return `undefined` when the field does not fit in the bytes a target
 * sent: decoders use them for every field after a structure's mandatory header, so short
 * data from a target becomes missing fields, never an exception or a wrong zero.
 */

/** A field of a SCSI structure: `[offset, size]` in bytes. */
export type Span = readonly [offset: number, size: number];

/**
 * Unsigned big-endian value of 1 to 6 bytes at `o`; the caller checks the length.
 *
 * @example
 * be(new Uint8Array([0x01, 0x02]), 0, 2); // 0x0102
 */
export function be(b: Uint8Array, o: number, size: number): number {
  let v = 0;
  for (let i = 0; i < size; i++) v = v * 256 + b[o + i];
  return v;
}

/**
 * Unsigned big-endian value of up to 8 bytes at `o` as a bigint; the caller checks the length.
 *
 * @example
 * be64(new Uint8Array(8).fill(0xff), 0, 8); // 18446744073709551615n
 */
export function be64(b: Uint8Array, o: number, size = 8): bigint {
  let v = 0n;
  for (let i = 0; i < size; i++) v = (v << 8n) | BigInt(b[o + i]);
  return v;
}

/**
 * The number in `span`, or undefined when `b` ends before the span does.
 *
 * @example
 * opt(new Uint8Array([0, 0, 2]), [1, 2]); // 2
 */
export function opt(b: Uint8Array, span: Span): number | undefined {
  return span[0] + span[1] <= b.length ? be(b, span[0], span[1]) : undefined;
}

/**
 * The 64-bit number in `span` as a bigint, or undefined when it does not fit in `b`.
 *
 * @example
 * opt64(new Uint8Array(8), [0, 8]); // 0n
 */
export function opt64(b: Uint8Array, span: Span): bigint | undefined {
  return span[0] + span[1] <= b.length ? be64(b, span[0], span[1]) : undefined;
}

/**
 * Bit `mask` of byte `o`, or undefined when byte `o` is missing.
 *
 * @example
 * optBit(new Uint8Array([0x80]), 0, 0x80); // true
 */
export function optBit(b: Uint8Array, o: number, mask: number): boolean | undefined {
  return o < b.length ? (b[o] & mask) !== 0 : undefined;
}

/**
 * The bits `mask` of byte `o` shifted down, or undefined when byte `o` is missing.
 *
 * @example
 * optBits(new Uint8Array([0x30]), 0, 0x30); // 3
 */
export function optBits(b: Uint8Array, o: number, mask: number): number | undefined {
  if (o >= b.length) return undefined;
  let v = b[o] & mask;
  for (let m = mask; (m & 1) === 0; m >>>= 1) v >>>= 1;
  return v;
}

/**
 * ASCII text of `span` clamped to the bytes present, with NULs and surrounding spaces
 * removed (SPC-4 §4.4.1: ASCII fields are padded with spaces; targets also pad with NULs).
 * Undefined when not even the first byte is present.
 *
 * @example
 * ascii(new TextEncoder().encode("IET     "), [0, 8]); // "IET"
 */
export function ascii(b: Uint8Array, span: Span): string | undefined {
  if (span[0] >= b.length) return undefined;
  return latin1(b.subarray(span[0], Math.min(b.length, span[0] + span[1])))
    .replace(/\0+$/, "")
    .trim();
}

/**
 * Bytes as a Latin-1 string (every byte value maps to one character; never throws).
 *
 * @example
 * latin1(new Uint8Array([0x41, 0x42])); // "AB"
 */
export function latin1(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

/**
 * Lowercase hex of `b`, no separators.
 *
 * @example
 * hex(new Uint8Array([0x60, 0x0a])); // "600a"
 */
export function hex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += b[i].toString(16).padStart(2, "0");
  return s;
}

/**
 * `0xNN` with at least `digits` lowercase hex digits.
 *
 * @example
 * hexByte(0x2a); // "0x2a"
 */
export function hexByte(v: number, digits = 2): string {
  return `0x${v.toString(16).padStart(digits, "0")}`;
}

/**
 * Write `v` big-endian into `size` bytes at `o`. Works for values up to 2^53-1.
 *
 * @example
 * const b = new Uint8Array(4); put(b, 0, 4, 0x01020304); // b = 01 02 03 04
 */
export function put(b: Uint8Array, o: number, size: number, v: number): void {
  for (let i = size - 1; i >= 0; i--) {
    b[o + i] = v % 256;
    v = Math.floor(v / 256);
  }
}

/**
 * Write the bigint `v` big-endian into `size` bytes at `o`.
 *
 * @example
 * const b = new Uint8Array(8); put64(b, 0, 8, 1n); // b = 00 .. 00 01
 */
export function put64(b: Uint8Array, o: number, size: number, v: bigint): void {
  for (let i = size - 1; i >= 0; i--) {
    b[o + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}
