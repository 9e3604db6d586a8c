/**
 * Text segments of Login and Text PDUs: `key=value\0` pairs, kept in order as a list (a
 * SendTargets answer repeats TargetName and TargetAddress; order carries the meaning).
 * RFC 7143 §6.1: key names up to 63 bytes; values up to 255 bytes unless the key says
 * otherwise (binary values, encoded `0x...` or `0b...`, may be longer); every pair is
 * followed by one NUL.
 */
import { TextError } from "../errors.js";
import { concatBytes } from "./byte-writer.js";

export type TextPair = readonly [key: string, value: string];

/** RFC 7143 §6.1 limits. */
export const MAX_KEY_LENGTH = 63;
export const MAX_VALUE_LENGTH = 255;
/** Binary values (CHAP_C, CHAP_R) may be as long as a whole text segment. */
export const MAX_BINARY_VALUE_LENGTH = 8192;
/** Cap on a text answer continued over several PDUs (C bit), against a peer that never ends. */
export const MAX_TEXT_LENGTH = 1 << 20;

const decoder = new TextDecoder("utf-8", { fatal: false });
const encoder = new TextEncoder();

function isBinaryValue(v: Uint8Array, from: number, to: number): boolean {
  return to - from > 2 && v[from] === 0x30 && (v[from + 1] | 0x20) === 0x78 /* 0x */
    || to - from > 2 && v[from] === 0x30 && (v[from + 1] | 0x20) === 0x62; /* 0b */
}

/**
 * Decode a text segment into ordered pairs. A last pair without its NUL is accepted (as
 * Wireshark does); NUL padding after the last pair is ignored. Throws {@link TextError}
 * for a pair without `=`, an empty key, or a key or value over the RFC limits.
 *
 * @example
 * decodeText(new TextEncoder().encode("HeaderDigest=None\0MaxBurstLength=262144\0"));
 * // [["HeaderDigest", "None"], ["MaxBurstLength", "262144"]]
 */
export function decodeText(bytes: Uint8Array): TextPair[] {
  const out: TextPair[] = [];
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    if (bytes[i] === 0) {
      i++;
      continue;
    }
    let end = bytes.indexOf(0, i);
    if (end < 0) end = n;
    const eq = bytes.indexOf(0x3d, i);
    if (eq < 0 || eq > end) throw new TextError("key=value pair without '='", i);
    if (eq === i) throw new TextError("empty key", i);
    if (eq - i > MAX_KEY_LENGTH) throw new TextError(`key of ${eq - i} bytes exceeds ${MAX_KEY_LENGTH}`, i);
    const limit = isBinaryValue(bytes, eq + 1, end) ? MAX_BINARY_VALUE_LENGTH : MAX_VALUE_LENGTH;
    if (end - eq - 1 > limit) {
      throw new TextError(`value of ${end - eq - 1} bytes exceeds ${limit}`, eq + 1);
    }
    out.push([decoder.decode(bytes.subarray(i, eq)), decoder.decode(bytes.subarray(eq + 1, end))]);
    i = end + 1;
  }
  return out;
}

/**
 * Encode ordered pairs as `key=value\0...`. Throws `RangeError` for a key or value over the
 * RFC limits or a key holding `=` or NUL (API misuse).
 *
 * @example
 * encodeText([["SendTargets", "All"]]); // bytes of "SendTargets=All\0"
 */
export function encodeText(pairs: readonly TextPair[]): Uint8Array {
  const chunks: Uint8Array[] = [];
  let n = 0;
  for (const [k, v] of pairs) {
    const kb = encoder.encode(k);
    const vb = encoder.encode(v);
    if (kb.length === 0 || kb.length > MAX_KEY_LENGTH || /[=\0]/.test(k)) {
      throw new RangeError(`invalid text key ${JSON.stringify(k)}`);
    }
    const limit = isBinaryValue(vb, 0, vb.length) ? MAX_BINARY_VALUE_LENGTH : MAX_VALUE_LENGTH;
    if (vb.length > limit || v.includes("\0")) throw new RangeError(`value of ${k} exceeds ${limit} bytes or holds NUL`);
    const pair = new Uint8Array(kb.length + vb.length + 2);
    pair.set(kb);
    pair[kb.length] = 0x3d;
    pair.set(vb, kb.length + 1);
    chunks.push(pair);
    n += pair.length;
  }
  return concatBytes(chunks, n);
}

/**
 * Split an encoded text segment into pieces of at most `max` bytes, for sending over several
 * PDUs: every piece but the last goes with the C (continue) bit set. Splits may fall inside
 * a pair; the receiver joins them (RFC 7143 §11.10.2).
 */
export function splitText(bytes: Uint8Array, max: number): Uint8Array[] {
  if (max <= 0) throw new RangeError("max must be positive");
  if (bytes.length <= max) return [bytes];
  const out: Uint8Array[] = [];
  for (let o = 0; o < bytes.length; o += max) out.push(bytes.subarray(o, Math.min(o + max, bytes.length)));
  return out;
}

/**
 * Joins the data segments of a Login or Text exchange continued with the C bit.
 *
 * @example
 * const acc = new TextAccumulator();
 * for (const pdu of responses) {
 *   const pairs = acc.add(pdu.data, pdu.continue);
 *   if (pairs) use(pairs);
 * }
 */
export class TextAccumulator {
  private parts: Uint8Array[] = [];
  private length = 0;

  /** Add one PDU's data; returns the pairs when `more` is false, else undefined. */
  add(data: Uint8Array, more: boolean): TextPair[] | undefined {
    this.length += data.length;
    if (this.length > MAX_TEXT_LENGTH) {
      this.reset();
      throw new TextError(`continued text exceeds ${MAX_TEXT_LENGTH} bytes`, MAX_TEXT_LENGTH);
    }
    // Parts kept across PDUs are copied: the caller's bytes may be a view of a reused read buffer.
    if (data.length > 0) this.parts.push(more ? data.slice() : data);
    if (more) return undefined;
    const all = this.parts.length === 1 ? this.parts[0] : concatBytes(this.parts, this.length);
    this.reset();
    return decodeText(all);
  }

  /** True while a continued exchange is in progress. */
  get pending(): boolean {
    return this.length > 0;
  }

  reset(): void {
    this.parts = [];
    this.length = 0;
  }
}
