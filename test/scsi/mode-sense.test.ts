import { test } from "node:test";
import assert from "node:assert/strict";
import { type ModeParameters, decodeModeSense10, decodeModeSense6 } from "../../src/scsi/mode-sense.js";
import { ScsiDecodeError } from "../../src/scsi/scsi-error.js";
import { fixture, tshark, tsharkAll, tsharkBool, tsharkCode } from "./oracle.js";

/** The header, block descriptor and page fields tshark shows, compared one by one. */
function assertLikeTshark(name: string, mode: ModeParameters): void {
  assert.equal(mode.modeDataLength, Number(tshark(name, "Mode Data Length")));
  assert.equal(mode.mediumType, Number(tshark(name, "Medium Type")));
  assert.equal(mode.deviceSpecific, Number(tshark(name, "Device-Specific Parameter")));
  assert.equal(mode.blockDescriptorLength, Number(tshark(name, "Block Descriptor Length")));
  assert.deepEqual(mode.blockDescriptors.map((d) => d.blockLength), tsharkAll(name, "Block Length").map(Number));
  assert.deepEqual(mode.blockDescriptors.map((d) => d.blocks), tsharkAll(name, "No. of Blocks").map(BigInt));
}

test("decodeModeSense6() on tgtd's all-pages answer agrees with tshark", () => {
  const name = "mode-sense6-all";
  const mode = decodeModeSense6(fixture(name));
  assertLikeTshark(name, mode);
  assert.equal(mode.caching?.wce, tsharkBool(tshark(name, "WCE")));
  assert.equal(mode.caching?.rcd, tsharkBool(tshark(name, "RCD")));
  assert.equal(mode.control?.queueAlgorithmModifier, tsharkCode(tshark(name, "Queue Algorithm Modifier")));
  assert.equal(mode.control?.gltsd, tsharkBool(tshark(name, "Global Logging Target Save Disable")));
  assert.equal(mode.control?.swp, tsharkBool(tshark(name, "SWP")));
  assert.equal(mode.control?.extendedSelfTestCompletionTime, Number(tshark(name, "Extended Self-Test Completion Time")));
  // tshark 4.0.17 shows a phantom page 0x00 after the subpage; SPC-4's framing has none.
  const tsharkLengths = tsharkAll(name, "Page Length").map(Number);
  assert.deepEqual(tsharkLengths, [0, 14, 18, 10, 28, 0, 10]);
  assert.deepEqual(mode.pages.map((p) => p.length), [0, 14, 18, 10, 28, 10]);
});

test("decodeModeSense6() splits tgtd's pages, subpage included, to the last byte", () => {
  const mode = decodeModeSense6(fixture("mode-sense6-all"));
  assert.deepEqual(mode.pages.map((p) => [p.pageCode, p.subpage, p.spf, p.saveable]), [
    [0x00, 0, false, false], [0x02, 0, false, false], [0x08, 0, false, false],
    [0x0a, 0, false, false], [0x0a, 0x01, true, false], [0x1c, 0, false, false],
  ]);
  assert.deepEqual([mode.writeProtected, mode.dpoFua, mode.longLba, mode.truncated], [false, true, false, false]);
  assert.deepEqual(mode.caching, { wce: true, rcd: false });
  assert.deepEqual(mode.blockDescriptors[0].raw, Uint8Array.of(0, 0, 0, 0, 0, 0, 2, 0));
});

test("decodeModeSense6() on tgtd's Control page answer agrees with tshark", () => {
  const name = "mode-sense6-control";
  const mode = decodeModeSense6(fixture(name));
  assertLikeTshark(name, mode);
  assert.equal(mode.control?.tst, tsharkCode(tshark(name, "Task Set Type")));
  assert.equal(mode.caching, undefined);
  assert.deepEqual(mode.control, {
    tst: 0, dSense: false, gltsd: true, queueAlgorithmModifier: 1, qerr: 0, swp: false, tas: false,
    busyTimeoutPeriod: 0, extendedSelfTestCompletionTime: 512,
  });
});

test("decodeModeSense10() on tgtd's all-pages answer agrees with tshark and with MODE SENSE (6)", () => {
  const name = "mode-sense10-all";
  const mode = decodeModeSense10(fixture(name));
  assertLikeTshark(name, mode);
  assert.equal(mode.longLba, tshark(name, "LongLBA") === "1");
  const six = decodeModeSense6(fixture("mode-sense6-all"));
  assert.deepEqual(mode.pages, six.pages);
  assert.deepEqual([mode.caching, mode.control], [six.caching, six.control]);
});

test("decodeModeSense10() shows tgtd's changeable Control page: SWP only", () => {
  const name = "mode-sense10-control-changeable";
  const mode = decodeModeSense10(fixture(name));
  assertLikeTshark(name, mode);
  assert.equal(mode.control?.swp, tsharkBool(tshark(name, "SWP")));
  assert.deepEqual([mode.blockDescriptors, mode.control?.swp, mode.control?.gltsd], [[], true, false]);
});

test("decodeModeSense10() reads long LBA block descriptors (SBC-3 table 166)", () => {
  const data = Uint8Array.of(0x00, 0x22, 0x00, 0x80, 0x01, 0x00, 0x00, 0x10,
    0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0x00,
    0x88, 0x0a, 0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  const mode = decodeModeSense10(data);
  assert.deepEqual([mode.longLba, mode.writeProtected, mode.blockDescriptors[0].blocks, mode.blockDescriptors[0].blockLength], [true, true, 0x1_0000_0000n, 4096]);
  assert.deepEqual([mode.pages[0].pageCode, mode.pages[0].saveable, mode.caching, mode.truncated], [0x08, true, { wce: true, rcd: true }, false]);
});

test("the MODE SENSE decoders return a page cut by the allocation length as truncated", () => {
  const full = fixture("mode-sense6-control");
  const cut = decodeModeSense6(full.subarray(0, 18));
  assert.equal(cut.truncated, true);
  assert.deepEqual([cut.pages[0].length, cut.pages[0].data.length, cut.pages[0].truncated], [10, 4, true]);
  assert.deepEqual(cut.control, {
    tst: 0, dSense: false, gltsd: true, queueAlgorithmModifier: 1, qerr: 0, swp: false, tas: false,
    busyTimeoutPeriod: undefined, extendedSelfTestCompletionTime: undefined,
  });
  const headerOnly = decodeModeSense6(full.subarray(0, 4));
  assert.deepEqual([headerOnly.blockDescriptors, headerOnly.pages, headerOnly.truncated], [[], [], true]);
});

test("the MODE SENSE decoders read nothing past MODE DATA LENGTH", () => {
  const mode = decodeModeSense6(Uint8Array.of(3, 0, 0, 0, 0x08, 0x02, 0x04, 0x00));
  assert.deepEqual([mode.pages, mode.truncated], [[], false]);
});

test("the MODE SENSE decoders throw ScsiDecodeError below their header", () => {
  assert.throws(() => decodeModeSense6(new Uint8Array(3)), ScsiDecodeError);
  assert.throws(() => decodeModeSense10(new Uint8Array(7)), ScsiDecodeError);
});
