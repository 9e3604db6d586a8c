/**
 * VPD pages with fixed layouts: 0x00 Supported VPD Pages and 0x80 Unit Serial Number
 * (SPC-4 §7.8.14, §7.8.16), 0xB0 Block Limits, 0xB1 Block Device Characteristics and 0xB2
 * Logical Block Provisioning (SBC-3 §6.5.3, §6.5.2, §6.5.4 with the SBC-4 additions).
 * Fields the device did not send (short allocation, older page version) are undefined.
 */
import { ascii, opt, opt64, optBit, optBits } from "./bytes.js";
import { VPD_HEADER_LENGTH, type VpdHeader, vpdHeader, vpdPage } from "./vpd-header.js";

/** VPD page 0x00: the page codes the logical unit supports. */
export interface SupportedVpdPages extends VpdHeader {
  pages: number[];
}

/**
 * Decode VPD page 0x00 (Supported VPD Pages).
 *
 * @example
 * decodeSupportedVpdPages(data).pages; // [0x00, 0x80, 0x83, 0xb0, 0xb1, 0xb2]
 */
export function decodeSupportedVpdPages(data: Uint8Array): SupportedVpdPages {
  const header = vpdHeader(data, "VPD page 0x00");
  return { ...header, pages: Array.from(vpdPage(data, header).subarray(VPD_HEADER_LENGTH)) };
}

/** VPD page 0x80. */
export interface UnitSerialNumber extends VpdHeader {
  /** PRODUCT SERIAL NUMBER, right-aligned ASCII in the page; trimmed here. */
  serialNumber: string;
}

/**
 * Decode VPD page 0x80 (Unit Serial Number).
 *
 * @example
 * decodeUnitSerialNumber(data).serialNumber; // "beaf11" (tgtd pads it with 30 spaces)
 */
export function decodeUnitSerialNumber(data: Uint8Array): UnitSerialNumber {
  const header = vpdHeader(data, "VPD page 0x80");
  return { ...header, serialNumber: ascii(vpdPage(data, header), [VPD_HEADER_LENGTH, header.pageLength]) ?? "" };
}

/** VPD page 0xB0, SBC-3 table 180 (SBC-4 names for the atomic fields). */
export interface BlockLimits extends VpdHeader {
  /** WSNZ: WRITE SAME with 0 blocks is refused. */
  wsnz: boolean | undefined;
  maxCompareAndWriteLength: number | undefined;
  optimalTransferLengthGranularity: number | undefined;
  /** In blocks; 0 means no limit reported. */
  maxTransferLength: number | undefined;
  optimalTransferLength: number | undefined;
  maxPrefetchLength: number | undefined;
  maxUnmapLbaCount: number | undefined;
  maxUnmapBlockDescriptorCount: number | undefined;
  optimalUnmapGranularity: number | undefined;
  /** UGAVALID: `unmapGranularityAlignment` is meaningful. */
  ugaValid: boolean | undefined;
  unmapGranularityAlignment: number | undefined;
  maxWriteSameLength: bigint | undefined;
  maxAtomicTransferLength: number | undefined;
  atomicAlignment: number | undefined;
  atomicTransferLengthGranularity: number | undefined;
}

/**
 * Decode VPD page 0xB0 (Block Limits).
 *
 * @example
 * decodeBlockLimits(data).maxUnmapLbaCount; // 4294967295 from a thin tgtd LUN
 */
export function decodeBlockLimits(data: Uint8Array): BlockLimits {
  const header = vpdHeader(data, "VPD page 0xb0");
  const page = vpdPage(data, header);
  const uga = opt(page, [32, 4]);
  return {
    ...header,
    wsnz: optBit(page, 4, 0x01),
    maxCompareAndWriteLength: opt(page, [5, 1]),
    optimalTransferLengthGranularity: opt(page, [6, 2]),
    maxTransferLength: opt(page, [8, 4]),
    optimalTransferLength: opt(page, [12, 4]),
    maxPrefetchLength: opt(page, [16, 4]),
    maxUnmapLbaCount: opt(page, [20, 4]),
    maxUnmapBlockDescriptorCount: opt(page, [24, 4]),
    optimalUnmapGranularity: opt(page, [28, 4]),
    ugaValid: optBit(page, 32, 0x80),
    unmapGranularityAlignment: uga === undefined ? undefined : uga & 0x7fff_ffff,
    maxWriteSameLength: opt64(page, [36, 8]),
    maxAtomicTransferLength: opt(page, [44, 4]),
    atomicAlignment: opt(page, [48, 4]),
    atomicTransferLengthGranularity: opt(page, [52, 4]),
  };
}

/** VPD page 0xB1, SBC-3 table 177. */
export interface BlockDeviceCharacteristics extends VpdHeader {
  /** MEDIUM ROTATION RATE: 0 not reported, 1 non-rotating (solid state), else rpm. */
  mediumRotationRate: number | undefined;
  /** "not reported", "non-rotating", "7200 rpm", or "reserved (0xNNNN)". */
  rotationName: string | undefined;
  productType: number | undefined;
  /** NOMINAL FORM FACTOR: 0 not reported, 1 5.25", 2 3.5", 3 2.5", 4 1.8", 5 below 1.8". */
  nominalFormFactor: number | undefined;
  formFactorName: string | undefined;
  fuab: boolean | undefined;
  vbuls: boolean | undefined;
}

const FORM_FACTORS = ["not reported", '5.25"', '3.5"', '2.5"', '1.8"', 'less than 1.8"'];

function rotationName(rate: number): string {
  if (rate === 0) return "not reported";
  if (rate === 1) return "non-rotating";
  if (rate >= 0x401 && rate <= 0xfffe) return `${rate} rpm`;
  return `reserved (0x${rate.toString(16).padStart(4, "0")})`;
}

/**
 * Decode VPD page 0xB1 (Block Device Characteristics).
 *
 * @example
 * decodeBlockDeviceCharacteristics(data).rotationName; // "non-rotating" for an SSD
 */
export function decodeBlockDeviceCharacteristics(data: Uint8Array): BlockDeviceCharacteristics {
  const header = vpdHeader(data, "VPD page 0xb1");
  const page = vpdPage(data, header);
  const rate = opt(page, [4, 2]);
  const formFactor = optBits(page, 7, 0x0f);
  return {
    ...header,
    mediumRotationRate: rate,
    rotationName: rate === undefined ? undefined : rotationName(rate),
    productType: opt(page, [6, 1]),
    nominalFormFactor: formFactor,
    formFactorName: formFactor === undefined ? undefined : FORM_FACTORS[formFactor] ?? "reserved",
    fuab: optBit(page, 8, 0x02),
    vbuls: optBit(page, 8, 0x01),
  };
}

/** VPD page 0xB2, SBC-3 table 182 (SBC-4 widened LBPRZ to 3 bits). */
export interface LogicalBlockProvisioning extends VpdHeader {
  thresholdExponent: number | undefined;
  /** LBPU: UNMAP supported. */
  lbpu: boolean | undefined;
  /** LBPWS: WRITE SAME (16) with UNMAP supported. */
  lbpws: boolean | undefined;
  /** LBPWS10: WRITE SAME (10) with UNMAP supported. */
  lbpws10: boolean | undefined;
  /** LBPRZ (bits 4-2): non-zero when unmapped blocks read back as zeros. */
  lbprz: number | undefined;
  /** ANC_SUP: ANCHOR supported. */
  ancSup: boolean | undefined;
  /** DP: a provisioning group descriptor follows. */
  dp: boolean | undefined;
  /** PROVISIONING TYPE: 0 full or not reported, 1 resource provisioned, 2 thin provisioned. */
  provisioningType: number | undefined;
  provisioningTypeName: string | undefined;
}

const PROVISIONING_TYPES = ["full or not reported", "resource provisioned", "thin provisioned"];

/**
 * Decode VPD page 0xB2 (Logical Block Provisioning).
 *
 * @example
 * decodeLogicalBlockProvisioning(data).provisioningTypeName; // "thin provisioned"
 */
export function decodeLogicalBlockProvisioning(data: Uint8Array): LogicalBlockProvisioning {
  const header = vpdHeader(data, "VPD page 0xb2");
  const page = vpdPage(data, header);
  const type = optBits(page, 6, 0x07);
  return {
    ...header,
    thresholdExponent: opt(page, [4, 1]),
    lbpu: optBit(page, 5, 0x80),
    lbpws: optBit(page, 5, 0x40),
    lbpws10: optBit(page, 5, 0x20),
    lbprz: optBits(page, 5, 0x1c),
    ancSup: optBit(page, 5, 0x02),
    dp: optBit(page, 5, 0x01),
    provisioningType: type,
    provisioningTypeName: type === undefined ? undefined : PROVISIONING_TYPES[type] ?? "reserved",
  };
}
