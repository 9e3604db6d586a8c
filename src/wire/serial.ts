/**
 * Serial number arithmetic for 32-bit sequence numbers (RFC 1982, as RFC 7143 §4.2.2.1
 * requires for CmdSN, StatSN, DataSN and R2TSN): comparisons that survive wrap-around.
 */

/** a < b in serial arithmetic. */
export function snLt(a: number, b: number): boolean {
  return a !== b && ((b - a) >>> 0) < 0x80000000;
}

/** a <= b in serial arithmetic. */
export function snLe(a: number, b: number): boolean {
  return a === b || snLt(a, b);
}

/** a + n, wrapped to 32 bits. */
export function snAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

/** b - a as a signed distance (positive when b is after a). */
export function snDiff(a: number, b: number): number {
  return ((b - a) | 0);
}
