/**
 * The values CHAP computes and carries (RFC 1994 §4.1, RFC 7143 §6.1, §12.1.3): the response
 * hash per algorithm, the `0x`/`0b` binary encodings, and the redaction of secret-bearing
 * values before anything is logged or probed.
 */
import { createHash } from "node:crypto";
import type { TextPair } from "../wire/text.js";

/**
 * CHAP algorithm identifiers (IANA "PPP AUTHENTICATION ALGORITHMS") and node:crypto names.
 *
 * @example
 * CHAP_ALGORITHMS.get(7); // { name: "SHA-256", hash: "sha256", length: 32 }
 */
export const CHAP_ALGORITHMS: ReadonlyMap<number, { readonly name: string; readonly hash: string; readonly length: number }> = new Map([
  [5, { name: "MD5", hash: "md5", length: 16 }],
  [6, { name: "SHA1", hash: "sha1", length: 20 }],
  [7, { name: "SHA-256", hash: "sha256", length: 32 }],
  [8, { name: "SHA3-256", hash: "sha3-256", length: 32 }],
]);

/**
 * What redacted values read as.
 *
 * @example
 * redactPairs([["CHAP_R", "0x01"]])[0][1] === REDACTED; // true
 */
export const REDACTED = "<redacted>";

/**
 * Computes a CHAP response: H(identifier as one octet ‖ secret ‖ challenge) (RFC 1994 §4.1).
 *
 * @example
 * chapResponse(5, 1, "secret", Buffer.from("0102", "hex")); // 16 bytes, MD5
 */
export function chapResponse(algorithm: number, identifier: number, secret: string | Uint8Array, challenge: Uint8Array): Uint8Array {
  const alg = CHAP_ALGORITHMS.get(algorithm);
  if (alg === undefined) throw new RangeError(`unknown CHAP algorithm ${algorithm}`);
  if (!Number.isInteger(identifier) || identifier < 0 || identifier > 255) throw new RangeError("CHAP identifier must be 0..255");
  const h = createHash(alg.hash);
  h.update(Uint8Array.of(identifier));
  h.update(typeof secret === "string" ? Buffer.from(secret, "utf8") : secret);
  h.update(challenge);
  return new Uint8Array(h.digest());
}

/**
 * Encodes bytes as an RFC 7143 §6.1 hex binary value, `0x` and lower-case digits.
 *
 * @example
 * encodeBinary(Uint8Array.of(0xc4, 0x64)); // "0xc464"
 */
export function encodeBinary(bytes: Uint8Array): string {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`;
}

/**
 * Decodes an RFC 7143 §6.1 binary value: `0x`/`0X` hex (any case; an odd digit count gets a
 * leading zero) or `0b`/`0B` base64. Returns `undefined` when `value` is neither.
 *
 * @example
 * decodeBinary("0xC464"); // Uint8Array [0xc4, 0x64]
 * decodeBinary("0bxGQ="); // Uint8Array [0xc4, 0x64]
 */
export function decodeBinary(value: string): Uint8Array | undefined {
  const hex = /^0[xX]([0-9a-fA-F]+)$/.exec(value);
  if (hex) return new Uint8Array(Buffer.from(hex[1].length % 2 ? `0${hex[1]}` : hex[1], "hex"));
  const b64 = /^0[bB]([A-Za-z0-9+/]+={0,2})$/.exec(value);
  if (!b64 || b64[1].length % 4 !== 0) return undefined;
  const bytes = Buffer.from(b64[1], "base64");
  return bytes.toString("base64") === b64[1] ? new Uint8Array(bytes) : undefined;
}

/** Keys whose values are never logged: CHAP (§12.1.3), SRP (§12.1.2), Kerberos (§12.1.1). */
const SECRET_BEARING = new Set(["CHAP_C", "CHAP_R", "SRP_s", "SRP_A", "SRP_B", "SRP_M", "SRP_HM", "KRB_AP_REQ", "KRB_AP_REP"]);

/**
 * Whether a security-stage key carries a challenge, response or proof (never logged or probed).
 *
 * @example
 * isSecretKey("CHAP_R"); // true
 * isSecretKey("CHAP_N"); // false (the user name is shown)
 */
export function isSecretKey(key: string): boolean {
  return SECRET_BEARING.has(key);
}

/**
 * A copy of `pairs` with challenge, response and proof values replaced by `<redacted>`; use it
 * before logging or probing any security-stage text.
 *
 * @example
 * redactPairs([["CHAP_N", "alice"], ["CHAP_R", "0xc464..."]]); // [["CHAP_N", "alice"], ["CHAP_R", "<redacted>"]]
 */
export function redactPairs(pairs: readonly TextPair[]): TextPair[] {
  return pairs.map(([k, v]) => [k, SECRET_BEARING.has(k) ? REDACTED : v] as const);
}
