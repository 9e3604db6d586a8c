/**
 * The 4-byte header every VPD page starts with (SPC-4 §7.8.1, table 433).
 */
import { be } from "./bytes.js";
import { need } from "./scsi-error.js";

/** Header fields shared by every decoded VPD page. */
export interface VpdHeader {
  peripheralQualifier: number;
  peripheralDeviceType: number;
  /** The page code the device answered with (normally the one asked for). */
  pageCode: number;
  /** PAGE LENGTH: the device has `pageLength + 4` bytes of this page. */
  pageLength: number;
  /** The data ended before `pageLength + 4` bytes (allocation length too small). */
  truncated: boolean;
}

/**
 * Length of the VPD page header.
 *
 * @example
 * const body = page.subarray(VPD_HEADER_LENGTH);
 */
export const VPD_HEADER_LENGTH = 4;

/**
 * Decode the VPD header of `data`, throwing {@link ScsiDecodeError} below 4 bytes.
 * `structure` names the page in the error.
 *
 * @example
 * vpdHeader(new Uint8Array([0x00, 0x80, 0x00, 0x24]), "VPD page 0x80").pageLength; // 36
 */
export function vpdHeader(data: Uint8Array, structure: string): VpdHeader {
  need(data, VPD_HEADER_LENGTH, structure);
  const pageLength = be(data, 2, 2);
  return {
    peripheralQualifier: data[0] >> 5,
    peripheralDeviceType: data[0] & 0x1f,
    pageCode: data[1],
    pageLength,
    truncated: data.length < pageLength + VPD_HEADER_LENGTH,
  };
}

/**
 * `data` cut to the page: bytes beyond `pageLength + 4` are not part of it. Offsets stay
 * those of the page (the header included), so decoders read SPC/SBC byte numbers directly.
 *
 * @example
 * const page = vpdPage(data, vpdHeader(data, "VPD page 0xb2")); // page[5]: the LBPU.. byte
 */
export function vpdPage(data: Uint8Array, header: VpdHeader): Uint8Array {
  return data.subarray(0, Math.min(data.length, VPD_HEADER_LENGTH + header.pageLength));
}
