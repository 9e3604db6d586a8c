/**
 * CDB builders for the commands that move, flush or release blocks: READ and WRITE (10) and
 * (16), SYNCHRONIZE CACHE (10), WRITE SAME (16), UNMAP and its parameter list.
 *
 * LBA types follow the field width: `number` for 32-bit fields (the 10-byte CDBs),
 * `bigint` for 64-bit fields (the 16-byte CDBs and UNMAP descriptors). Transfer lengths are
 * numbers. Out-of-range values throw RangeError.
 */
import { put, put64 } from "./bytes.js";
import { MAX_U32, MAX_U64, checkBig, checkUint } from "./check.js";
import { ScsiOp } from "./opcodes.js";

/** Flags of READ and WRITE CDBs (SBC-3 §5.8, §5.32). */
export interface ReadWriteOptions {
  /** FUA, force unit access: bypass the volatile cache (byte 1 bit 3). */
  fua?: boolean;
  /** DPO, disable page out: do not keep the blocks in cache (byte 1 bit 4). */
  dpo?: boolean;
  /** GROUP NUMBER, 0..31 (default 0). */
  group?: number;
}

const FUA = 0x08;
const DPO = 0x10;

/** The 10-byte READ/WRITE layout: op, flags, LBA 2..5, group 6, length 7..8. */
function rw10(op: number, command: string, lba: number, blocks: number, opts: ReadWriteOptions): Uint8Array {
  checkUint(command, "LOGICAL BLOCK ADDRESS", lba, MAX_U32);
  checkUint(command, "TRANSFER LENGTH", blocks, 0xffff);
  checkUint(command, "GROUP NUMBER", opts.group ?? 0, 0x1f);
  const cdb = new Uint8Array(10);
  cdb[0] = op;
  cdb[1] = (opts.fua ? FUA : 0) | (opts.dpo ? DPO : 0);
  put(cdb, 2, 4, lba);
  cdb[6] = opts.group ?? 0;
  put(cdb, 7, 2, blocks);
  return cdb;
}

/** The 16-byte READ/WRITE layout: op, flags, LBA 2..9, length 10..13, group 14. */
function rw16(op: number, command: string, lba: bigint, blocks: number, opts: ReadWriteOptions): Uint8Array {
  checkBig(command, "LOGICAL BLOCK ADDRESS", lba, MAX_U64);
  checkUint(command, "TRANSFER LENGTH", blocks, MAX_U32);
  checkUint(command, "GROUP NUMBER", opts.group ?? 0, 0x1f);
  const cdb = new Uint8Array(16);
  cdb[0] = op;
  cdb[1] = (opts.fua ? FUA : 0) | (opts.dpo ? DPO : 0);
  put64(cdb, 2, 8, lba);
  put(cdb, 10, 4, blocks);
  cdb[14] = opts.group ?? 0;
  return cdb;
}

/**
 * READ (10) (SBC-3 §5.8): LBA 0..2^32-1, 0..65535 blocks (0 transfers nothing).
 *
 * @example
 * read10Cdb(0x1234, 8); // 28 00 00 00 12 34 00 00 08 00
 */
export function read10Cdb(lba: number, blocks: number, opts: ReadWriteOptions = {}): Uint8Array {
  return rw10(ScsiOp.Read10, "READ (10)", lba, blocks, opts);
}

/**
 * READ (16) (SBC-3 §5.10): 64-bit LBA, 0..2^32-1 blocks.
 *
 * @example
 * read16Cdb(0x1_0000_0000n, 1); // 88 00 00 00 00 01 00 00 00 00 00 00 00 01 00 00
 */
export function read16Cdb(lba: bigint, blocks: number, opts: ReadWriteOptions = {}): Uint8Array {
  return rw16(ScsiOp.Read16, "READ (16)", lba, blocks, opts);
}

/**
 * WRITE (10) (SBC-3 §5.32).
 *
 * @example
 * write10Cdb(16, 1, { fua: true }); // 2a 08 00 00 00 10 00 00 01 00
 */
export function write10Cdb(lba: number, blocks: number, opts: ReadWriteOptions = {}): Uint8Array {
  return rw10(ScsiOp.Write10, "WRITE (10)", lba, blocks, opts);
}

/**
 * WRITE (16) (SBC-3 §5.34).
 *
 * @example
 * write16Cdb(2n, 4, { fua: true }); // 8a 08 00 00 00 00 00 00 00 02 00 00 00 04 00 00
 */
export function write16Cdb(lba: bigint, blocks: number, opts: ReadWriteOptions = {}): Uint8Array {
  return rw16(ScsiOp.Write16, "WRITE (16)", lba, blocks, opts);
}

/** Options of {@link synchronizeCache10Cdb}. */
export interface SyncCacheOptions {
  /** IMMED: complete before the cache is flushed (byte 1 bit 1). */
  immed?: boolean;
  /** GROUP NUMBER, 0..31. */
  group?: number;
}

/**
 * SYNCHRONIZE CACHE (10) (SBC-3 §5.22): flush `blocks` blocks from `lba`; the defaults
 * (0, 0) flush the whole medium.
 *
 * @example
 * synchronizeCache10Cdb();            // 35 00 00 00 00 00 00 00 00 00
 * synchronizeCache10Cdb(0x100, 0x20); // 35 00 00 00 01 00 00 00 20 00
 */
export function synchronizeCache10Cdb(lba = 0, blocks = 0, opts: SyncCacheOptions = {}): Uint8Array {
  const command = "SYNCHRONIZE CACHE (10)";
  checkUint(command, "LOGICAL BLOCK ADDRESS", lba, MAX_U32);
  checkUint(command, "NUMBER OF LOGICAL BLOCKS", blocks, 0xffff);
  checkUint(command, "GROUP NUMBER", opts.group ?? 0, 0x1f);
  const cdb = new Uint8Array(10);
  cdb[0] = ScsiOp.SynchronizeCache10;
  cdb[1] = opts.immed ? 0x02 : 0;
  put(cdb, 2, 4, lba);
  cdb[6] = opts.group ?? 0;
  put(cdb, 7, 2, blocks);
  return cdb;
}

/** Options of {@link writeSame16Cdb}. */
export interface WriteSameOptions {
  /** UNMAP: release the blocks if the device can (byte 1 bit 3; SBC-3 §5.42). */
  unmap?: boolean;
  /** ANCHOR: anchor rather than deallocate (byte 1 bit 4). */
  anchor?: boolean;
  /** NDOB: no Data-Out buffer, write zeros (byte 1 bit 0, SBC-4). */
  ndob?: boolean;
  /** GROUP NUMBER, 0..31. */
  group?: number;
}

/**
 * WRITE SAME (16) (SBC-3 §5.42): one block of data written (or, with `unmap`, released) over
 * `blocks` blocks from `lba`; 0 blocks means "to the end" where the device allows it.
 *
 * @example
 * writeSame16Cdb(0n, 2048, { unmap: true }); // 93 08 00 00 00 00 00 00 00 00 00 00 08 00 00 00
 */
export function writeSame16Cdb(lba: bigint, blocks: number, opts: WriteSameOptions = {}): Uint8Array {
  const command = "WRITE SAME (16)";
  checkBig(command, "LOGICAL BLOCK ADDRESS", lba, MAX_U64);
  checkUint(command, "NUMBER OF LOGICAL BLOCKS", blocks, MAX_U32);
  checkUint(command, "GROUP NUMBER", opts.group ?? 0, 0x1f);
  const cdb = new Uint8Array(16);
  cdb[0] = ScsiOp.WriteSame16;
  cdb[1] = (opts.anchor ? 0x10 : 0) | (opts.unmap ? 0x08 : 0) | (opts.ndob ? 0x01 : 0);
  put64(cdb, 2, 8, lba);
  put(cdb, 10, 4, blocks);
  cdb[14] = opts.group ?? 0;
  return cdb;
}

/** Options of {@link unmapCdb}. */
export interface UnmapOptions {
  /** ANCHOR (byte 1 bit 0). */
  anchor?: boolean;
  /** GROUP NUMBER, 0..31. */
  group?: number;
}

/**
 * UNMAP (SBC-3 §5.28), 10 bytes; `parameterListLength` is the length of the list built by
 * {@link unmapParameterList} (0..65535).
 *
 * @example
 * unmapCdb(24); // 42 00 00 00 00 00 00 00 18 00
 */
export function unmapCdb(parameterListLength: number, opts: UnmapOptions = {}): Uint8Array {
  checkUint("UNMAP", "PARAMETER LIST LENGTH", parameterListLength, 0xffff);
  checkUint("UNMAP", "GROUP NUMBER", opts.group ?? 0, 0x1f);
  const cdb = new Uint8Array(10);
  cdb[0] = ScsiOp.Unmap;
  cdb[1] = opts.anchor ? 0x01 : 0;
  cdb[6] = opts.group ?? 0;
  put(cdb, 7, 2, parameterListLength);
  return cdb;
}

/** One UNMAP block descriptor: `blocks` blocks from `lba`. */
export interface UnmapExtent {
  lba: bigint;
  /** 0..2^32-1 */
  blocks: number;
}

/** Header and descriptor sizes of the UNMAP parameter list (SBC-3 §5.28.2). */
const UNMAP_HEADER = 8;
const UNMAP_DESCRIPTOR = 16;
/** The most descriptors whose list length still fits the CDB's 16-bit field. */
const MAX_UNMAP_DESCRIPTORS = Math.floor((0xffff - UNMAP_HEADER) / UNMAP_DESCRIPTOR);

/**
 * The UNMAP parameter list (SBC-3 §5.28.2): an 8-byte header (UNMAP DATA LENGTH, UNMAP
 * BLOCK DESCRIPTOR DATA LENGTH) and one 16-byte descriptor per extent.
 *
 * @example
 * const list = unmapParameterList([{ lba: 0x10n, blocks: 8 }]);
 * // 00 16 00 10 00 00 00 00  00 00 00 00 00 00 00 10  00 00 00 08 00 00 00 00
 * const cdb = unmapCdb(list.length);
 */
export function unmapParameterList(extents: readonly UnmapExtent[]): Uint8Array {
  if (extents.length > MAX_UNMAP_DESCRIPTORS) {
    throw new RangeError(`UNMAP: ${extents.length} descriptors exceed the ${MAX_UNMAP_DESCRIPTORS} a parameter list can hold`);
  }
  const list = new Uint8Array(UNMAP_HEADER + UNMAP_DESCRIPTOR * extents.length);
  put(list, 0, 2, list.length - 2);
  put(list, 2, 2, list.length - UNMAP_HEADER);
  extents.forEach((e, i) => {
    checkBig("UNMAP", `descriptor ${i} LBA`, e.lba, MAX_U64);
    checkUint("UNMAP", `descriptor ${i} NUMBER OF LOGICAL BLOCKS`, e.blocks, MAX_U32);
    const o = UNMAP_HEADER + UNMAP_DESCRIPTOR * i;
    put64(list, o, 8, e.lba);
    put(list, o + 8, 4, e.blocks);
  });
  return list;
}
