/**
 * READ CAPACITY (10) and (16) parameter data (SBC-3 §5.15.2, §5.16.2).
 */
import { be, be64, opt, optBit, optBits } from "./bytes.js";
import { need } from "./scsi-error.js";

/** READ CAPACITY (10) parameter data. */
export interface ReadCapacity10Data {
  /** RETURNED LOGICAL BLOCK ADDRESS: the last LBA. */
  lastLba: number;
  /** LOGICAL BLOCK LENGTH IN BYTES. */
  blockLength: number;
  /** (lastLba + 1) × blockLength. */
  capacityBytes: bigint;
  /** lastLba is 0xFFFFFFFF: the medium is larger, ask READ CAPACITY (16) (SBC-3 §5.15.2). */
  useReadCapacity16: boolean;
}

/** The parameter data of READ CAPACITY (10) is 8 bytes, all mandatory. */
const RC10_LENGTH = 8;

/**
 * Decode READ CAPACITY (10) data; throws {@link ScsiDecodeError} below 8 bytes.
 *
 * @example
 * decodeReadCapacity10(new Uint8Array([0, 1, 0xff, 0xff, 0, 0, 2, 0]));
 * // { lastLba: 131071, blockLength: 512, capacityBytes: 67108864n, useReadCapacity16: false }
 */
export function decodeReadCapacity10(data: Uint8Array): ReadCapacity10Data {
  need(data, RC10_LENGTH, "READ CAPACITY (10) data");
  const lastLba = be(data, 0, 4);
  const blockLength = be(data, 4, 4);
  return {
    lastLba,
    blockLength,
    capacityBytes: (BigInt(lastLba) + 1n) * BigInt(blockLength),
    useReadCapacity16: lastLba === 0xffff_ffff,
  };
}

/** READ CAPACITY (16) parameter data, SBC-3 table 66. */
export interface ReadCapacity16Data {
  /** RETURNED LOGICAL BLOCK ADDRESS: the last LBA. */
  lastLba: bigint;
  blockLength: number;
  /** (lastLba + 1) × blockLength. */
  capacityBytes: bigint;
  /** P_TYPE: protection type - 1 when PROT_EN (0 = type 1). */
  pType: number | undefined;
  /** PROT_EN: protection information enabled. */
  protEn: boolean | undefined;
  /** P_I_EXPONENT. */
  pIExponent: number | undefined;
  /** LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT: 2^n logical blocks per physical block. */
  logicalPerPhysicalExponent: number | undefined;
  /** LBPME: logical block provisioning management (thin provisioning) enabled. */
  lbpme: boolean | undefined;
  /** LBPRZ: unmapped blocks read as zeros. */
  lbprz: boolean | undefined;
  /** LOWEST ALIGNED LOGICAL BLOCK ADDRESS. */
  lowestAlignedLba: number | undefined;
  /** Fewer than the 32 bytes of the parameter data. */
  truncated: boolean;
}

/** LBA and block length are mandatory; the 32-byte structure's other fields are optional. */
const RC16_MANDATORY = 12;
const RC16_LENGTH = 32;

/**
 * Decode READ CAPACITY (16) data; throws {@link ScsiDecodeError} below 12 bytes.
 *
 * @example
 * const cap = decodeReadCapacity16(dataIn);
 * cap.lastLba;                    // 65535n
 * cap.logicalPerPhysicalExponent; // 3 (tgtd: 4 KiB physical blocks)
 */
export function decodeReadCapacity16(data: Uint8Array): ReadCapacity16Data {
  need(data, RC16_MANDATORY, "READ CAPACITY (16) data");
  const lastLba = be64(data, 0, 8);
  const blockLength = be(data, 8, 4);
  const lowest = opt(data, [14, 2]);
  return {
    lastLba,
    blockLength,
    capacityBytes: (lastLba + 1n) * BigInt(blockLength),
    pType: optBits(data, 12, 0x0e),
    protEn: optBit(data, 12, 0x01),
    pIExponent: optBits(data, 13, 0xf0),
    logicalPerPhysicalExponent: optBits(data, 13, 0x0f),
    lbpme: optBit(data, 14, 0x80),
    lbprz: optBit(data, 14, 0x40),
    lowestAlignedLba: lowest === undefined ? undefined : lowest & 0x3fff,
    truncated: data.length < RC16_LENGTH,
  };
}
