/**
 * Standard INQUIRY data (SPC-4 §6.6.2, table 139).
 */
import { ascii, hexByte, opt } from "./bytes.js";
import { deviceTypeName, qualifierName } from "./device-type.js";
import { need } from "./scsi-error.js";

/** Byte offsets of standard INQUIRY data, SPC-4 table 139. */
const INQ = {
  peripheral: 0, // qualifier 7-5, device type 4-0
  rmb: 1, // RMB bit 7, LU_CONG bit 6
  version: 2,
  format: 3, // NORMACA bit 5, HISUP bit 4, RESPONSE DATA FORMAT 3-0
  additionalLength: 4,
  flags5: 5, // SCCS 7, ACC 6, TPGS 5-4, 3PC 3, PROTECT 0
  flags6: 6, // ENCSERV 6, MULTIP 4
  flags7: 7, // CMDQUE 1
  vendor: [8, 8],
  product: [16, 16],
  revision: [32, 4],
  versionDescriptors: 58,
  versionDescriptorCount: 8,
} as const;

/** Bytes 0-7 hold the device type and every capability flag; less is refused. */
const MANDATORY = 8;

/** Standard INQUIRY data, decoded. */
export interface InquiryData {
  peripheralQualifier: number;
  /** "connected", "supported, not connected", "not supported", ... */
  qualifierName: string;
  peripheralDeviceType: number;
  /** SPC-4 name, e.g. "Direct access block device". */
  deviceTypeName: string;
  /** RMB: removable medium. */
  removable: boolean;
  /** VERSION: 0 none claimed, 3 SPC, 4 SPC-2, 5 SPC-3, 6 SPC-4, 7 SPC-5. */
  version: number;
  /** "SPC-3" etc., or "none" / "0xNN". */
  versionName: string;
  normAca: boolean;
  /** HISUP: hierarchical LUN addressing supported. */
  hiSup: boolean;
  /** RESPONSE DATA FORMAT, 2 for every current device. */
  responseDataFormat: number;
  /** ADDITIONAL LENGTH: the device has `additionalLength + 5` bytes of INQUIRY data. */
  additionalLength: number;
  sccs: boolean;
  acc: boolean;
  /** TPGS: 0 no ALUA, 1 implicit, 2 explicit, 3 both. */
  tpgs: number;
  /** 3PC: third-party copy (EXTENDED COPY) supported. */
  threePc: boolean;
  protect: boolean;
  encServ: boolean;
  multiP: boolean;
  /** CMDQUE: command queuing supported. */
  cmdQue: boolean;
  /** T10 VENDOR IDENTIFICATION, trimmed; undefined when not sent. */
  vendor: string | undefined;
  /** PRODUCT IDENTIFICATION, trimmed. */
  product: string | undefined;
  /** PRODUCT REVISION LEVEL, trimmed. */
  revision: string | undefined;
  /** VERSION DESCRIPTORs present and non-zero (SPC-4 table 144 codes, e.g. 0x04c0 SBC-3). */
  versionDescriptors: number[];
  /** The data ended before `additionalLength + 5` bytes (allocation length too small). */
  truncated: boolean;
}

const VERSION_NAMES: Readonly<Record<number, string>> = {
  0: "none", 3: "SPC", 4: "SPC-2", 5: "SPC-3", 6: "SPC-4", 7: "SPC-5",
};

/**
 * Decode standard INQUIRY data. Throws {@link ScsiDecodeError} below 8 bytes; a short
 * allocation leaves the text fields undefined (or partial) and sets `truncated`.
 *
 * @example
 * const inq = decodeInquiry(dataIn);
 * inq.vendor;         // "IET"
 * inq.product;        // "VIRTUAL-DISK"
 * inq.deviceTypeName; // "Direct access block device"
 */
export function decodeInquiry(data: Uint8Array): InquiryData {
  need(data, MANDATORY, "standard INQUIRY data");
  const qualifier = data[INQ.peripheral] >> 5;
  const type = data[INQ.peripheral] & 0x1f;
  const version = data[INQ.version];
  const additionalLength = data[INQ.additionalLength];
  return {
    peripheralQualifier: qualifier,
    qualifierName: qualifierName(qualifier),
    peripheralDeviceType: type,
    deviceTypeName: deviceTypeName(type),
    removable: (data[INQ.rmb] & 0x80) !== 0,
    version,
    versionName: VERSION_NAMES[version] ?? hexByte(version),
    normAca: (data[INQ.format] & 0x20) !== 0,
    hiSup: (data[INQ.format] & 0x10) !== 0,
    responseDataFormat: data[INQ.format] & 0x0f,
    additionalLength,
    sccs: (data[INQ.flags5] & 0x80) !== 0,
    acc: (data[INQ.flags5] & 0x40) !== 0,
    tpgs: (data[INQ.flags5] >> 4) & 0x3,
    threePc: (data[INQ.flags5] & 0x08) !== 0,
    protect: (data[INQ.flags5] & 0x01) !== 0,
    encServ: (data[INQ.flags6] & 0x40) !== 0,
    multiP: (data[INQ.flags6] & 0x10) !== 0,
    cmdQue: (data[INQ.flags7] & 0x02) !== 0,
    vendor: ascii(data, INQ.vendor),
    product: ascii(data, INQ.product),
    revision: ascii(data, INQ.revision),
    versionDescriptors: versionDescriptors(data, additionalLength + 5),
    truncated: data.length < additionalLength + 5,
  };
}

/** The non-zero VERSION DESCRIPTORs within both the data and the length the device gave. */
function versionDescriptors(data: Uint8Array, fullLength: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < INQ.versionDescriptorCount; i++) {
    const o = INQ.versionDescriptors + 2 * i;
    if (o + 2 > fullLength) break;
    const v = opt(data, [o, 2]);
    if (v === undefined) break;
    if (v !== 0) out.push(v);
  }
  return out;
}
