/**
 * Big-endian field readers over a byte array, addressed by a layout `Field`
 * (`[offset, size]`) plus the start of the PDU. No allocation except for `u64`.
 */
import type { Field } from "./layout.js";

export function u8(b: Uint8Array, at: number, f: Field): number {
  return b[at + f[0]];
}

export function u16(b: Uint8Array, at: number, f: Field): number {
  const o = at + f[0];
  return (b[o] << 8) | b[o + 1];
}

export function u24(b: Uint8Array, at: number, f: Field): number {
  const o = at + f[0];
  return (b[o] << 16) | (b[o + 1] << 8) | b[o + 2];
}

export function u32(b: Uint8Array, at: number, f: Field): number {
  const o = at + f[0];
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/** A 6-byte field (the ISID) as a 48-bit number. */
export function u48(b: Uint8Array, at: number, f: Field): number {
  const o = at + f[0];
  return (b[o] * 0x10000 + ((b[o + 1] << 8) | b[o + 2])) * 0x1000000 + ((b[o + 3] << 16) | (b[o + 4] << 8) | b[o + 5]);
}

/** An 8-byte field (the LUN) as an unsigned bigint. */
export function u64(b: Uint8Array, at: number, f: Field): bigint {
  const o = at + f[0];
  const hi = ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
  const lo = ((b[o + 4] << 24) | (b[o + 5] << 16) | (b[o + 6] << 8) | b[o + 7]) >>> 0;
  if (hi === 0 && lo < 256) return LUN_SMALL[lo];
  if (lo === 0) {
    // A single-level LUN (SAM peripheral or flat addressing) has only its top bytes set; the
    // same few values recur on every PDU of a session, so keep their bigints.
    let v = LUN_TOP.get(hi);
    if (v === undefined) {
      v = BigInt(hi) << 32n;
      if (LUN_TOP.size < 4096) LUN_TOP.set(hi, v);
    }
    return v;
  }
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** Zero and small numbers in the LUN field (reserved fields, LUN 0). */
const LUN_SMALL: bigint[] = Array.from({ length: 256 }, (_, i) => BigInt(i));
/** LUN fields whose low 32 bits are zero, by their high 32 bits. */
const LUN_TOP = new Map<number, bigint>();

/** A 4-byte little-endian value (digests are sent least significant byte first). */
export function u32le(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}
