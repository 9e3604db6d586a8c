import { test } from "node:test";
import assert from "node:assert/strict";
import {
  read10Cdb, read16Cdb, synchronizeCache10Cdb, unmapCdb, unmapParameterList, write10Cdb, write16Cdb,
  writeSame16Cdb,
} from "../../src/scsi/cdb-io.js";

/** Expected CDBs are written out by hand from the SBC-3 CDB tables. */
function bytes(...b: number[]): Uint8Array {
  return Uint8Array.from(b);
}

test("read10Cdb() puts the LBA in bytes 2..5 and the length in 7..8 (SBC-3 §5.8)", () => {
  assert.deepEqual(read10Cdb(0x1234, 8), bytes(0x28, 0, 0x00, 0x00, 0x12, 0x34, 0, 0x00, 0x08, 0));
  assert.deepEqual(read10Cdb(0xffffffff, 0xffff), bytes(0x28, 0, 0xff, 0xff, 0xff, 0xff, 0, 0xff, 0xff, 0));
});

test("read10Cdb() sets DPO, FUA and the group number", () => {
  assert.deepEqual(read10Cdb(1, 1, { dpo: true, fua: true, group: 0x1f }), bytes(0x28, 0x18, 0, 0, 0, 1, 0x1f, 0, 1, 0));
});

test("read10Cdb() refuses an LBA above 2^32-1, more than 65535 blocks, non-integers", () => {
  assert.throws(() => read10Cdb(2 ** 32, 1), /LOGICAL BLOCK ADDRESS/);
  assert.throws(() => read10Cdb(0, 65536), /TRANSFER LENGTH/);
  assert.throws(() => read10Cdb(-1, 1), RangeError);
  assert.throws(() => read10Cdb(0.5, 1), RangeError);
  assert.throws(() => read10Cdb(0, 1, { group: 32 }), /GROUP NUMBER/);
});

test("read16Cdb() takes a 64-bit bigint LBA in bytes 2..9 and a 32-bit length in 10..13", () => {
  assert.deepEqual(
    read16Cdb(0x0102030405060708n, 0x0a0b0c0d),
    bytes(0x88, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0x0a, 0x0b, 0x0c, 0x0d, 0, 0),
  );
  assert.deepEqual(
    read16Cdb(0xffff_ffff_ffff_ffffn, 1),
    bytes(0x88, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 0, 0),
  );
});

test("read16Cdb() refuses LBAs outside 0..2^64-1 and lengths above 2^32-1", () => {
  assert.throws(() => read16Cdb(1n << 64n, 1), RangeError);
  assert.throws(() => read16Cdb(-1n, 1), RangeError);
  assert.throws(() => read16Cdb(0n, 2 ** 32), RangeError);
});

test("write10Cdb() is opcode 0x2a with FUA in byte 1 bit 3 (SBC-3 §5.32)", () => {
  assert.deepEqual(write10Cdb(16, 1, { fua: true }), bytes(0x2a, 0x08, 0, 0, 0, 0x10, 0, 0, 1, 0));
  assert.deepEqual(write10Cdb(0, 0), bytes(0x2a, 0, 0, 0, 0, 0, 0, 0, 0, 0));
  assert.throws(() => write10Cdb(0, 70000), RangeError);
});

test("write16Cdb() is opcode 0x8a with FUA in byte 1 bit 3 and the group in byte 14", () => {
  assert.deepEqual(
    write16Cdb(2n, 4, { fua: true, group: 3 }),
    bytes(0x8a, 0x08, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 4, 3, 0),
  );
  assert.throws(() => write16Cdb(1n << 64n, 1), RangeError);
});

test("synchronizeCache10Cdb() defaults to the whole medium; IMMED is byte 1 bit 1 (SBC-3 §5.22)", () => {
  assert.deepEqual(synchronizeCache10Cdb(), bytes(0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0));
  assert.deepEqual(synchronizeCache10Cdb(0x100, 0x20, { immed: true }), bytes(0x35, 0x02, 0, 0, 0x01, 0x00, 0, 0, 0x20, 0));
  assert.throws(() => synchronizeCache10Cdb(0, 0x10000), RangeError);
  assert.throws(() => synchronizeCache10Cdb(2 ** 32, 0), RangeError);
});

test("writeSame16Cdb() sets UNMAP (byte 1 bit 3), ANCHOR (bit 4) and NDOB (bit 0) (SBC-3 §5.42)", () => {
  assert.deepEqual(
    writeSame16Cdb(0n, 2048, { unmap: true }),
    bytes(0x93, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00, 0, 0),
  );
  assert.deepEqual(
    writeSame16Cdb(0x10n, 1, { unmap: true, anchor: true, ndob: true }),
    bytes(0x93, 0x19, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 1, 0, 0),
  );
  assert.deepEqual(writeSame16Cdb(5n, 7), bytes(0x93, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 7, 0, 0));
  assert.throws(() => writeSame16Cdb(0n, -1), RangeError);
});

test("unmapCdb() carries the parameter list length in bytes 7..8 (SBC-3 §5.28)", () => {
  assert.deepEqual(unmapCdb(24), bytes(0x42, 0, 0, 0, 0, 0, 0, 0x00, 0x18, 0));
  assert.deepEqual(unmapCdb(0x0128, { anchor: true, group: 1 }), bytes(0x42, 0x01, 0, 0, 0, 0, 0x01, 0x01, 0x28, 0));
  assert.throws(() => unmapCdb(0x10000), RangeError);
});

test("unmapParameterList() writes the header lengths and one 16-byte descriptor per extent", () => {
  assert.deepEqual(
    unmapParameterList([{ lba: 0x10n, blocks: 8 }, { lba: 0x0102030405060708n, blocks: 0xffffffff }]),
    bytes(
      0x00, 0x26, 0x00, 0x20, 0, 0, 0, 0, // UNMAP DATA LENGTH 38, BLOCK DESCRIPTOR DATA LENGTH 32
      0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 8, 0, 0, 0, 0,
      1, 2, 3, 4, 5, 6, 7, 8, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0,
    ),
  );
  assert.deepEqual(unmapParameterList([]), bytes(0x00, 0x06, 0x00, 0x00, 0, 0, 0, 0));
});

test("unmapParameterList() refuses bad extents and more descriptors than 16 bits of length hold", () => {
  assert.throws(() => unmapParameterList([{ lba: -1n, blocks: 1 }]), /descriptor 0 LBA/);
  assert.throws(() => unmapParameterList([{ lba: 0n, blocks: 2 ** 32 }]), RangeError);
  const extents = Array.from({ length: 4096 }, (_, i) => ({ lba: BigInt(i), blocks: 1 }));
  assert.throws(() => unmapParameterList(extents), /4096 descriptors/);
  assert.equal(unmapParameterList(extents.slice(0, 4095)).length, 8 + 16 * 4095);
});
