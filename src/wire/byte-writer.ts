/**
 * Big-endian field writers into a byte array, addressed by a layout `Field`. The caller
 * allocates the array (zero-filled, so reserved fields stay zero).
 */
import type { Field } from "./layout.js";

/** API misuse: a value that does not fit its field is refused, never wrapped. */
function misfit(f: Field, v: number | bigint): RangeError {
  return new RangeError(`value ${v} does not fit the ${f[1]}-byte field at BHS offset ${f[0]}`);
}

export function put8(b: Uint8Array, f: Field, v: number): void {
  if ((v & 0xff) !== v) throw misfit(f, v);
  b[f[0]] = v;
}

export function put16(b: Uint8Array, f: Field, v: number): void {
  if ((v & 0xffff) !== v) throw misfit(f, v);
  const o = f[0];
  b[o] = v >>> 8;
  b[o + 1] = v;
}

export function put24(b: Uint8Array, f: Field, v: number): void {
  if ((v & 0xffffff) !== v) throw misfit(f, v);
  const o = f[0];
  b[o] = v >>> 16;
  b[o + 1] = v >>> 8;
  b[o + 2] = v;
}

export function put32(b: Uint8Array, f: Field, v: number): void {
  if (v >>> 0 !== v) throw misfit(f, v);
  const o = f[0];
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
}

/** A 48-bit number (the ISID) into a 6-byte field. */
export function put48(b: Uint8Array, f: Field, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v >= 2 ** 48) throw misfit(f, v);
  const hi = Math.floor(v / 0x1000000);
  const lo = v % 0x1000000;
  const o = f[0];
  b[o] = hi >>> 16;
  b[o + 1] = hi >>> 8;
  b[o + 2] = hi;
  b[o + 3] = lo >>> 16;
  b[o + 4] = lo >>> 8;
  b[o + 5] = lo;
}

const TWO_64 = 1n << 64n;

/** An unsigned 64-bit bigint (the LUN) into an 8-byte field. */
export function put64(b: Uint8Array, f: Field, v: bigint): void {
  if (v === 0n) return; // the caller's array is zero-filled; LUN 0 is the common case
  if (v < 0n || v >= TWO_64) throw misfit(f, v);
  const hi = Number(v >> 32n);
  const lo = Number(BigInt.asUintN(32, v));
  const o = f[0];
  b[o] = hi >>> 24;
  b[o + 1] = hi >>> 16;
  b[o + 2] = hi >>> 8;
  b[o + 3] = hi;
  b[o + 4] = lo >>> 24;
  b[o + 5] = lo >>> 16;
  b[o + 6] = lo >>> 8;
  b[o + 7] = lo;
}

/** A 4-byte little-endian value (digests). */
export function put32le(b: Uint8Array, o: number, v: number): void {
  b[o] = v;
  b[o + 1] = v >>> 8;
  b[o + 2] = v >>> 16;
  b[o + 3] = v >>> 24;
}

/** Join byte arrays into one new array of `total` bytes (their summed length when omitted). */
export function concatBytes(parts: readonly Uint8Array[], total?: number): Uint8Array {
  let n = total ?? 0;
  if (total === undefined) for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
