/**
 * REPORT LUNS parameter data (SPC-4 §6.33.2): an 8-byte header with LUN LIST LENGTH, then
 * one 8-byte LUN field per logical unit.
 */
import { be, be64 } from "./bytes.js";
import { lunFromField } from "./lun.js";
import { need } from "./scsi-error.js";

/** One reported logical unit. */
export interface ReportedLun {
  /** The 8-byte LUN field as sent, the form the iSCSI BHS carries. */
  field: bigint;
  /** The LUN number when the field is a simple single-level LUN (see `lunFromField`). */
  lun: number | undefined;
}

/** REPORT LUNS parameter data. */
export interface ReportLunsData {
  /** LUN LIST LENGTH in bytes (8 per LUN). */
  listLength: number;
  /** How many LUNs the device has: listLength / 8. */
  count: number;
  /** The LUNs present in the data (fewer than `count` when truncated). */
  luns: ReportedLun[];
  /** The data ended before the list did: re-issue with allocation length `listLength + 8`. */
  truncated: boolean;
}

const HEADER = 8;
const ENTRY = 8;

/**
 * Decode REPORT LUNS data; throws {@link ScsiDecodeError} below the 8-byte header.
 *
 * @example
 * decodeReportLuns(dataIn).luns.map((l) => l.lun); // [0, 1, 2]
 */
export function decodeReportLuns(data: Uint8Array): ReportLunsData {
  need(data, HEADER, "REPORT LUNS data");
  const listLength = be(data, 0, 4);
  const end = Math.min(data.length, HEADER + listLength);
  const luns: ReportedLun[] = [];
  for (let o = HEADER; o + ENTRY <= end; o += ENTRY) {
    const field = be64(data, o, ENTRY);
    luns.push({ field, lun: lunFromField(field) });
  }
  return { listLength, count: Math.floor(listLength / ENTRY), luns, truncated: data.length < HEADER + listLength };
}
