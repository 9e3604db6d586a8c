/**
 * Any VPD page, dispatched on its page code (byte 1), for the capture decoder that sees
 * answers without having built the question. Pages without a decoder come back raw.
 */
import { type DeviceIdentification, decodeDeviceIdentification } from "./vpd-device-id.js";
import { VPD_HEADER_LENGTH, type VpdHeader, vpdHeader, vpdPage } from "./vpd-header.js";
import {
  type BlockDeviceCharacteristics, type BlockLimits, type LogicalBlockProvisioning,
  type SupportedVpdPages, type UnitSerialNumber, decodeBlockDeviceCharacteristics,
  decodeBlockLimits, decodeLogicalBlockProvisioning, decodeSupportedVpdPages, decodeUnitSerialNumber,
} from "./vpd-pages.js";

/** A page this layer does not decode: the header and the body bytes. */
export interface RawVpdPage extends VpdHeader {
  body: Uint8Array;
}

/** A decoded VPD page, discriminated by `kind`. */
export type VpdPage =
  | ({ kind: "supported-pages" } & SupportedVpdPages)
  | ({ kind: "unit-serial-number" } & UnitSerialNumber)
  | ({ kind: "device-identification" } & DeviceIdentification)
  | ({ kind: "block-limits" } & BlockLimits)
  | ({ kind: "block-device-characteristics" } & BlockDeviceCharacteristics)
  | ({ kind: "logical-block-provisioning" } & LogicalBlockProvisioning)
  | ({ kind: "raw" } & RawVpdPage);

/**
 * Page codes of the pages decoded here (SPC-4 table 432, SBC-3 table 176).
 *
 * @example
 * inquiryCdb({ page: VpdPageCode.BlockLimits });
 */
export const VpdPageCode = {
  SupportedPages: 0x00,
  UnitSerialNumber: 0x80,
  DeviceIdentification: 0x83,
  BlockLimits: 0xb0,
  BlockDeviceCharacteristics: 0xb1,
  LogicalBlockProvisioning: 0xb2,
} as const;

/**
 * Decode a VPD page by its page code. The 0xB0–0xB2 pages are SBC pages: for another
 * peripheral device type they come back raw. Throws {@link ScsiDecodeError} below 4 bytes.
 *
 * @example
 * const page = decodeVpd(dataIn);
 * if (page.kind === "block-limits") console.log(page.maxTransferLength);
 */
export function decodeVpd(data: Uint8Array): VpdPage {
  const header = vpdHeader(data, "VPD page");
  const sbc = header.peripheralDeviceType === 0x00;
  switch (header.pageCode) {
    case VpdPageCode.SupportedPages: return { kind: "supported-pages", ...decodeSupportedVpdPages(data) };
    case VpdPageCode.UnitSerialNumber: return { kind: "unit-serial-number", ...decodeUnitSerialNumber(data) };
    case VpdPageCode.DeviceIdentification: return { kind: "device-identification", ...decodeDeviceIdentification(data) };
  }
  if (sbc && header.pageCode === VpdPageCode.BlockLimits) return { kind: "block-limits", ...decodeBlockLimits(data) };
  if (sbc && header.pageCode === VpdPageCode.BlockDeviceCharacteristics) {
    return { kind: "block-device-characteristics", ...decodeBlockDeviceCharacteristics(data) };
  }
  if (sbc && header.pageCode === VpdPageCode.LogicalBlockProvisioning) {
    return { kind: "logical-block-provisioning", ...decodeLogicalBlockProvisioning(data) };
  }
  return { kind: "raw", ...header, body: vpdPage(data, header).subarray(VPD_HEADER_LENGTH) };
}
