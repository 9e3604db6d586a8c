/**
 * LUN encoding (SAM-5 §4.7). The iSCSI BHS and REPORT LUNS carry an 8-byte LUN field, kept
 * as an unsigned 64-bit bigint, big-endian: the first level of addressing is in the two
 * most significant bytes, the address method in the top two bits of the first.
 *
 * - peripheral device addressing (method 00b, SAM-5 §4.7.6.2), bus identifier 0: LUNs 0–255
 *   as `00 LL 00 00 00 00 00 00`;
 * - flat space addressing (method 01b, SAM-5 §4.7.6.4): LUNs 0–16383 as
 *   `4H LL 00 00 00 00 00 00` (tgtd and Linux use it from 256 up).
 *
 * Other forms (a non-zero bus, logical unit addressing, extended and well-known LUNs such as
 * the REPORT LUNS W-LUN `c1 01 ...`, multi-level LUNs) are not a plain number: `lunFromField`
 * gives undefined for them and `formatLun` prints the field in hex.
 */

const MAX_FIELD = 0xffff_ffff_ffff_ffffn;
/** Address method, top two bits of byte 0. */
const PERIPHERAL = 0b00;
const FLAT = 0b01;
/** Bits 63..48: the first addressing level; bits 47..0 must be zero for a single level. */
const FIRST_LEVEL_SHIFT = 48n;
const LOWER_LEVELS = (1n << FIRST_LEVEL_SHIFT) - 1n;

/**
 * The LUN field for LUN number `n`: peripheral device addressing for 0–255, flat space
 * addressing for 256–16383. Throws RangeError for anything else.
 *
 * @example
 * lunToField(1);   // 0x0001000000000000n
 * lunToField(300); // 0x412c000000000000n
 */
export function lunToField(n: number): bigint {
  if (!Number.isInteger(n) || n < 0 || n > 0x3fff) {
    throw new RangeError(`LUN ${n} is not an integer in 0..16383 (SAM-5 single-level addressing)`);
  }
  const level = n <= 0xff ? n : (FLAT << 14) | n;
  return BigInt(level) << FIRST_LEVEL_SHIFT;
}

/**
 * The LUN number of a single-level peripheral (bus 0) or flat-space LUN field, undefined
 * for any other form. Throws RangeError when `field` is not an unsigned 64-bit value.
 *
 * @example
 * lunFromField(0x0002000000000000n); // 2
 * lunFromField(0x412c000000000000n); // 300
 * lunFromField(0xc101000000000000n); // undefined (REPORT LUNS well-known LUN)
 */
export function lunFromField(field: bigint): number | undefined {
  if (field < 0n || field > MAX_FIELD) throw new RangeError(`LUN field ${field} is not an unsigned 64-bit value`);
  if ((field & LOWER_LEVELS) !== 0n) return undefined;
  const level = Number(field >> FIRST_LEVEL_SHIFT);
  const method = level >> 14;
  if (method === FLAT) return level & 0x3fff;
  if (method === PERIPHERAL && level >> 8 === 0) return level;
  return undefined;
}

/**
 * A LUN field for people: the decimal LUN number when it is a simple single-level LUN,
 * else the raw field as `0x` and 16 hex digits.
 *
 * @example
 * formatLun(0x0001000000000000n); // "1"
 * formatLun(0xc101000000000000n); // "0xc101000000000000"
 */
export function formatLun(field: bigint): string {
  const n = lunFromField(field);
  return n !== undefined ? String(n) : `0x${field.toString(16).padStart(16, "0")}`;
}
