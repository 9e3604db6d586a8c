/**
 * Commented hex fixtures: hex byte pairs separated by any whitespace; `#` starts a comment
 * that runs to the end of the line. Used for fixtures/pdus/*.hex, which are written by hand
 * from RFC 7143 and never by src/wire (STYLE.md §10).
 */
import { readFileSync } from "node:fs";
import { isAbsolute } from "node:path";
import { fixturePath } from "./paths.js";

const BYTE = /^[0-9a-fA-F]{2}$/;

/**
 * Parse commented hex text into bytes. Throws an Error naming `name:line` for any token
 * that is not exactly one hex byte pair.
 *
 * @example
 * parseHex("01 c1 00 00  # opcode | flags\n00 00 00 00", "inline"); // 8 bytes
 */
export function parseHex(text: string, name: string): Uint8Array {
  const out: number[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const hash = lines[i].indexOf("#");
    const code = hash < 0 ? lines[i] : lines[i].slice(0, hash);
    for (const token of code.split(/\s+/)) {
      if (token === "") continue;
      if (!BYTE.test(token)) throw new Error(`${name}:${i + 1}: bad token "${token}" (expected two hex digits)`);
      out.push(parseInt(token, 16));
    }
  }
  return Uint8Array.from(out);
}

/**
 * Read and parse a commented hex fixture. A relative path is taken under fixtures/
 * (`readHexFixture("pdus/r2t.hex")`); an absolute path is read as is.
 */
export function readHexFixture(path: string): Uint8Array {
  const full = isAbsolute(path) ? path : fixturePath(path);
  return parseHex(readFileSync(full, "utf8"), path);
}

/**
 * Byte arrays end to end.
 *
 * @example
 * concat([Uint8Array.of(1), Uint8Array.of(2, 3)]); // Uint8Array [1, 2, 3]
 */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
