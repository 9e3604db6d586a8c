/**
 * Shared pieces of the expected PDU objects. Every value here is typed by hand from the RFC
 * scenario a fixture describes, not derived from src/wire.
 */
import type { DigestOptions, Pdu } from "../../../src/wire/types.js";
import { parseHex } from "../../helpers/hex.js";

/** One fixtures/pdus/<file>.hex and the object it must decode to. */
export interface Case {
  /** File name without `.hex`. */
  file: string;
  /** What the fixture shows, for the test name. */
  shows: string;
  pdu: Pdu;
  opts?: DigestOptions;
}

const te = new TextEncoder();

/** ASCII text as bytes (text segments are written with explicit `\0`). */
export function text(s: string): Uint8Array {
  return te.encode(s);
}

/** Inline hex, same syntax as the fixtures. */
export function hex(s: string): Uint8Array {
  return parseHex(s, "inline hex");
}

/** `n` bytes where byte i is (seed + i) & 0xff, as the fixture comments say. */
export function pattern(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (seed + i) & 0xff);
}

export const NONE = new Uint8Array(0);
/** The 8-byte LUN field 00 01 00 00 00 00 00 00 (LUN 1, SAM single level addressing). */
export const LUN1 = 0x0001_0000_0000_0000n;
/** ISID 00 02 3d 00 00 01: OUI format, OUI 0x00023d, qualifier 1. */
export const ISID = 0x00023d000001;
export const NO_TAG = 0xffffffff;

export const INITIATOR = "iqn.2024-01.org.iscsiscope:initiator";
export const DISK1 = "iqn.2024-01.org.iscsiscope:disk1";
const DISK2 = "iqn.2024-01.org.iscsiscope:disk2";

export const SECURITY_KEYS =
  `InitiatorName=${INITIATOR}\0SessionType=Normal\0TargetName=${DISK1}\0AuthMethod=None\0`;
export const OPERATIONAL_KEYS =
  "HeaderDigest=None\0DataDigest=None\0MaxRecvDataSegmentLength=262144\0InitialR2T=Yes\0" +
  "ImmediateData=Yes\0MaxBurstLength=262144\0FirstBurstLength=65536\0MaxConnections=1\0" +
  "ErrorRecoveryLevel=0\0DefaultTime2Wait=2\0DefaultTime2Retain=20\0MaxOutstandingR2T=1\0" +
  "DataPDUInOrder=Yes\0DataSequenceInOrder=Yes\0";
export const OPERATIONAL_ANSWER =
  "HeaderDigest=None\0DataDigest=None\0MaxRecvDataSegmentLength=65536\0InitialR2T=Yes\0" +
  "ImmediateData=Yes\0MaxBurstLength=262144\0FirstBurstLength=65536\0MaxConnections=1\0" +
  "ErrorRecoveryLevel=0\0DefaultTime2Wait=2\0DefaultTime2Retain=20\0MaxOutstandingR2T=1\0" +
  "DataPDUInOrder=Yes\0DataSequenceInOrder=Yes\0";
export const SENDTARGETS_ANSWER =
  `TargetName=${DISK1}\0TargetAddress=192.0.2.10:3260,1\0` +
  `TargetName=${DISK2}\0TargetAddress=[2001:db8::10]:3260,12\0`;

/** Bytes as hex, one 4-byte word per line with its offset, so a failing diff names the word. */
export function words(b: Uint8Array): string {
  const lines: string[] = [];
  for (let o = 0; o < b.length; o += 4) {
    const w = Array.from(b.subarray(o, o + 4), (x) => x.toString(16).padStart(2, "0")).join(" ");
    lines.push(`${o.toString().padStart(4)}: ${w}`);
  }
  return lines.join("\n");
}

export { concat } from "../../helpers/hex.js";

