/**
 * Peripheral qualifier and peripheral device type (SPC-4 §6.6.2, tables 140 and 141): byte
 * 0 of INQUIRY data and of every VPD page.
 */
import { hexByte } from "./bytes.js";

/** SPC-4 table 141, names as SPC-4 spells them. */
const DEVICE_TYPES: Readonly<Record<number, string>> = {
  0x00: "Direct access block device",
  0x01: "Sequential-access device",
  0x02: "Printer device",
  0x03: "Processor device",
  0x04: "Write-once device",
  0x05: "CD/DVD device",
  0x06: "Scanner device",
  0x07: "Optical memory device",
  0x08: "Media changer device",
  0x09: "Communications device",
  0x0c: "Storage array controller device",
  0x0d: "Enclosure services device",
  0x0e: "Simplified direct-access device",
  0x0f: "Optical card reader/writer device",
  0x10: "Bridge controller commands",
  0x11: "Object-based storage device",
  0x12: "Automation/Drive Interface",
  0x13: "Security manager device",
  0x14: "Host managed zoned block device",
  0x1e: "Well known logical unit",
  0x1f: "Unknown or no device type",
};

/** SPC-4 table 140, shortened. */
const QUALIFIERS: Readonly<Record<number, string>> = {
  0: "connected",
  1: "supported, not connected",
  2: "reserved",
  3: "not supported",
};

/**
 * The SPC-4 name of a peripheral device type (5 bits), `Obsolete (0x0a)` for 0x0a–0x0b and
 * `Reserved (0xNN)` for the rest.
 *
 * @example
 * deviceTypeName(0x00); // "Direct access block device"
 * deviceTypeName(0x0c); // "Storage array controller device"
 */
export function deviceTypeName(type: number): string {
  const name = DEVICE_TYPES[type];
  if (name !== undefined) return name;
  return type === 0x0a || type === 0x0b ? `Obsolete (${hexByte(type)})` : `Reserved (${hexByte(type)})`;
}

/**
 * What a peripheral qualifier (3 bits) says about the logical unit: 0 "connected",
 * 1 "supported, not connected", 3 "not supported" (no logical unit at this LUN),
 * `Vendor specific (N)` for 4–7.
 *
 * @example
 * qualifierName(3); // "not supported"
 */
export function qualifierName(qualifier: number): string {
  return QUALIFIERS[qualifier] ?? `Vendor specific (${qualifier})`;
}
