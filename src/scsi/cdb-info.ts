/**
 * What any CDB seen on the wire does, for the capture decoder and the dashboards: the data
 * direction, how many bytes it expects to move, and for block commands the LBA and the
 * number of blocks. Never throws: a CDB too short for a field leaves that field undefined
 * and sets `truncated`.
 */
import { type Span, be, opt, opt64 } from "./bytes.js";
import { ScsiOp } from "./opcodes.js";

/** Which way data moves: to the initiator, to the target, not at all, or not known here. */
export type CdbDirection = "read" | "write" | "none" | "unknown";

/** What {@link cdbInfo} found in a CDB. */
export interface CdbInfo {
  opcode: number;
  direction: CdbDirection;
  /** First LBA addressed (block commands only; bigint since 16-byte CDBs carry 64 bits). */
  lba: bigint | undefined;
  /** Number of blocks addressed (block commands only; READ (6) 0 means 256, SBC-3 §5.7). */
  blocks: number | undefined;
  /**
   * Bytes the command moves: from its ALLOCATION or PARAMETER LIST LENGTH, or for block
   * commands `blocks × blockSize` when the block size is given (undefined otherwise).
   */
  dataLength: number | undefined;
  /** The CDB is shorter than its operation code's CDB length. */
  truncated: boolean;
}

/** How a block command's blocks become transferred data. */
type Xfer = "blocks" | "none" | "one" | "double" | "verify";

/** A block command: where its LBA and length are, how data follows from them. */
interface BlockRow { dir: CdbDirection; lba: Span; len: Span; xfer: Xfer }
/** A command whose data length is a byte count in the CDB (or fixed). */
interface LengthRow { dir: CdbDirection; len: Span | number }

// SBC-3 §5: the 10-, 12- and 16-byte layouts of the block commands.
const L10: Pick<BlockRow, "lba" | "len"> = { lba: [2, 4], len: [7, 2] };
const L12: Pick<BlockRow, "lba" | "len"> = { lba: [2, 4], len: [6, 4] };
const L16: Pick<BlockRow, "lba" | "len"> = { lba: [2, 8], len: [10, 4] };

const BLOCK: Readonly<Record<number, BlockRow>> = {
  [ScsiOp.Read10]: { dir: "read", ...L10, xfer: "blocks" },
  [ScsiOp.Write10]: { dir: "write", ...L10, xfer: "blocks" },
  [ScsiOp.WriteAndVerify10]: { dir: "write", ...L10, xfer: "blocks" },
  [ScsiOp.Verify10]: { dir: "none", ...L10, xfer: "verify" },
  [ScsiOp.PreFetch10]: { dir: "none", ...L10, xfer: "none" },
  [ScsiOp.SynchronizeCache10]: { dir: "none", ...L10, xfer: "none" },
  [ScsiOp.WriteSame10]: { dir: "write", ...L10, xfer: "one" },
  [ScsiOp.Read12]: { dir: "read", ...L12, xfer: "blocks" },
  [ScsiOp.Write12]: { dir: "write", ...L12, xfer: "blocks" },
  [ScsiOp.WriteAndVerify12]: { dir: "write", ...L12, xfer: "blocks" },
  [ScsiOp.Verify12]: { dir: "none", ...L12, xfer: "verify" },
  [ScsiOp.Read16]: { dir: "read", ...L16, xfer: "blocks" },
  [ScsiOp.Write16]: { dir: "write", ...L16, xfer: "blocks" },
  [ScsiOp.OrWrite16]: { dir: "write", ...L16, xfer: "blocks" },
  [ScsiOp.WriteAndVerify16]: { dir: "write", ...L16, xfer: "blocks" },
  [ScsiOp.Verify16]: { dir: "none", ...L16, xfer: "verify" },
  [ScsiOp.PreFetch16]: { dir: "none", ...L16, xfer: "none" },
  [ScsiOp.SynchronizeCache16]: { dir: "none", ...L16, xfer: "none" },
  [ScsiOp.WriteSame16]: { dir: "write", ...L16, xfer: "one" },
  [ScsiOp.WriteAtomic16]: { dir: "write", ...L16, xfer: "blocks" },
  // SBC-3 §5.2: COMPARE AND WRITE sends the compare blocks and then the write blocks.
  [ScsiOp.CompareAndWrite]: { dir: "write", lba: [2, 8], len: [13, 1], xfer: "double" },
};

// SPC-4 §6 and SBC-3 §5: where each command keeps its allocation or parameter list length.
const LENGTH: Readonly<Record<number, LengthRow>> = {
  [ScsiOp.TestUnitReady]: { dir: "none", len: 0 },
  [ScsiOp.StartStopUnit]: { dir: "none", len: 0 },
  [ScsiOp.RequestSense]: { dir: "read", len: [4, 1] },
  [ScsiOp.Inquiry]: { dir: "read", len: [3, 2] },
  [ScsiOp.ModeSense6]: { dir: "read", len: [4, 1] },
  [ScsiOp.ModeSelect6]: { dir: "write", len: [4, 1] },
  [ScsiOp.ReceiveDiagnosticResults]: { dir: "read", len: [3, 2] },
  [ScsiOp.SendDiagnostic]: { dir: "write", len: [3, 2] },
  [ScsiOp.ReadCapacity10]: { dir: "read", len: 8 },
  [ScsiOp.WriteBuffer]: { dir: "write", len: [6, 3] },
  [ScsiOp.ReadBuffer]: { dir: "read", len: [6, 3] },
  [ScsiOp.Unmap]: { dir: "write", len: [7, 2] },
  [ScsiOp.LogSelect]: { dir: "write", len: [7, 2] },
  [ScsiOp.LogSense]: { dir: "read", len: [7, 2] },
  [ScsiOp.ModeSelect10]: { dir: "write", len: [7, 2] },
  [ScsiOp.ModeSense10]: { dir: "read", len: [7, 2] },
  [ScsiOp.PersistentReserveIn]: { dir: "read", len: [7, 2] },
  [ScsiOp.PersistentReserveOut]: { dir: "write", len: [5, 4] },
  [ScsiOp.ExtendedCopy]: { dir: "write", len: [10, 4] },
  [ScsiOp.ReceiveCopyResults]: { dir: "read", len: [10, 4] },
  [ScsiOp.ServiceActionIn16]: { dir: "read", len: [10, 4] },
  [ScsiOp.ReportLuns]: { dir: "read", len: [6, 4] },
  [ScsiOp.SecurityProtocolIn]: { dir: "read", len: [6, 4] },
  [ScsiOp.MaintenanceIn]: { dir: "read", len: [6, 4] },
  [ScsiOp.MaintenanceOut]: { dir: "write", len: [6, 4] },
  [ScsiOp.SecurityProtocolOut]: { dir: "write", len: [6, 4] },
};

/** CDB length by group code, SPC-4 §4.2.5.1 (top 3 bits of the operation code). */
const GROUP_LENGTH = [6, 10, 10, 0, 16, 12, 0, 0];

/** Options of {@link cdbInfo}. */
export interface CdbInfoOptions {
  /** Logical block length in bytes, to turn block counts into `dataLength`. */
  blockSize?: number;
}

/**
 * Direction, data length, LBA and block count of a CDB: READ/WRITE/VERIFY/WRITE SAME/
 * SYNCHRONIZE CACHE/PRE-FETCH of 6, 10, 12 and 16 bytes, WRITE AND VERIFY, COMPARE AND
 * WRITE, ORWRITE, WRITE ATOMIC, and the allocation or parameter list length of the common
 * SPC/SBC commands. Anything else: direction "unknown", fields undefined.
 *
 * @example
 * cdbInfo(read10Cdb(0x1000, 8), { blockSize: 512 });
 * // { opcode: 0x28, direction: "read", lba: 4096n, blocks: 8, dataLength: 4096, truncated: false }
 */
export function cdbInfo(cdb: Uint8Array, opts: CdbInfoOptions = {}): CdbInfo {
  const opcode = cdb.length > 0 ? cdb[0] : -1;
  const group = GROUP_LENGTH[opcode >> 5] ?? 0;
  const base: CdbInfo = {
    opcode, direction: "unknown", lba: undefined, blocks: undefined, dataLength: undefined,
    truncated: cdb.length === 0 || cdb.length < group,
  };
  if (opcode === ScsiOp.Read6 || opcode === ScsiOp.Write6) return rw6(cdb, base, opts.blockSize);
  const block = BLOCK[opcode];
  if (block !== undefined) return blockInfo(cdb, block, base, opts.blockSize);
  const length = LENGTH[opcode];
  if (length !== undefined) return { ...base, direction: length.dir, dataLength: lengthOf(cdb, length.len) };
  return base;
}

function lengthOf(cdb: Uint8Array, len: Span | number): number | undefined {
  return typeof len === "number" ? len : opt(cdb, len);
}

/** READ (6) / WRITE (6), SBC-3 §5.7 / §5.31: 21-bit LBA, 8-bit length where 0 means 256. */
function rw6(cdb: Uint8Array, base: CdbInfo, blockSize: number | undefined): CdbInfo {
  const direction = cdb[0] === ScsiOp.Read6 ? "read" : "write";
  const lba = cdb.length >= 4 ? BigInt(be(cdb, 1, 3) & 0x1fffff) : undefined;
  const blocks = cdb.length >= 5 ? cdb[4] || 256 : undefined;
  const dataLength = blocks !== undefined && blockSize !== undefined ? blocks * blockSize : undefined;
  return { ...base, direction, lba, blocks, dataLength };
}

function blockInfo(cdb: Uint8Array, row: BlockRow, base: CdbInfo, blockSize: number | undefined): CdbInfo {
  const lba = opt64(cdb, row.lba);
  const blocks = opt(cdb, row.len);
  let { dir } = row;
  let moved = transferredBlocks(row.xfer, blocks);
  if (row.xfer === "verify") {
    // SBC-3 §5.33: BYTCHK (byte 1 bits 2-1) 01b compares the blocks sent, 11b one block sent.
    const bytchk = cdb.length > 1 ? (cdb[1] >> 1) & 0x3 : 0;
    dir = bytchk === 1 || bytchk === 3 ? "write" : "none";
    moved = bytchk === 1 ? blocks : bytchk === 3 ? 1 : 0;
  }
  if (row.xfer === "one" && cdb.length > 1 && cdb[0] === ScsiOp.WriteSame16 && (cdb[1] & 0x01) !== 0) {
    dir = "none"; // NDOB: no Data-Out buffer (SBC-4 §5.50)
    moved = 0;
  }
  const dataLength = moved === 0 ? 0 : moved !== undefined && blockSize !== undefined ? moved * blockSize : undefined;
  return { ...base, direction: dir, lba, blocks, dataLength };
}

function transferredBlocks(xfer: Xfer, blocks: number | undefined): number | undefined {
  switch (xfer) {
    case "blocks": return blocks;
    case "double": return blocks === undefined ? undefined : 2 * blocks;
    case "one": return 1;
    case "none": return 0;
    case "verify": return undefined;
  }
}
