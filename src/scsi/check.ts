/**
 * Argument checks of the CDB builders: a value that does not fit its CDB field is API
 * misuse, reported as RangeError naming the field and the command. Internal to src/scsi.
 */

/**
 * Throw RangeError unless `v` is an integer in 0..`max`.
 *
 * @example
 * checkUint("READ (10)", "TRANSFER LENGTH", blocks, 0xffff);
 */
export function checkUint(command: string, field: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) {
    throw new RangeError(`${command}: ${field} ${v} is not an integer in 0..${max}`);
  }
}

/**
 * Throw RangeError unless the bigint `v` is in 0..`max`.
 *
 * @example
 * checkBig("READ (16)", "LOGICAL BLOCK ADDRESS", lba, 0xffff_ffff_ffff_ffffn);
 */
export function checkBig(command: string, field: string, v: bigint, max: bigint): void {
  if (typeof v !== "bigint" || v < 0n || v > max) {
    throw new RangeError(`${command}: ${field} ${String(v)} is not a bigint in 0..${max}`);
  }
}

/**
 * The largest 64-bit LBA.
 *
 * @example
 * checkBig("WRITE (16)", "LOGICAL BLOCK ADDRESS", lba, MAX_U64);
 */
export const MAX_U64 = 0xffff_ffff_ffff_ffffn;
/**
 * The largest 32-bit value.
 *
 * @example
 * checkUint("READ (16)", "TRANSFER LENGTH", blocks, MAX_U32);
 */
export const MAX_U32 = 0xffff_ffff;
