/**
 * A normal session with the SCSI commands an application wants: LUN inventory, INQUIRY,
 * capacity, READ, WRITE, TEST UNIT READY, SYNCHRONIZE CACHE, plus the raw `scsi()` pass-
 * through. The convenience calls turn a non-GOOD status into a ScsiStatusError that names
 * the status, sense key and ASC/ASCQ; `scsi()` returns every status as data.
 */
import { IscsiError } from "../errors.js";
import {
  ascName, cdbInfo, decodeInquiry, decodeReadCapacity10, decodeReadCapacity16, decodeReportLuns, decodeSense,
  decodeVpd, inquiryCdb, read10Cdb, read16Cdb, readCapacity10Cdb, readCapacity16Cdb, reportLunsCdb,
  statusName, synchronizeCache10Cdb, testUnitReadyCdb, write10Cdb, write16Cdb,
  type InquiryData, type SenseData, type VpdPage,
} from "../scsi/index.js";
import { Session, type ScsiRequest } from "./session.js";
import type { ScsiResult } from "./task.js";

/** A command that ended with a SCSI status other than GOOD (what `read`/`write` & co. reject with). */
export class ScsiStatusError extends IscsiError {
  readonly status: number;
  readonly sense: SenseData | undefined;
  readonly result: ScsiResult;
  constructor(what: string, result: ScsiResult) {
    const sense = result.sense ? decodeSense(result.sense) : undefined;
    super("ERR_SCSI_STATUS", `${what}: ${describeStatus(result.response, result.status, sense)}`);
    this.status = result.status;
    this.sense = sense;
    this.result = result;
  }
}

/** "CHECK CONDITION: ILLEGAL REQUEST, LOGICAL BLOCK ADDRESS OUT OF RANGE (0x21/0x00)". */
export function describeStatus(response: number, status: number, sense: SenseData | undefined): string {
  if (response !== 0) return `iSCSI response 0x${response.toString(16).padStart(2, "0")} (${response === 1 ? "Target Failure" : "vendor specific"})`;
  const name = statusName(status);
  if (!sense || !("senseKey" in sense)) return name;
  if (sense.asc === undefined || sense.ascq === undefined) return `${name}: ${sense.senseKeyName}`;
  const hex = (n: number) => `0x${n.toString(16).padStart(2, "0")}`;
  return `${name}: ${sense.senseKeyName}, ${ascName(sense.asc, sense.ascq)} (${hex(sense.asc)}/${hex(sense.ascq)})`;
}

/** READ CAPACITY result. */
export interface Capacity {
  /** Number of logical blocks (last LBA + 1). */
  blocks: bigint;
  /** Logical block length in bytes. */
  blockSize: number;
  /** blocks × blockSize. */
  bytes: bigint;
}

const MAX_LBA32 = 0xffffffffn;
const SENSE_KEY_ILLEGAL_REQUEST = 0x5;
const SENSE_KEY_UNIT_ATTENTION = 0x6;

function senseKeyOf(r: ScsiResult): number | undefined {
  if (r.status !== 0x02 || !r.sense) return undefined;
  const s = decodeSense(r.sense);
  return s.format === "unrecognized" ? undefined : s.senseKey;
}

function isUnitAttention(r: ScsiResult): boolean {
  return senseKeyOf(r) === SENSE_KEY_UNIT_ATTENTION;
}

function isIllegalRequest(r: ScsiResult): boolean {
  return senseKeyOf(r) === SENSE_KEY_ILLEGAL_REQUEST;
}

export class ScsiSession extends Session {
  private readonly capacities = new Map<number, Capacity>();

  /**
   * Send any CDB. Direction and length default to what the CDB says (cdbInfo); pass them
   * for commands it does not know. Resolves with every status, CHECK CONDITION included.
   *
   * @example
   * const r = await s.scsi(1, inquiryCdb({ page: 0x80 }));
   */
  override scsi(lun: number, cdb: Uint8Array, req: Partial<ScsiRequest> = {}): Promise<ScsiResult> {
    if (req.dir !== undefined && req.length !== undefined && req.lba !== undefined) return super.scsi(lun, cdb, req as ScsiRequest);
    const info = cdbInfo(cdb, { blockSize: this.capacities.get(lun)?.blockSize });
    const dir = req.dir ?? (req.data ? "write" : info.direction === "unknown" ? "none" : info.direction);
    const length = req.length ?? req.data?.length ?? info.dataLength ?? 0;
    return super.scsi(lun, cdb, { ...req, dir, length, lba: req.lba ?? info.lba });
  }

  /**
   * Send and insist on GOOD. A UNIT ATTENTION (power on, reset, parameters or LUN inventory
   * changed) reports an event, not a failure of this command: it is sent again, up to three
   * times, as the SCSI midlayers of Linux and illumos do.
   */
  private async good(what: string, lun: number, cdb: Uint8Array, req: Partial<ScsiRequest> = {}): Promise<ScsiResult> {
    for (let attempt = 1; ; attempt++) {
      const r = await this.scsi(lun, cdb, req);
      if (r.response === 0 && r.status === 0) return r;
      if (attempt < 4 && isUnitAttention(r)) continue;
      throw new ScsiStatusError(what, r);
    }
  }

  /** LUN numbers from REPORT LUNS (sent to LUN 0), re-asked with a larger buffer if needed. */
  async luns(): Promise<number[]> {
    let alloc = 4096;
    for (;;) {
      const r = await this.good("REPORT LUNS", 0, reportLunsCdb({ allocationLength: alloc }), { length: alloc });
      const d = decodeReportLuns(r.data);
      if (!d.truncated || alloc >= d.listLength + 8) return d.luns.map((l) => l.lun ?? -1).filter((n) => n >= 0);
      alloc = d.listLength + 8;
    }
  }

  /** Standard INQUIRY data. */
  inquiry(lun: number): Promise<InquiryData>;
  /** A VPD page (0x00, 0x80, 0x83, 0xB0, 0xB1, 0xB2, ...). */
  inquiry(lun: number, opts: { page: number }): Promise<VpdPage>;
  async inquiry(lun: number, opts?: { page: number }): Promise<InquiryData | VpdPage> {
    const alloc = opts ? 0x1000 : 0xff;
    const r = await this.good(opts ? `INQUIRY VPD 0x${opts.page.toString(16)}` : "INQUIRY", lun,
      inquiryCdb({ page: opts?.page, allocationLength: alloc }), { length: alloc });
    return opts ? decodeVpd(r.data) : decodeInquiry(r.data);
  }

  /** READ CAPACITY (16), falling back to (10) for a device that does not support it; cached. */
  async readCapacity(lun: number): Promise<Capacity> {
    let blocks: bigint;
    let blockSize: number;
    const r16 = await this.good("READ CAPACITY (16)", lun, readCapacity16Cdb(32), { dir: "read", length: 32 }).catch((e: unknown) => {
      if (e instanceof ScsiStatusError && isIllegalRequest(e.result)) return undefined; // not supported: use (10)
      throw e;
    });
    if (r16) {
      const d = decodeReadCapacity16(r16.data);
      blocks = d.lastLba + 1n;
      blockSize = d.blockLength;
    } else {
      const r10 = await this.good("READ CAPACITY (10)", lun, readCapacity10Cdb(), { length: 8 });
      const d = decodeReadCapacity10(r10.data);
      blocks = BigInt(d.lastLba) + 1n;
      blockSize = d.blockLength;
    }
    const cap = { blocks, blockSize, bytes: blocks * BigInt(blockSize) };
    this.capacities.set(lun, cap);
    return cap;
  }

  private async blockSize(lun: number): Promise<number> {
    return (this.capacities.get(lun) ?? (await this.readCapacity(lun))).blockSize;
  }

  /** READ `blocks` blocks at `lba`: READ (10) when it fits, else READ (16). */
  async read(lun: number, lba: bigint | number, blocks: number): Promise<Uint8Array> {
    const bs = await this.blockSize(lun);
    const at = BigInt(lba);
    const cdb = at + BigInt(blocks) - 1n <= MAX_LBA32 && blocks <= 0xffff ? read10Cdb(Number(at), blocks) : read16Cdb(at, blocks);
    return (await this.good(`READ at LBA ${at}`, lun, cdb, { dir: "read", length: blocks * bs, lba: at })).data;
  }

  /** WRITE `data` (a whole number of blocks) at `lba`: WRITE (10) when it fits, else WRITE (16). */
  async write(lun: number, lba: bigint | number, data: Uint8Array): Promise<void> {
    const bs = await this.blockSize(lun);
    if (data.length === 0 || data.length % bs !== 0) throw new RangeError(`write of ${data.length} bytes is not a whole number of ${bs}-byte blocks`);
    const blocks = data.length / bs;
    const at = BigInt(lba);
    const cdb = at + BigInt(blocks) - 1n <= MAX_LBA32 && blocks <= 0xffff ? write10Cdb(Number(at), blocks) : write16Cdb(at, blocks);
    await this.good(`WRITE at LBA ${at}`, lun, cdb, { dir: "write", data, lba: at });
  }

  /** TEST UNIT READY: resolves when GOOD, rejects with ScsiStatusError (e.g. a UNIT ATTENTION) otherwise. */
  async testUnitReady(lun: number): Promise<void> {
    await this.good("TEST UNIT READY", lun, testUnitReadyCdb(), { dir: "none", length: 0 });
  }

  /** SYNCHRONIZE CACHE (10) of the whole LUN. */
  async synchronizeCache(lun: number): Promise<void> {
    await this.good("SYNCHRONIZE CACHE", lun, synchronizeCache10Cdb(), { dir: "none", length: 0 });
  }
}
