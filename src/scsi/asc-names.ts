/**
 * Names of additional sense codes and qualifiers (SPC-4 §4.5.6, Annex D): the table in
 * asc-table.ts, the ranges SPC-4 defines by pattern, then the vendor-specific ranges, then a
 * fallback that still says which code it was.
 */
import { hexByte } from "./bytes.js";
import { ASC_TABLE } from "./asc-table.js";

/** (ASC << 8 | ASCQ) -> name, parsed once from the table text. */
const NAMES: ReadonlyMap<number, string> = new Map(
  ASC_TABLE.split("\n")
    .filter((line) => line.length > 5)
    .map((line) => [parseInt(line.slice(0, 4), 16), line.slice(5)] as const),
);

/** SPC-4 Annex D 5D 10..6C: six failure sources by thirteen causes. */
const FAILURE_SOURCES = ["HARDWARE", "CONTROLLER", "DATA CHANNEL", "SERVO", "SPINDLE", "FIRMWARE"];
const FAILURE_CAUSES = [
  "GENERAL HARD DRIVE FAILURE", "DRIVE ERROR RATE TOO HIGH", "DATA ERROR RATE TOO HIGH",
  "SEEK ERROR RATE TOO HIGH", "TOO MANY BLOCK REASSIGNS", "ACCESS TIMES TOO HIGH",
  "START UNIT TIMES TOO HIGH", "CHANNEL PARAMETRICS", "CONTROLLER DETECTED",
  "THROUGHPUT PERFORMANCE", "SEEK TIME PERFORMANCE", "SPIN-UP RETRY COUNT",
  "DRIVE CALIBRATION RETRY COUNT",
];

/** The codes SPC-4 names by pattern rather than one by one. */
function patternName(asc: number, ascq: number): string | undefined {
  if (asc === 0x40 && ascq >= 0x80) return `DIAGNOSTIC FAILURE ON COMPONENT ${hexByte(ascq)}`;
  if (asc === 0x4d) return `TAGGED OVERLAPPED COMMANDS (TASK TAG ${hexByte(ascq)})`;
  if (asc === 0x70) return `DECOMPRESSION EXCEPTION SHORT ALGORITHM ID OF ${hexByte(ascq)}`;
  const source = FAILURE_SOURCES[(ascq >> 4) - 1];
  const cause = FAILURE_CAUSES[ascq & 0xf];
  if (asc === 0x5d && source !== undefined && cause !== undefined) return `${source} IMPENDING FAILURE ${cause}`;
  return undefined;
}

/**
 * The SPC-4 name of an ASC/ASCQ pair. Unlisted codes still say what they are:
 * `VENDOR SPECIFIC (ASC/ASCQ 0x80/0x01)` for ASC 0x80–0xFF, `VENDOR SPECIFIC QUALIFIER OF
 * <name of ASC/00 or ASC 0xNN> (ASC/ASCQ ...)` for ASCQ 0x80–0xFF (SPC-4 §4.5.6), and
 * `ASC/ASCQ 0xNN/0xNN` otherwise.
 *
 * @example
 * ascName(0x21, 0x00); // "LOGICAL BLOCK ADDRESS OUT OF RANGE"
 * ascName(0x5d, 0x12); // "HARDWARE IMPENDING FAILURE DATA ERROR RATE TOO HIGH"
 * ascName(0x7e, 0x01); // "ASC/ASCQ 0x7e/0x01"
 */
export function ascName(asc: number, ascq: number): string {
  const code = `ASC/ASCQ ${hexByte(asc)}/${hexByte(ascq)}`;
  const name = NAMES.get((asc << 8) | ascq) ?? patternName(asc, ascq);
  if (name !== undefined) return name;
  if (asc >= 0x80) return `VENDOR SPECIFIC (${code})`;
  if (ascq >= 0x80) return `VENDOR SPECIFIC QUALIFIER OF ${NAMES.get(asc << 8) ?? `ASC ${hexByte(asc)}`} (${code})`;
  return code;
}
