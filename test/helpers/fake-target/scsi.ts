/**
 * The SCSI device the fake target exports: a direct-access block device (SBC) answering the
 * commands an initiator needs to find, size, read and write a disk. Anything else is CHECK
 * CONDITION, ILLEGAL REQUEST, INVALID COMMAND OPERATION CODE (0x20/0x00), fixed-format sense.
 */
import { createHash } from "node:crypto";
import { BLOCK_SIZE, SparseDisk } from "./disk.js";

/** SAM status codes used here (RFC 7143 §11.4.2). */
export const Status = { Good: 0x00, CheckCondition: 0x02, Busy: 0x08, TaskAborted: 0x40 } as const;
/** SPC sense keys used here. */
export const SenseKey = { IllegalRequest: 0x05, UnitAttention: 0x06 } as const;

/** SCSI operation codes the device implements. */
export const ScsiOp = {
  TestUnitReady: 0x00, Inquiry: 0x12, ReadCapacity10: 0x25, Read10: 0x28, Write10: 0x2a,
  SynchronizeCache10: 0x35, Read16: 0x88, Write16: 0x8a, ServiceActionIn16: 0x9e, ReportLuns: 0xa0,
} as const;
/** SERVICE ACTION IN(16) service action READ CAPACITY(16). */
const SA_READ_CAPACITY_16 = 0x10;

/** One logical unit: identity and storage. */
export interface LogicalUnit {
  lun: number;
  disk: SparseDisk;
  vendor: string;
  product: string;
  serial: string;
  /** 16-byte NAA IEEE Registered Extended designator (VPD 0x83). */
  naa: Uint8Array;
}

/** What a command produced: status, data for the Data-In phase, sense for CHECK CONDITION. */
export interface ScsiResult {
  status: number;
  data?: Uint8Array;
  sense?: Uint8Array;
}

/** Where a WRITE puts its data. */
export interface WritePlan {
  lba: number;
  /** Bytes the CDB asks for (transfer length x 512). */
  bytes: number;
}

/**
 * @example
 * makeLogicalUnit("iqn.2003-01.org.iscsiscope:fake", { lun: 1 }, "ISCSISCP");
 */
export function makeLogicalUnit(
  targetName: string,
  cfg: { lun: number; blocks?: number; product?: string; serial?: string },
  vendor: string,
): LogicalUnit {
  const h = createHash("md5").update(`${targetName}/${cfg.lun}`).digest();
  const naa = new Uint8Array(h);
  naa[0] = 0x60 | (naa[0] & 0x0f);
  return {
    lun: cfg.lun,
    disk: new SparseDisk(cfg.blocks ?? 131072),
    vendor,
    product: cfg.product ?? "FAKE-DISK",
    serial: cfg.serial ?? `FT${h.toString("hex").slice(0, 12).toUpperCase()}`,
    naa,
  };
}

/** Fixed-format sense data (SPC-4 §4.5.3), 18 bytes. */
export function fixedSense(key: number, asc: number, ascq: number): Uint8Array {
  const s = new Uint8Array(18);
  s[0] = 0x70;
  s[2] = key & 0x0f;
  s[7] = 10;
  s[12] = asc;
  s[13] = ascq;
  return s;
}

function check(key: number, asc: number, ascq: number): ScsiResult {
  return { status: Status.CheckCondition, sense: fixedSense(key, asc, ascq) };
}

/** INVALID COMMAND OPERATION CODE */
export const invalidOpcode = (): ScsiResult => check(SenseKey.IllegalRequest, 0x20, 0x00);
/** LOGICAL BLOCK ADDRESS OUT OF RANGE */
const lbaOutOfRange = (): ScsiResult => check(SenseKey.IllegalRequest, 0x21, 0x00);
/** INVALID FIELD IN CDB */
const invalidField = (): ScsiResult => check(SenseKey.IllegalRequest, 0x24, 0x00);
/** LOGICAL UNIT NOT SUPPORTED */
const lunNotSupported = (): ScsiResult => check(SenseKey.IllegalRequest, 0x25, 0x00);

/** The LUN number of an 8-byte LUN field (SAM-5 peripheral or flat addressing), or -1. */
export function decodeLun(lun: bigint): number {
  const hi = Number((lun >> 48n) & 0xffffn);
  const method = hi >> 14;
  if (method === 0) return hi >> 8 === 0 ? hi & 0xff : -1;
  if (method === 1) return hi & 0x3fff;
  return -1;
}

/** The 8-byte LUN field of a LUN number: peripheral addressing below 256, else flat space. */
export function encodeLun(n: number): bigint {
  const hi = n < 256 ? n : 0x4000 | (n & 0x3fff);
  return BigInt(hi) << 48n;
}

const be = (b: Uint8Array, o: number, n: number): number => {
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 256 + b[o + i];
  return v;
};
const putBe = (b: Uint8Array, o: number, n: number, v: number): void => {
  for (let i = n - 1; i >= 0; i--, v = Math.floor(v / 256)) b[o + i] = v % 256;
};
const ascii = (s: string, n: number): Uint8Array => new TextEncoder().encode(s.padEnd(n, " ").slice(0, n));

/**
 * Execute every command but WRITE (see {@link planWrite}). `lu` is undefined for a LUN the
 * target does not have: INQUIRY answers peripheral qualifier 3, REPORT LUNS works, the rest
 * is LOGICAL UNIT NOT SUPPORTED.
 */
export function executeScsi(lu: LogicalUnit | undefined, luns: readonly number[], cdb: Uint8Array): ScsiResult {
  const op = cdb[0];
  if (op === ScsiOp.ReportLuns) return reportLuns(luns, cdb);
  if (op === ScsiOp.Inquiry) return inquiry(lu, cdb);
  if (!lu) return lunNotSupported();
  switch (op) {
    case ScsiOp.TestUnitReady: return { status: Status.Good };
    case ScsiOp.SynchronizeCache10: return { status: Status.Good };
    case ScsiOp.ReadCapacity10: return readCapacity10(lu);
    case ScsiOp.ServiceActionIn16:
      return (cdb[1] & 0x1f) === SA_READ_CAPACITY_16 ? readCapacity16(lu, cdb) : invalidField();
    case ScsiOp.Read10: return read(lu, be(cdb, 2, 4), be(cdb, 7, 2));
    case ScsiOp.Read16: return read(lu, be(cdb, 2, 8), be(cdb, 10, 4));
    default: return invalidOpcode();
  }
}

/** True for WRITE(10) and WRITE(16). */
export function isWrite(cdb: Uint8Array): boolean {
  return cdb[0] === ScsiOp.Write10 || cdb[0] === ScsiOp.Write16;
}

/** Check a WRITE's range before its data phase: the plan, or the CHECK CONDITION to answer. */
export function planWrite(lu: LogicalUnit | undefined, cdb: Uint8Array): WritePlan | ScsiResult {
  if (!lu) return lunNotSupported();
  const [lba, count] = cdb[0] === ScsiOp.Write10 ? [be(cdb, 2, 4), be(cdb, 7, 2)] : [be(cdb, 2, 8), be(cdb, 10, 4)];
  if (lba + count > lu.disk.blockCount) return lbaOutOfRange();
  return { lba, bytes: count * BLOCK_SIZE };
}

function read(lu: LogicalUnit, lba: number, count: number): ScsiResult {
  if (lba + count > lu.disk.blockCount) return lbaOutOfRange();
  return { status: Status.Good, data: lu.disk.read(lba, count) };
}

function readCapacity10(lu: LogicalUnit): ScsiResult {
  const d = new Uint8Array(8);
  putBe(d, 0, 4, Math.min(lu.disk.blockCount - 1, 0xffffffff));
  putBe(d, 4, 4, BLOCK_SIZE);
  return { status: Status.Good, data: d };
}

function readCapacity16(lu: LogicalUnit, cdb: Uint8Array): ScsiResult {
  const d = new Uint8Array(32);
  putBe(d, 0, 8, lu.disk.blockCount - 1);
  putBe(d, 8, 4, BLOCK_SIZE);
  return { status: Status.Good, data: d.subarray(0, be(cdb, 10, 4)) };
}

function reportLuns(luns: readonly number[], cdb: Uint8Array): ScsiResult {
  const d = new Uint8Array(8 + luns.length * 8);
  putBe(d, 0, 4, luns.length * 8);
  luns.forEach((n, i) => putBe(d, 8 + i * 8, 2, Number(encodeLun(n) >> 48n)));
  return { status: Status.Good, data: d.subarray(0, be(cdb, 6, 4)) };
}

function inquiry(lu: LogicalUnit | undefined, cdb: Uint8Array): ScsiResult {
  const evpd = (cdb[1] & 0x01) !== 0;
  const page = cdb[2];
  const alloc = be(cdb, 3, 2);
  if (!evpd && page !== 0) return invalidField();
  if (!lu) {
    if (evpd) return lunNotSupported();
    const d = new Uint8Array(36);
    d[0] = 0x7f; // peripheral qualifier 3, device type 0x1f: no logical unit here
    d[4] = 31;
    return { status: Status.Good, data: d.subarray(0, alloc) };
  }
  const d = evpd ? vpdPage(lu, page) : standardInquiry(lu);
  return d ? { status: Status.Good, data: d.subarray(0, alloc) } : invalidField();
}

function standardInquiry(lu: LogicalUnit): Uint8Array {
  const d = new Uint8Array(36);
  d[0] = 0x00; // direct-access block device
  d[2] = 0x06; // SPC-4
  d[3] = 0x12; // HiSup, response data format 2
  d[4] = d.length - 5;
  d[7] = 0x02; // CmdQue
  d.set(ascii(lu.vendor, 8), 8);
  d.set(ascii(lu.product, 16), 16);
  d.set(ascii("0001", 4), 32);
  return d;
}

/** VPD pages 0x00 (supported pages), 0x80 (unit serial number), 0x83 (device identification). */
function vpdPage(lu: LogicalUnit, page: number): Uint8Array | undefined {
  const body = page === 0x00 ? new Uint8Array([0x00, 0x80, 0x83])
    : page === 0x80 ? ascii(lu.serial, lu.serial.length)
    : page === 0x83 ? deviceIdentification(lu)
    : undefined;
  if (!body) return undefined;
  const d = new Uint8Array(4 + body.length);
  d[1] = page;
  putBe(d, 2, 2, body.length);
  d.set(body, 4);
  return d;
}

function deviceIdentification(lu: LogicalUnit): Uint8Array {
  const t10 = ascii(`${lu.vendor.padEnd(8).slice(0, 8)}${lu.serial}`, 8 + lu.serial.length);
  const d = new Uint8Array(4 + lu.naa.length + 4 + t10.length);
  d.set([0x01, 0x03, 0x00, lu.naa.length], 0); // binary, LU association, designator type 3 (NAA)
  d.set(lu.naa, 4);
  const o = 4 + lu.naa.length;
  d.set([0x02, 0x01, 0x00, t10.length], o); // ASCII, designator type 1 (T10 vendor ID)
  d.set(t10, o + 4);
  return d;
}
