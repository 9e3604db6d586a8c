/**
 * The parts of sense data both formats share in meaning: the sense-key specific field
 * (SPC-4 §4.5.2.4) and the descriptors of descriptor-format sense data (SPC-4 §4.5.2).
 */
import { be, be64, hexByte } from "./bytes.js";
import { SenseKey } from "./sense-key.js";

/** SENSE KEY SPECIFIC, by sense key (SPC-4 §4.5.2.4.1, table 28). */
export type SenseKeySpecific =
  /** ILLEGAL REQUEST: which byte (and bit) of the CDB or parameter list was wrong. */
  | { kind: "field-pointer"; inCdb: boolean; bitPointer: number | undefined; fieldPointer: number }
  /** RECOVERED ERROR, MEDIUM ERROR, HARDWARE ERROR: ACTUAL RETRY COUNT. */
  | { kind: "retry-count"; count: number }
  /** NO SENSE, NOT READY: PROGRESS INDICATION as 0..65535 and as a percentage. */
  | { kind: "progress"; progress: number; percent: number }
  /** COPY ABORTED: which segment descriptor byte (and bit) was wrong. */
  | { kind: "segment-pointer"; segmentDescriptor: boolean; bitPointer: number | undefined; fieldPointer: number }
  /** UNIT ATTENTION: the unit attention condition queue overflowed. */
  | { kind: "overflow"; overflow: boolean }
  /** Any other sense key: the 3 bytes as one number, SKSV bit cleared. */
  | { kind: "raw"; value: number };

/**
 * Decode the 3 SENSE KEY SPECIFIC bytes for `senseKey`; the caller has checked SKSV (bit 7
 * of the first byte).
 *
 * @example
 * decodeSenseKeySpecific(0x5, new Uint8Array([0xc0, 0x00, 0x02]));
 * // { kind: "field-pointer", inCdb: true, bitPointer: undefined, fieldPointer: 2 }
 */
export function decodeSenseKeySpecific(senseKey: number, b: Uint8Array): SenseKeySpecific {
  const pointer = be(b, 1, 2);
  const bitPointer = (b[0] & 0x08) !== 0 ? b[0] & 0x07 : undefined; // BPV
  switch (senseKey) {
    case SenseKey.IllegalRequest:
      return { kind: "field-pointer", inCdb: (b[0] & 0x40) !== 0, bitPointer, fieldPointer: pointer };
    case SenseKey.RecoveredError: case SenseKey.MediumError: case SenseKey.HardwareError:
      return { kind: "retry-count", count: pointer };
    case SenseKey.NoSense: case SenseKey.NotReady:
      return { kind: "progress", progress: pointer, percent: (pointer * 100) / 65536 };
    case SenseKey.CopyAborted:
      return { kind: "segment-pointer", segmentDescriptor: (b[0] & 0x20) !== 0, bitPointer, fieldPointer: pointer };
    case SenseKey.UnitAttention:
      return { kind: "overflow", overflow: (b[0] & 0x01) !== 0 };
    default:
      return { kind: "raw", value: be(b, 0, 3) & 0x7fffff };
  }
}

/** One sense data descriptor (SPC-4 §4.5.2.1, table 29). */
export type SenseDescriptor =
  | { kind: "information"; type: 0x00; valid: boolean; information: bigint }
  | { kind: "command-specific"; type: 0x01; commandSpecific: bigint }
  | { kind: "sense-key-specific"; type: 0x02; sksv: boolean; senseKeySpecific: SenseKeySpecific | undefined }
  | { kind: "fru"; type: 0x03; fru: number }
  | { kind: "stream-commands"; type: 0x04; filemark: boolean; eom: boolean; ili: boolean }
  | { kind: "block-commands"; type: 0x05; ili: boolean }
  /** Any other type, or a known type too short to decode: the bytes after the 2-byte header. */
  | { kind: "raw"; type: number; name: string; data: Uint8Array; truncated: boolean };

/** SPC-4 table 29 (SPC-5 for 0x0e). */
const DESCRIPTOR_NAMES = [
  "information", "command-specific information", "sense key specific", "field replaceable unit",
  "stream commands", "block commands", "OSD object identification",
  "OSD response integrity check value", "OSD attribute identification", "ATA status return",
  "another progress indication", "user data segment referral", "forwarded sense data",
  "direct-access block device", "device designation",
];

/** Total size (header included) a known descriptor type needs to be decoded. */
const NEEDS: Readonly<Record<number, number>> = { 0x00: 12, 0x01: 12, 0x02: 8, 0x03: 4, 0x04: 4, 0x05: 4 };

/**
 * The name of a sense data descriptor type.
 *
 * @example
 * senseDescriptorName(0x05); // "block commands"
 */
export function senseDescriptorName(type: number): string {
  return DESCRIPTOR_NAMES[type] ?? (type >= 0x80 ? `vendor specific (${hexByte(type)})` : `reserved (${hexByte(type)})`);
}

/**
 * Walk the descriptors of descriptor-format sense data (`b` starts at the first descriptor
 * and ends with the sense data). A descriptor cut short comes back raw with `truncated`.
 *
 * @example
 * decodeSenseDescriptors(new Uint8Array([0x03, 0x02, 0x00, 0x05]), 0x3);
 * // [{ kind: "fru", type: 3, fru: 5 }]
 */
export function decodeSenseDescriptors(b: Uint8Array, senseKey: number): SenseDescriptor[] {
  const out: SenseDescriptor[] = [];
  for (let o = 0; o + 2 <= b.length; ) {
    const size = 2 + b[o + 1];
    out.push(decodeDescriptor(b.subarray(o, o + size), size, senseKey));
    o += size;
  }
  return out;
}

/** `d` holds the descriptor bytes present; `size` is what its ADDITIONAL LENGTH says. */
function decodeDescriptor(d: Uint8Array, size: number, senseKey: number): SenseDescriptor {
  const type = d[0];
  const needs = NEEDS[type];
  if (needs === undefined || d.length < needs || size < needs) {
    return { kind: "raw", type, name: senseDescriptorName(type), data: d.subarray(2), truncated: d.length < size };
  }
  switch (type) {
    case 0x00: return { kind: "information", type, valid: (d[2] & 0x80) !== 0, information: be64(d, 4, 8) };
    case 0x01: return { kind: "command-specific", type, commandSpecific: be64(d, 4, 8) };
    case 0x02: {
      const sksv = (d[4] & 0x80) !== 0;
      const senseKeySpecific = sksv ? decodeSenseKeySpecific(senseKey, d.subarray(4, 7)) : undefined;
      return { kind: "sense-key-specific", type, sksv, senseKeySpecific };
    }
    case 0x03: return { kind: "fru", type, fru: d[3] };
    case 0x04: {
      const flags = d[3]; // FILEMARK bit 7, EOM bit 6, ILI bit 5 (SPC-4 §4.5.2.5)
      return { kind: "stream-commands", type, filemark: (flags & 0x80) !== 0, eom: (flags & 0x40) !== 0, ili: (flags & 0x20) !== 0 };
    }
    default: return { kind: "block-commands", type: 0x05, ili: (d[3] & 0x20) !== 0 };
  }
}
