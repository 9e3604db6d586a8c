/**
 * Decoding a PDU framed from a capture: digests are checked here and reported (a bad digest
 * is a fact about the traffic, not a reason to drop the PDU), a PDU whose header digest is
 * wrong is still decoded, and a PDU with bytes lost to the capture keeps the part of its
 * data segment before the first lost byte.
 */
import { u32le } from "../wire/byte-reader.js";
import { crc32c } from "../wire/crc32c.js";
import { decodePdu } from "../wire/decode.js";
import { BHS_LENGTH, DIGEST_LENGTH, pad4 } from "../wire/layout.js";
import { OPCODE_MASK } from "../wire/opcodes.js";
import { decodeText } from "../wire/text.js";
import type { Pdu } from "../wire/types.js";
import { dataSegmentLength } from "./iscsi-sanity.js";
import type { DigestState } from "./iscsi-hunt.js";
import type { DigestCheck } from "./types.js";

/** A decoded PDU and how its digests fared. */
export interface CapturedPdu {
  pdu: Pdu;
  headerDigest: DigestCheck;
  dataDigest: DigestCheck;
}

/**
 * Decode one whole PDU (`bytes.length` is its wire length). `lostAt` is the position of the
 * first byte the capture lost, or -1. Throws the codec's PduError when the PDU cannot be
 * decoded (an AHS that overruns TotalAHSLength).
 *
 * @example
 * const { pdu, headerDigest } = decodeCaptured(bytes, true, false, -1);
 */
export function decodeCaptured(bytes: Uint8Array, headerDigest: boolean, dataDigest: boolean, lostAt: number): CapturedPdu {
  const headerEnd = BHS_LENGTH + bytes[4] * 4;
  const dsl = dataSegmentLength(bytes, 0);
  const dataStart = headerEnd + (headerDigest ? DIGEST_LENGTH : 0);
  const dataEnd = dataStart + dsl + pad4(dsl);
  let h: DigestCheck = "none";
  if (headerDigest) h = crc32c(bytes, 0, 0, headerEnd) === u32le(bytes, headerEnd) ? "good" : "bad";
  let d: DigestCheck = "none";
  if (dataDigest && dsl > 0) {
    d = lostAt >= 0 ? "unchecked" : crc32c(bytes, 0, dataStart, dataEnd) === u32le(bytes, dataEnd) ? "good" : "bad";
  }
  let pdu: Pdu;
  if (h === "bad") {
    const copy = new Uint8Array(bytes.length - DIGEST_LENGTH);
    copy.set(bytes.subarray(0, headerEnd));
    copy.set(bytes.subarray(headerEnd + DIGEST_LENGTH), headerEnd);
    pdu = decodePdu(copy);
  } else {
    pdu = decodePdu(bytes, { headerDigest });
  }
  if (lostAt >= 0) pdu.data = pdu.data.subarray(0, Math.max(0, lostAt - dataStart));
  return { pdu, headerDigest: h, dataDigest: d };
}

/**
 * Wire length of the PDU whose header starts `b[i]` (`avail` bytes from there), settling
 * digests the connection does not know yet from CRC32C (Login PDUs never carry them).
 * Negative: the bytes needed to tell; with `final`, fewer bytes mean no digest.
 *
 * @example
 * const len = wireLength(buf, 0, buf.length, false, conn.digests);
 * if (len < 0) waitFor(-len);
 */
export function wireLength(b: Uint8Array, i: number, avail: number, final: boolean, d: DigestState): number {
  const op = b[i] & OPCODE_MASK;
  const login = op === 0x03 || op === 0x23;
  const headerEnd = BHS_LENGTH + b[i + 4] * 4;
  const dsl = dataSegmentLength(b, i);
  if (!login && d.header === undefined) {
    if (avail < headerEnd + DIGEST_LENGTH && !final) return -(headerEnd + DIGEST_LENGTH);
    d.header = avail >= headerEnd + DIGEST_LENGTH && crc32c(b, 0, i, i + headerEnd) === u32le(b, i + headerEnd);
    d.source ??= "crc";
  }
  const hd = !login && d.header === true;
  const dataEnd = headerEnd + (hd ? DIGEST_LENGTH : 0) + dsl + pad4(dsl);
  if (!login && dsl > 0 && d.data === undefined) {
    if (avail < dataEnd + DIGEST_LENGTH && !final) return -(dataEnd + DIGEST_LENGTH);
    d.data = avail >= dataEnd + DIGEST_LENGTH && crc32c(b, 0, i + dataEnd - dsl - pad4(dsl), i + dataEnd) === u32le(b, i + dataEnd);
    d.source ??= "crc";
  }
  return dataEnd + (!login && dsl > 0 && d.data === true ? DIGEST_LENGTH : 0);
}

/** The login keys the capture reader cares about, as far as a Login PDU's text gives them. */
export interface LoginKeys {
  HeaderDigest?: "CRC32C" | "None";
  DataDigest?: "CRC32C" | "None";
  MaxRecvDataSegmentLength?: number;
}

/**
 * The HeaderDigest, DataDigest and MaxRecvDataSegmentLength values in a Login PDU's text,
 * where the text names one exact value (an answer or a declaration), not a list. A value
 * cut short by the capture ("CRC3") is no value.
 *
 * @example
 * loginKeys(text("HeaderDigest=CRC32C\0MaxRecvDataSegmentLength=65536\0"));
 * // { HeaderDigest: "CRC32C", MaxRecvDataSegmentLength: 65536 }
 */
export function loginKeys(data: Uint8Array): LoginKeys {
  const out: LoginKeys = {};
  let pairs: ReturnType<typeof decodeText>;
  try {
    pairs = decodeText(data);
  } catch {
    return out; // a text segment the codec refuses carries no answer we could rely on
  }
  for (const [k, v] of pairs) {
    if ((k === "HeaderDigest" || k === "DataDigest") && (v === "CRC32C" || v === "None")) out[k] = v;
    if (k === "MaxRecvDataSegmentLength" && /^\d{1,8}$/.test(v)) out.MaxRecvDataSegmentLength = Number(v);
  }
  return out;
}
