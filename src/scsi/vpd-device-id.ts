/**
 * VPD page 0x83, Device Identification (SPC-4 §7.8.6): a list of designation descriptors,
 * each naming the logical unit, a target port or the target device, decoded to readable
 * strings (`naa.6001405...`, `eui.0123...`, `iqn.2003-...`).
 */
import { be, hex, latin1 } from "./bytes.js";
import { VPD_HEADER_LENGTH, type VpdHeader, vpdHeader, vpdPage } from "./vpd-header.js";

/** One designation descriptor (SPC-4 table 459). */
export interface Designator {
  /** PROTOCOL IDENTIFIER; undefined unless PIV is set and the association is a port or device. */
  protocolIdentifier: number | undefined;
  protocolName: string | undefined;
  /** CODE SET: 1 binary, 2 ASCII, 3 UTF-8. */
  codeSet: number;
  codeSetName: string;
  piv: boolean;
  /** ASSOCIATION: 0 logical unit, 1 target port, 2 target device. */
  association: number;
  associationName: string;
  /** DESIGNATOR TYPE (SPC-4 table 461). */
  designatorType: number;
  designatorTypeName: string;
  /** DESIGNATOR LENGTH as sent. */
  length: number;
  /** The designator bytes present (fewer than `length` when truncated). */
  designator: Uint8Array;
  /** Readable form: naa./eui. hex, ASCII text, SCSI name string, port number, UUID. */
  value: string;
  /** The NAA field (first nibble) of an NAA designator: 2, 3, 5 or 6. */
  naa: number | undefined;
  /** The T10 VENDOR IDENTIFICATION (first 8 bytes, trimmed) of a T10 vendor ID designator. */
  t10VendorId: string | undefined;
  /** Relative target port, target port group or logical unit group number (types 4-6). */
  numeric: number | undefined;
  /** The data ended inside this descriptor. */
  truncated: boolean;
}

/** VPD page 0x83. */
export interface DeviceIdentification extends VpdHeader {
  designators: Designator[];
}

const CODE_SETS: Readonly<Record<number, string>> = { 1: "binary", 2: "ASCII", 3: "UTF-8" };
const ASSOCIATIONS = ["logical unit", "target port", "target device", "reserved"];
const DESIGNATOR_TYPES = [
  "vendor specific", "T10 vendor ID", "EUI-64", "NAA", "relative target port",
  "target port group", "logical unit group", "MD5 logical unit identifier",
  "SCSI name string", "protocol specific port identifier", "UUID",
];
/** PROTOCOL IDENTIFIER, SPC-4 table 362 (and SPC-5 for 0x0b). */
const PROTOCOLS: Readonly<Record<number, string>> = {
  0x0: "FCP", 0x1: "SPI", 0x2: "SSA", 0x3: "SBP", 0x4: "SRP", 0x5: "iSCSI", 0x6: "SAS",
  0x7: "ADT", 0x8: "ATA", 0x9: "UAS", 0xa: "SOP", 0xb: "PCIe", 0xf: "none",
};

/** Designation descriptor header length. */
const DESCRIPTOR_HEADER = 4;

/**
 * Decode VPD page 0x83 (Device Identification). Throws {@link ScsiDecodeError} below the
 * 4-byte page header; a descriptor cut short by the allocation length comes back with what
 * is there and `truncated` set.
 *
 * @example
 * const id = decodeDeviceIdentification(data);
 * id.designators.map((d) => d.value); // ["IET     00010001", "naa.3000000100000001", ...]
 */
export function decodeDeviceIdentification(data: Uint8Array): DeviceIdentification {
  const header = vpdHeader(data, "VPD page 0x83");
  const page = vpdPage(data, header);
  const designators: Designator[] = [];
  for (let o = VPD_HEADER_LENGTH; o + DESCRIPTOR_HEADER <= page.length; ) {
    const length = page[o + 3];
    designators.push(decodeDesignator(page.subarray(o, o + DESCRIPTOR_HEADER + length), length));
    o += DESCRIPTOR_HEADER + length;
  }
  return { ...header, designators };
}

/** One descriptor: `d` holds its header and the designator bytes present. */
function decodeDesignator(d: Uint8Array, length: number): Designator {
  const codeSet = d[0] & 0x0f;
  const piv = (d[1] & 0x80) !== 0;
  const association = (d[1] >> 4) & 0x3;
  const type = d[1] & 0x0f;
  const protocol = piv && (association === 1 || association === 2) ? d[0] >> 4 : undefined;
  const designator = d.subarray(DESCRIPTOR_HEADER);
  return {
    protocolIdentifier: protocol,
    protocolName: protocol === undefined ? undefined : PROTOCOLS[protocol] ?? `reserved (${protocol})`,
    codeSet,
    codeSetName: CODE_SETS[codeSet] ?? `reserved (${codeSet})`,
    piv,
    association,
    associationName: ASSOCIATIONS[association],
    designatorType: type,
    designatorTypeName: DESIGNATOR_TYPES[type] ?? `reserved (${type})`,
    length,
    designator,
    value: designatorValue(type, codeSet, designator),
    naa: type === 3 && designator.length > 0 ? designator[0] >> 4 : undefined,
    t10VendorId: type === 1 ? latin1(designator.subarray(0, 8)).trim() : undefined,
    numeric: type >= 4 && type <= 6 && designator.length >= 4 ? be(designator, 2, 2) : undefined,
    truncated: designator.length < length,
  };
}

/** Readable form of a designator by type (SPC-4 §7.8.6.2 to §7.8.6.11). */
function designatorValue(type: number, codeSet: number, v: Uint8Array): string {
  switch (type) {
    case 1: return latin1(v).replace(/[\0 ]+$/, "");
    case 2: return `eui.${hex(v)}`;
    case 3: return `naa.${hex(v)}`;
    case 4: case 5: case 6: return v.length >= 4 ? String(be(v, 2, 2)) : hex(v);
    case 8: return new TextDecoder().decode(v).replace(/\0.*$/s, "");
    case 0xa: return v.length >= 18 ? uuid(v.subarray(2, 18)) : hex(v);
    default: return codeSet === 2 || codeSet === 3 ? latin1(v).trim() : hex(v);
  }
}

/** RFC 4122 text form of 16 bytes. */
function uuid(v: Uint8Array): string {
  const h = hex(v);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
