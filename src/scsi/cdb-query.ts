/**
 * CDB builders for the commands that ask a logical unit about itself: TEST UNIT READY,
 * INQUIRY, REPORT LUNS, READ CAPACITY (10) and (16), MODE SENSE (6) and (10). Each returns
 * a new zero-filled `Uint8Array` of the CDB's length (reserved bits and CONTROL stay 0) and
 * throws RangeError for a value that does not fit its field.
 */
import { put } from "./bytes.js";
import { MAX_U32, checkUint } from "./check.js";
import { ScsiOp, ServiceAction } from "./opcodes.js";

/**
 * TEST UNIT READY (SPC-4 §6.47): 6 bytes, all zero.
 *
 * @example
 * testUnitReadyCdb(); // 00 00 00 00 00 00
 */
export function testUnitReadyCdb(): Uint8Array {
  return new Uint8Array(6);
}

/** Options of {@link inquiryCdb}. */
export interface InquiryOptions {
  /** A VPD page to ask for (sets EVPD); omit for standard INQUIRY data. */
  page?: number;
  /** ALLOCATION LENGTH, 0..65535 (default 255). */
  allocationLength?: number;
}

/**
 * INQUIRY (SPC-4 §6.6): standard data, or the VPD page `opts.page` with EVPD set.
 *
 * @example
 * inquiryCdb();                                      // 12 00 00 00 ff 00
 * inquiryCdb({ page: 0x83, allocationLength: 0x400 }); // 12 01 83 04 00 00
 */
export function inquiryCdb(opts: InquiryOptions = {}): Uint8Array {
  const { page, allocationLength = 0xff } = opts;
  if (page !== undefined) checkUint("INQUIRY", "PAGE CODE", page, 0xff);
  checkUint("INQUIRY", "ALLOCATION LENGTH", allocationLength, 0xffff);
  const cdb = new Uint8Array(6);
  cdb[0] = ScsiOp.Inquiry;
  if (page !== undefined) {
    cdb[1] = 0x01; // EVPD
    cdb[2] = page;
  }
  put(cdb, 3, 2, allocationLength);
  return cdb;
}

/** Options of {@link reportLunsCdb}. */
export interface ReportLunsOptions {
  /** SELECT REPORT (SPC-4 table 179): 0 all LUNs (default), 1 well known, 2 all, 0x10.. more. */
  selectReport?: number;
  /** ALLOCATION LENGTH, 16..2^32-1 (default 4096). */
  allocationLength?: number;
}

/**
 * REPORT LUNS (SPC-4 §6.33), 12 bytes. SPC-4 requires an allocation length of at least 16:
 * smaller values are refused here.
 *
 * @example
 * reportLunsCdb(); // a0 00 00 00 00 00 00 00 10 00 00 00
 */
export function reportLunsCdb(opts: ReportLunsOptions = {}): Uint8Array {
  const { selectReport = 0, allocationLength = 4096 } = opts;
  checkUint("REPORT LUNS", "SELECT REPORT", selectReport, 0xff);
  checkUint("REPORT LUNS", "ALLOCATION LENGTH", allocationLength, MAX_U32);
  if (allocationLength < 16) {
    throw new RangeError(`REPORT LUNS: ALLOCATION LENGTH ${allocationLength} is below 16 (SPC-4 §6.33)`);
  }
  const cdb = new Uint8Array(12);
  cdb[0] = ScsiOp.ReportLuns;
  cdb[2] = selectReport;
  put(cdb, 6, 4, allocationLength);
  return cdb;
}

/**
 * READ CAPACITY (10) (SBC-3 §5.15), 10 bytes; the obsolete PMI/LBA fields stay 0.
 *
 * @example
 * readCapacity10Cdb(); // 25 00 00 00 00 00 00 00 00 00
 */
export function readCapacity10Cdb(): Uint8Array {
  const cdb = new Uint8Array(10);
  cdb[0] = ScsiOp.ReadCapacity10;
  return cdb;
}

/**
 * READ CAPACITY (16) (SBC-3 §5.16): SERVICE ACTION IN (16), service action 0x10, 16 bytes.
 * The parameter data is 32 bytes, the default allocation length.
 *
 * @example
 * readCapacity16Cdb(); // 9e 10 00 00 00 00 00 00 00 00 00 00 00 20 00 00
 */
export function readCapacity16Cdb(allocationLength = 32): Uint8Array {
  checkUint("READ CAPACITY (16)", "ALLOCATION LENGTH", allocationLength, MAX_U32);
  const cdb = new Uint8Array(16);
  cdb[0] = ScsiOp.ServiceActionIn16;
  cdb[1] = ServiceAction.ReadCapacity16;
  put(cdb, 10, 4, allocationLength);
  return cdb;
}

/** Options of {@link modeSense6Cdb} and {@link modeSense10Cdb}. */
export interface ModeSenseOptions {
  /** PAGE CODE, 0..0x3f; 0x3f asks for all pages (default). */
  pageCode?: number;
  /** SUBPAGE CODE, 0..0xff; 0xff with page 0x3f asks for all subpages too (default 0). */
  subpage?: number;
  /** DBD: leave out block descriptors. */
  dbd?: boolean;
  /** PC, page control: 0 current (default), 1 changeable, 2 default, 3 saved values. */
  pc?: number;
  /** ALLOCATION LENGTH: up to 255 for MODE SENSE (6), 65535 for (10) (default the maximum). */
  allocationLength?: number;
  /** LLBAA (MODE SENSE (10) only): accept long LBA block descriptors. */
  llbaa?: boolean;
}

/** Byte 1 and byte 2 of both MODE SENSE CDBs (SPC-4 §6.11.1). */
function modeSenseCommon(cdb: Uint8Array, command: string, opts: ModeSenseOptions): void {
  const { pageCode = 0x3f, subpage = 0, pc = 0 } = opts;
  checkUint(command, "PAGE CODE", pageCode, 0x3f);
  checkUint(command, "SUBPAGE CODE", subpage, 0xff);
  checkUint(command, "PC", pc, 3);
  if (opts.dbd) cdb[1] |= 0x08;
  cdb[2] = (pc << 6) | pageCode;
  cdb[3] = subpage;
}

/**
 * MODE SENSE (6) (SPC-4 §6.11), 6 bytes.
 *
 * @example
 * modeSense6Cdb();                                 // 1a 00 3f 00 ff 00
 * modeSense6Cdb({ pageCode: 0x08, dbd: true, pc: 1 }); // 1a 08 48 00 ff 00
 */
export function modeSense6Cdb(opts: ModeSenseOptions = {}): Uint8Array {
  const { allocationLength = 0xff } = opts;
  checkUint("MODE SENSE (6)", "ALLOCATION LENGTH", allocationLength, 0xff);
  if (opts.llbaa) throw new RangeError("MODE SENSE (6): LLBAA exists only in MODE SENSE (10)");
  const cdb = new Uint8Array(6);
  cdb[0] = ScsiOp.ModeSense6;
  modeSenseCommon(cdb, "MODE SENSE (6)", opts);
  cdb[4] = allocationLength;
  return cdb;
}

/**
 * MODE SENSE (10) (SPC-4 §6.12), 10 bytes.
 *
 * @example
 * modeSense10Cdb({ llbaa: true }); // 5a 10 3f 00 00 00 00 ff ff 00
 */
export function modeSense10Cdb(opts: ModeSenseOptions = {}): Uint8Array {
  const { allocationLength = 0xffff } = opts;
  checkUint("MODE SENSE (10)", "ALLOCATION LENGTH", allocationLength, 0xffff);
  const cdb = new Uint8Array(10);
  cdb[0] = ScsiOp.ModeSense10;
  if (opts.llbaa) cdb[1] |= 0x10;
  modeSenseCommon(cdb, "MODE SENSE (10)", opts);
  put(cdb, 7, 2, allocationLength);
  return cdb;
}
