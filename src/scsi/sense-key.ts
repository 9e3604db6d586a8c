/**
 * Sense keys (SPC-4 §4.5.6, table 27), the 4-bit first answer to "what went wrong".
 */

/**
 * Sense keys by name.
 *
 * @example
 * if (sense.senseKey === SenseKey.UnitAttention) retry();
 */
export const SenseKey = {
  NoSense: 0x0,
  RecoveredError: 0x1,
  NotReady: 0x2,
  MediumError: 0x3,
  HardwareError: 0x4,
  IllegalRequest: 0x5,
  UnitAttention: 0x6,
  DataProtect: 0x7,
  BlankCheck: 0x8,
  VendorSpecific: 0x9,
  CopyAborted: 0xa,
  AbortedCommand: 0xb,
  VolumeOverflow: 0xd,
  Miscompare: 0xe,
  Completed: 0xf,
} as const;

/** SPC-4 table 27 spelling; 0xC was EQUAL before SPC-3 and is obsolete. */
const NAMES: readonly string[] = [
  "NO SENSE",
  "RECOVERED ERROR",
  "NOT READY",
  "MEDIUM ERROR",
  "HARDWARE ERROR",
  "ILLEGAL REQUEST",
  "UNIT ATTENTION",
  "DATA PROTECT",
  "BLANK CHECK",
  "VENDOR SPECIFIC",
  "COPY ABORTED",
  "ABORTED COMMAND",
  "OBSOLETE",
  "VOLUME OVERFLOW",
  "MISCOMPARE",
  "COMPLETED",
];

/**
 * The SPC-4 name of a sense key (only the low 4 bits are used).
 *
 * @example
 * senseKeyName(0x5); // "ILLEGAL REQUEST"
 * senseKeyName(0x6); // "UNIT ATTENTION"
 */
export function senseKeyName(key: number): string {
  return NAMES[key & 0xf];
}
