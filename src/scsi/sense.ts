/**
 * Sense data (SPC-4 §4.5): fixed format (response codes 0x70 current, 0x71 deferred) and
 * descriptor format (0x72, 0x73), decoded to one shape so a consumer need not care which
 * format the target uses.
 */
import { be, opt, opt64 } from "./bytes.js";
import { ascName } from "./asc-names.js";
import { need } from "./scsi-error.js";
import {
  type SenseDescriptor, type SenseKeySpecific, decodeSenseDescriptors, decodeSenseKeySpecific,
} from "./sense-descriptors.js";
import { senseKeyName } from "./sense-key.js";

/** Fixed or descriptor-format sense data, decoded. */
export interface DecodedSense {
  format: "fixed" | "descriptor";
  /** RESPONSE CODE, 0x70..0x73. */
  responseCode: number;
  /** The sense is about the command it came with (0x70, 0x72)... */
  current: boolean;
  /** ...or about an earlier command, e.g. a cached write that failed (0x71, 0x73). */
  deferred: boolean;
  senseKey: number;
  /** "ILLEGAL REQUEST", "UNIT ATTENTION", ... */
  senseKeyName: string;
  /** ADDITIONAL SENSE CODE; undefined when the data stops before it. */
  asc: number | undefined;
  ascq: number | undefined;
  /** "LOGICAL BLOCK ADDRESS OUT OF RANGE", ... (see `ascName`). */
  ascName: string | undefined;
  /** INFORMATION, only when marked valid (fixed: VALID bit; descriptor: information descriptor). */
  information: bigint | undefined;
  /** COMMAND-SPECIFIC INFORMATION. */
  commandSpecific: bigint | undefined;
  /** SENSE KEY SPECIFIC, only when SKSV is set. */
  senseKeySpecific: SenseKeySpecific | undefined;
  /** FIELD REPLACEABLE UNIT CODE (0: none reported). */
  fru: number | undefined;
  filemark: boolean;
  eom: boolean;
  /** ILI: incorrect length indicator. */
  ili: boolean;
  /** ADDITIONAL SENSE LENGTH: the sense data is `additionalLength + 8` bytes. */
  additionalLength: number;
  /** Descriptor format: every descriptor, decoded or raw. Fixed format: empty. */
  descriptors: SenseDescriptor[];
  /** The data ended before `additionalLength + 8` bytes. */
  truncated: boolean;
}

/** A response code this decoder does not know (0x7F vendor specific, or not sense at all). */
export interface UnrecognizedSense {
  format: "unrecognized";
  responseCode: number;
  raw: Uint8Array;
}

/** Decoded sense data. */
export type SenseData = DecodedSense | UnrecognizedSense;

/** Both formats start with an 8-byte header (SPC-4 tables 12 and 31). */
const HEADER = 8;

/**
 * Decode sense data. Throws {@link ScsiDecodeError} only when there is no byte at all, or
 * fewer than the 8 header bytes of a fixed or descriptor format; anything else comes back
 * as data (`truncated`, undefined fields, `format: "unrecognized"`).
 *
 * @example
 * const s = decodeSense(senseBytes);
 * if (s.format !== "unrecognized") console.log(`${s.senseKeyName}: ${s.ascName}`);
 * // "ILLEGAL REQUEST: LOGICAL BLOCK ADDRESS OUT OF RANGE"
 */
export function decodeSense(data: Uint8Array): SenseData {
  need(data, 1, "sense data");
  const responseCode = data[0] & 0x7f;
  if (responseCode === 0x70 || responseCode === 0x71) return decodeFixed(data, responseCode);
  if (responseCode === 0x72 || responseCode === 0x73) return decodeDescriptor(data, responseCode);
  return { format: "unrecognized", responseCode, raw: data };
}

/** Fixed format, SPC-4 §4.5.3 table 31. */
function decodeFixed(data: Uint8Array, responseCode: number): DecodedSense {
  need(data, HEADER, "fixed format sense data");
  const additionalLength = data[7];
  const s = data.subarray(0, Math.min(data.length, HEADER + additionalLength));
  const senseKey = data[2] & 0x0f;
  const asc = opt(s, [12, 1]);
  const ascq = opt(s, [13, 1]);
  const sksv = s.length >= 18 && (s[15] & 0x80) !== 0;
  return {
    format: "fixed", responseCode, current: responseCode === 0x70, deferred: responseCode === 0x71,
    senseKey, senseKeyName: senseKeyName(senseKey),
    asc, ascq, ascName: asc !== undefined && ascq !== undefined ? ascName(asc, ascq) : undefined,
    information: (data[0] & 0x80) !== 0 ? BigInt(be(data, 3, 4)) : undefined, // VALID
    commandSpecific: opt64(s, [8, 4]),
    senseKeySpecific: sksv ? decodeSenseKeySpecific(senseKey, s.subarray(15, 18)) : undefined,
    fru: opt(s, [14, 1]),
    filemark: (data[2] & 0x80) !== 0, eom: (data[2] & 0x40) !== 0, ili: (data[2] & 0x20) !== 0,
    additionalLength, descriptors: [], truncated: data.length < HEADER + additionalLength,
  };
}

/** Descriptor format, SPC-4 §4.5.2 table 12. */
function decodeDescriptor(data: Uint8Array, responseCode: number): DecodedSense {
  need(data, HEADER, "descriptor format sense data");
  const additionalLength = data[7];
  const senseKey = data[1] & 0x0f;
  const descriptors = decodeSenseDescriptors(data.subarray(HEADER, HEADER + additionalLength), senseKey);
  const find = <K extends SenseDescriptor["kind"]>(kind: K) =>
    descriptors.find((d): d is Extract<SenseDescriptor, { kind: K }> => d.kind === kind);
  const info = find("information");
  const flags = find("stream-commands");
  return {
    format: "descriptor", responseCode, current: responseCode === 0x72, deferred: responseCode === 0x73,
    senseKey, senseKeyName: senseKeyName(senseKey),
    asc: data[2], ascq: data[3], ascName: ascName(data[2], data[3]),
    information: info?.valid ? info.information : undefined,
    commandSpecific: find("command-specific")?.commandSpecific,
    senseKeySpecific: find("sense-key-specific")?.senseKeySpecific,
    fru: find("fru")?.fru,
    filemark: flags?.filemark ?? false, eom: flags?.eom ?? false,
    ili: (flags?.ili ?? false) || (find("block-commands")?.ili ?? false),
    additionalLength, descriptors,
    truncated: data.length < HEADER + additionalLength,
  };
}

/**
 * Sense key, ASC and ASCQ of sense bytes (fixed or descriptor format), or undefined when the
 * bytes are absent, too short or not sense data. Never throws: it feeds probes from bytes a
 * target or a capture sent.
 *
 * @example
 * senseTriple(Uint8Array.of(0x70, 0, 0x06, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x29, 0x00)); // { key: 6, asc: 0x29, ascq: 0 }
 */
export function senseTriple(s: Uint8Array | undefined): { key: number; asc: number; ascq: number } | undefined {
  if (!s || s.length < 4) return undefined;
  try {
    const d = decodeSense(s);
    return d.format === "unrecognized" ? undefined : { key: d.senseKey, asc: d.asc ?? 0, ascq: d.ascq ?? 0 };
  } catch {
    return undefined; // shorter than a sense header: say nothing rather than guess
  }
}
