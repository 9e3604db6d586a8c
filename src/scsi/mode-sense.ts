/**
 * MODE SENSE (6) and (10) parameter data (SPC-4 §7.5): a mode parameter header, block
 * descriptors, then mode pages. The Caching page (SBC-3 §6.4.5) and the Control page
 * (SPC-4 §7.5.7) are decoded; every page is also returned raw.
 */
import { be, be64, opt, optBit, optBits } from "./bytes.js";
import { need } from "./scsi-error.js";

/** One mode page (SPC-4 §7.5.6): page_0 or sub_page format. */
export interface ModePage {
  pageCode: number;
  /** SUBPAGE CODE; 0 for a page_0 format page. */
  subpage: number;
  /** SPF: sub_page format (4-byte page header). */
  spf: boolean;
  /** PS: the page can be saved. */
  saveable: boolean;
  /** PAGE LENGTH as sent. */
  length: number;
  /** The page parameters after the page header (byte 2 of a page_0 page is data[0]). */
  data: Uint8Array;
  truncated: boolean;
}

/** A block descriptor as SBC-3 §6.4.2 defines it for direct-access devices. */
export interface BlockDescriptor {
  /** NUMBER OF LOGICAL BLOCKS (0 in a short descriptor can mean "too many to say"). */
  blocks: bigint;
  blockLength: number;
  /** The descriptor bytes (for other device types, whose byte 0 is a density code). */
  raw: Uint8Array;
}

/** Caching mode page 0x08, SBC-3 table 172 (byte 2 only). */
export interface CachingPage {
  /** WCE: write cache enabled. */
  wce: boolean | undefined;
  /** RCD: read cache disabled. */
  rcd: boolean | undefined;
}

/** Control mode page 0x0A, SPC-4 table 457 (the fields an administrator looks at). */
export interface ControlPage {
  /** TST: 0 one task set per LU, 1 one per I_T nexus. */
  tst: number | undefined;
  /** D_SENSE: sense data in descriptor format. */
  dSense: boolean | undefined;
  gltsd: boolean | undefined;
  /** QUEUE ALGORITHM MODIFIER: 0 restricted, 1 unrestricted reordering. */
  queueAlgorithmModifier: number | undefined;
  /** QERR: what happens to the task set after CHECK CONDITION. */
  qerr: number | undefined;
  /** SWP: software write protect. */
  swp: boolean | undefined;
  /** TAS: aborted commands get TASK ABORTED status. */
  tas: boolean | undefined;
  busyTimeoutPeriod: number | undefined;
  extendedSelfTestCompletionTime: number | undefined;
}

/** MODE SENSE parameter data. */
export interface ModeParameters {
  /** MODE DATA LENGTH: bytes that follow the field itself. */
  modeDataLength: number;
  mediumType: number;
  deviceSpecific: number;
  /** WP (device-specific parameter bit 7, SBC-3 §6.4.1): the medium is write-protected. */
  writeProtected: boolean;
  /** DPOFUA (bit 4): DPO and FUA are supported. */
  dpoFua: boolean;
  /** LONGLBA (MODE SENSE (10) only): 16-byte block descriptors. */
  longLba: boolean;
  blockDescriptorLength: number;
  blockDescriptors: BlockDescriptor[];
  pages: ModePage[];
  /** The Caching page when present (current, changeable, default or saved values per PC). */
  caching: CachingPage | undefined;
  /** The Control page (subpage 0) when present. */
  control: ControlPage | undefined;
  /** The data ended before the mode data length says. */
  truncated: boolean;
}

/** The parsed header of either command, before descriptors and pages. */
interface Header {
  modeDataLength: number; total: number; mediumType: number; deviceSpecific: number;
  longLba: boolean; blockDescriptorLength: number; headerLength: number;
}

/**
 * Decode MODE SENSE (6) data (4-byte header, SPC-4 table 452); throws
 * {@link ScsiDecodeError} below 4 bytes.
 *
 * @example
 * const mode = decodeModeSense6(dataIn);
 * mode.caching?.wce; // true: tgtd's write cache is on
 */
export function decodeModeSense6(data: Uint8Array): ModeParameters {
  need(data, 4, "MODE SENSE (6) data");
  return decodeModeParameters(data, {
    modeDataLength: data[0], total: data[0] + 1, mediumType: data[1], deviceSpecific: data[2],
    longLba: false, blockDescriptorLength: data[3], headerLength: 4,
  });
}

/**
 * Decode MODE SENSE (10) data (8-byte header, SPC-4 table 453); throws
 * {@link ScsiDecodeError} below 8 bytes.
 *
 * @example
 * decodeModeSense10(dataIn).blockDescriptors[0].blockLength; // 512
 */
export function decodeModeSense10(data: Uint8Array): ModeParameters {
  need(data, 8, "MODE SENSE (10) data");
  const modeDataLength = be(data, 0, 2);
  return decodeModeParameters(data, {
    modeDataLength, total: modeDataLength + 2, mediumType: data[2], deviceSpecific: data[3],
    longLba: (data[4] & 0x01) !== 0, blockDescriptorLength: be(data, 6, 2), headerLength: 8,
  });
}

function decodeModeParameters(data: Uint8Array, h: Header): ModeParameters {
  const end = Math.min(data.length, h.total);
  const bdEnd = Math.min(end, h.headerLength + h.blockDescriptorLength);
  const blockDescriptors = decodeBlockDescriptors(data.subarray(h.headerLength, bdEnd), h.longLba);
  const pages = decodePages(data.subarray(Math.max(bdEnd, h.headerLength), end));
  const caching = pages.find((p) => p.pageCode === 0x08 && p.subpage === 0);
  const control = pages.find((p) => p.pageCode === 0x0a && p.subpage === 0);
  return {
    modeDataLength: h.modeDataLength,
    mediumType: h.mediumType,
    deviceSpecific: h.deviceSpecific,
    writeProtected: (h.deviceSpecific & 0x80) !== 0,
    dpoFua: (h.deviceSpecific & 0x10) !== 0,
    longLba: h.longLba,
    blockDescriptorLength: h.blockDescriptorLength,
    blockDescriptors,
    pages,
    caching: caching && decodeCachingPage(caching),
    control: control && decodeControlPage(control),
    truncated: data.length < h.total || pages.some((p) => p.truncated),
  };
}

/** Short (8-byte) or long (16-byte) LBA block descriptors, SBC-3 tables 165 and 166. */
function decodeBlockDescriptors(b: Uint8Array, longLba: boolean): BlockDescriptor[] {
  const size = longLba ? 16 : 8;
  const out: BlockDescriptor[] = [];
  for (let o = 0; o + size <= b.length; o += size) {
    const raw = b.subarray(o, o + size);
    out.push(longLba
      ? { blocks: be64(raw, 0, 8), blockLength: be(raw, 12, 4), raw }
      : { blocks: BigInt(be(raw, 0, 4)), blockLength: be(raw, 5, 3), raw });
  }
  return out;
}

/** Mode pages until the end of the mode data (SPC-4 §7.5.6, tables 455 and 456). */
function decodePages(b: Uint8Array): ModePage[] {
  const pages: ModePage[] = [];
  for (let o = 0; o + 2 <= b.length; ) {
    const spf = (b[o] & 0x40) !== 0;
    const headerLength = spf ? 4 : 2;
    if (o + headerLength > b.length) break;
    const length = spf ? be(b, o + 2, 2) : b[o + 1];
    const data = b.subarray(o + headerLength, o + headerLength + length);
    pages.push({
      pageCode: b[o] & 0x3f, subpage: spf ? b[o + 1] : 0, spf, saveable: (b[o] & 0x80) !== 0,
      length, data, truncated: data.length < length,
    });
    o += headerLength + length;
  }
  return pages;
}

/** SBC-3 §6.4.5: WCE is byte 2 bit 2, RCD byte 2 bit 0 (page data[0]). */
function decodeCachingPage(p: ModePage): CachingPage {
  return { wce: optBit(p.data, 0, 0x04), rcd: optBit(p.data, 0, 0x01) };
}

/** SPC-4 §7.5.7, page bytes 2..11 = data[0..9]. */
function decodeControlPage(p: ModePage): ControlPage {
  const d = p.data;
  return {
    tst: optBits(d, 0, 0xe0),
    dSense: optBit(d, 0, 0x04),
    gltsd: optBit(d, 0, 0x02),
    queueAlgorithmModifier: optBits(d, 1, 0xf0),
    qerr: optBits(d, 1, 0x06),
    swp: optBit(d, 2, 0x08),
    tas: optBit(d, 3, 0x40),
    busyTimeoutPeriod: opt(d, [6, 2]),
    extendedSelfTestCompletionTime: opt(d, [8, 2]),
  };
}
