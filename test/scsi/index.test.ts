import { test } from "node:test";
import assert from "node:assert/strict";
import * as scsi from "../../src/scsi/index.js";
import { ScsiDecodeError } from "../../src/scsi/index.js";
import { fixture } from "./oracle.js";

test("index.ts exports the public surface and none of the internal helpers", () => {
  assert.deepEqual(Object.keys(scsi).sort(), [
    "ScsiDecodeError", "ScsiOp", "ScsiStatus", "SenseKey", "ServiceAction", "VpdPageCode", "ascName",
    "cdbInfo", "decodeBlockDeviceCharacteristics", "decodeBlockLimits", "decodeDeviceIdentification",
    "decodeInquiry", "decodeLogicalBlockProvisioning", "decodeModeSense10", "decodeModeSense6",
    "decodeReadCapacity10", "decodeReadCapacity16", "decodeReportLuns", "decodeSense", "decodeSenseSegment",
    "decodeSupportedVpdPages", "decodeUnitSerialNumber", "decodeVpd", "deviceTypeName", "formatLun",
    "inquiryCdb", "lunFromField", "lunToField", "modeSense10Cdb", "modeSense6Cdb", "opName", "qualifierName",
    "read10Cdb", "read16Cdb", "readCapacity10Cdb", "readCapacity16Cdb", "reportLunsCdb", "scsiOpName",
    "senseDescriptorName", "senseKeyName", "senseTriple", "statusName", "synchronizeCache10Cdb", "testUnitReadyCdb",
    "unmapCdb", "unmapParameterList", "write10Cdb", "write16Cdb", "writeSame16Cdb",
  ]);
});

/** Every function that takes bytes from a target (or a CDB seen on the wire). */
const DECODERS: Array<[string, (b: Uint8Array) => unknown]> = [
  ["decodeInquiry", scsi.decodeInquiry], ["decodeVpd", scsi.decodeVpd],
  ["decodeSupportedVpdPages", scsi.decodeSupportedVpdPages], ["decodeUnitSerialNumber", scsi.decodeUnitSerialNumber],
  ["decodeDeviceIdentification", scsi.decodeDeviceIdentification], ["decodeBlockLimits", scsi.decodeBlockLimits],
  ["decodeBlockDeviceCharacteristics", scsi.decodeBlockDeviceCharacteristics],
  ["decodeLogicalBlockProvisioning", scsi.decodeLogicalBlockProvisioning],
  ["decodeReadCapacity10", scsi.decodeReadCapacity10], ["decodeReadCapacity16", scsi.decodeReadCapacity16],
  ["decodeReportLuns", scsi.decodeReportLuns], ["decodeModeSense6", scsi.decodeModeSense6],
  ["decodeModeSense10", scsi.decodeModeSense10], ["decodeSense", scsi.decodeSense],
  ["decodeSenseSegment", scsi.decodeSenseSegment], ["cdbInfo", (b) => scsi.cdbInfo(b, { blockSize: 512 })],
  ["opName", scsi.opName],
];

const SEEDS = [
  "inquiry-disk", "inquiry-controller-short", "vpd-00", "vpd-80", "vpd-83", "vpd-b0-thin", "vpd-b1", "vpd-b2-thin",
  "read-capacity16-thin", "read-capacity10", "report-luns", "mode-sense6-all", "mode-sense10-all",
  "sense-ua-power-on", "sense-descriptor-handmade", "sense-fixed-handmade",
].map(fixture);

/** xorshift32: a fixed seed so a failure can be replayed. */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

/** Random bytes, or a recorded answer truncated, extended, or with bytes flipped. */
function input(next: () => number): Uint8Array {
  const int = (n: number) => Math.floor(next() * n);
  if (next() < 0.3) return Uint8Array.from({ length: int(300) }, () => int(256));
  const seed = SEEDS[int(SEEDS.length)];
  const out = Uint8Array.from({ length: int(seed.length + 24) }, (_, i) => (i < seed.length ? seed[i] : int(256)));
  for (let flips = int(6); flips > 0 && out.length > 0; flips--) out[int(out.length)] = next() < 0.5 ? int(256) : 0xff;
  return out;
}

test("every decoder survives 20,000 random and mutated inputs, throwing only ScsiDecodeError", { timeout: 5000 }, () => {
  const next = rng(0x5c5100d1);
  let thrown = 0;
  for (let i = 0; i < 20_000; i++) {
    const data = input(next);
    for (const [name, decode] of DECODERS) {
      try {
        decode(data);
      } catch (e) {
        if (!(e instanceof ScsiDecodeError)) {
          const hex = Buffer.from(data).toString("hex");
          assert.fail(`${name} threw ${String(e)} on input #${i}: ${hex}`);
        }
        thrown++;
      }
    }
  }
  assert.ok(thrown > 0, "some inputs were too short for a header");
});
