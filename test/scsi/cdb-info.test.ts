import { test } from "node:test";
import assert from "node:assert/strict";
import { cdbInfo } from "../../src/scsi/cdb-info.js";

/** CDBs are written out by hand (not built by our builders) from the SBC-3/SPC-4 tables. */
function cdb(...b: number[]): Uint8Array {
  return Uint8Array.from(b);
}

test("cdbInfo() READ (6): 21-bit LBA, length 0 means 256 blocks (SBC-3 §5.7)", () => {
  const info = cdbInfo(cdb(0x08, 0xff, 0x12, 0x34, 0x00, 0), { blockSize: 512 });
  assert.deepEqual(info, { opcode: 0x08, direction: "read", lba: 0x1f1234n, blocks: 256, dataLength: 131072, truncated: false });
});

test("cdbInfo() WRITE (6) is a write", () => {
  assert.equal(cdbInfo(cdb(0x0a, 0, 0, 1, 4, 0)).direction, "write");
  assert.equal(cdbInfo(cdb(0x0a, 0, 0, 1, 4, 0)).blocks, 4);
});

test("cdbInfo() READ (10) / WRITE (10): LBA, blocks and bytes with a block size", () => {
  assert.deepEqual(cdbInfo(cdb(0x28, 0, 0, 0, 0x10, 0, 0, 0, 8, 0), { blockSize: 4096 }), {
    opcode: 0x28, direction: "read", lba: 0x1000n, blocks: 8, dataLength: 32768, truncated: false,
  });
  const w = cdbInfo(cdb(0x2a, 0x08, 0xff, 0xff, 0xff, 0xff, 0, 0xff, 0xff, 0));
  assert.deepEqual([w.direction, w.lba, w.blocks, w.dataLength], ["write", 0xffffffffn, 65535, undefined]);
});

test("cdbInfo() READ (12) / WRITE (12): 32-bit LBA and 32-bit length", () => {
  const r = cdbInfo(cdb(0xa8, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0), { blockSize: 512 });
  assert.deepEqual([r.direction, r.lba, r.blocks, r.dataLength], ["read", 256n, 65536, 33554432]);
  assert.equal(cdbInfo(cdb(0xaa, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0)).direction, "write");
});

test("cdbInfo() READ (16) / WRITE (16): 64-bit LBA as a bigint", () => {
  const r = cdbInfo(cdb(0x88, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 0, 0));
  assert.deepEqual([r.direction, r.lba, r.blocks], ["read", 0xffff_ffff_ffff_ffffn, 1]);
  const w = cdbInfo(cdb(0x8a, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0), { blockSize: 512 });
  assert.deepEqual([w.direction, w.lba, w.blocks, w.dataLength], ["write", 0x1_0000_0000n, 2, 1024]);
});

test("cdbInfo() VERIFY moves data only with BYTCHK (SBC-3 §5.33)", () => {
  const none = cdbInfo(cdb(0x2f, 0x00, 0, 0, 0, 8, 0, 0, 4, 0), { blockSize: 512 });
  assert.deepEqual([none.direction, none.blocks, none.dataLength], ["none", 4, 0]);
  const compare = cdbInfo(cdb(0x2f, 0x02, 0, 0, 0, 8, 0, 0, 4, 0), { blockSize: 512 });
  assert.deepEqual([compare.direction, compare.dataLength], ["write", 2048]);
  const one = cdbInfo(cdb(0x8f, 0x06, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 4, 0, 0), { blockSize: 512 });
  assert.deepEqual([one.direction, one.lba, one.dataLength], ["write", 8n, 512]);
  assert.equal(cdbInfo(cdb(0xaf, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0)).direction, "none");
});

test("cdbInfo() WRITE SAME sends one block whatever the range; NDOB sends none", () => {
  const ws16 = cdbInfo(cdb(0x93, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0, 0, 0), { blockSize: 512 });
  assert.deepEqual([ws16.direction, ws16.lba, ws16.blocks, ws16.dataLength], ["write", 0n, 2048, 512]);
  const ndob = cdbInfo(cdb(0x93, 0x09, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0, 0, 0), { blockSize: 512 });
  assert.deepEqual([ndob.direction, ndob.dataLength], ["none", 0]);
  const ws10 = cdbInfo(cdb(0x41, 0, 0, 0, 0, 2, 0, 0, 16, 0), { blockSize: 4096 });
  assert.deepEqual([ws10.direction, ws10.lba, ws10.blocks, ws10.dataLength], ["write", 2n, 16, 4096]);
});

test("cdbInfo() SYNCHRONIZE CACHE (10)/(16) and PRE-FETCH address blocks but move no data", () => {
  const s10 = cdbInfo(cdb(0x35, 0, 0, 0, 1, 0, 0, 0, 0x20, 0));
  assert.deepEqual([s10.direction, s10.lba, s10.blocks, s10.dataLength], ["none", 256n, 32, 0]);
  const s16 = cdbInfo(cdb(0x91, 0, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0));
  assert.deepEqual([s16.direction, s16.lba, s16.blocks], ["none", 7n, 0]);
  assert.equal(cdbInfo(cdb(0x34, 0, 0, 0, 0, 1, 0, 0, 1, 0)).direction, "none");
});

test("cdbInfo() COMPARE AND WRITE sends twice the blocks (SBC-3 §5.2)", () => {
  const c = cdbInfo(cdb(0x89, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 1, 0, 0), { blockSize: 512 });
  assert.deepEqual([c.direction, c.lba, c.blocks, c.dataLength], ["write", 9n, 1, 1024]);
});

test("cdbInfo() takes the data length from allocation and parameter list lengths", () => {
  assert.deepEqual(cdbInfo(cdb(0x12, 1, 0x83, 0x04, 0x00, 0)), {
    opcode: 0x12, direction: "read", lba: undefined, blocks: undefined, dataLength: 1024, truncated: false,
  });
  assert.equal(cdbInfo(cdb(0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0)).dataLength, 16);
  assert.equal(cdbInfo(cdb(0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20, 0, 0)).dataLength, 32);
  assert.equal(cdbInfo(cdb(0x1a, 0, 0x3f, 0, 0xff, 0)).dataLength, 255);
  assert.equal(cdbInfo(cdb(0x5a, 0, 0x3f, 0, 0, 0, 0, 0x10, 0, 0)).dataLength, 4096);
  assert.equal(cdbInfo(cdb(0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0)).dataLength, 8);
  const unmap = cdbInfo(cdb(0x42, 0, 0, 0, 0, 0, 0, 0, 0x18, 0));
  assert.deepEqual([unmap.direction, unmap.dataLength], ["write", 24]);
  const tur = cdbInfo(cdb(0, 0, 0, 0, 0, 0));
  assert.deepEqual([tur.direction, tur.dataLength], ["none", 0]);
});

test("cdbInfo() says unknown for an opcode it has no row for", () => {
  assert.deepEqual(cdbInfo(cdb(0xc0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)), {
    opcode: 0xc0, direction: "unknown", lba: undefined, blocks: undefined, dataLength: undefined, truncated: false,
  });
});

test("cdbInfo() flags a short CDB and leaves the missing fields undefined", () => {
  const short = cdbInfo(cdb(0x28, 0, 0, 0, 0x10));
  assert.deepEqual([short.direction, short.lba, short.blocks, short.truncated], ["read", undefined, undefined, true]);
  const half = cdbInfo(cdb(0x88, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0));
  assert.deepEqual([half.lba, half.blocks, half.truncated], [1n, undefined, true]);
  assert.deepEqual(cdbInfo(new Uint8Array(0)), {
    opcode: -1, direction: "unknown", lba: undefined, blocks: undefined, dataLength: undefined, truncated: true,
  });
});
