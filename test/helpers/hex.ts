/**
 * Commented hex fixtures: pairs of hex digits separated by any whitespace; `#` starts a
 * comment that runs to the end of the line. Nothing else is allowed, so a typo in a
 * fixture fails loudly with its file and line instead of shifting every byte after it.
 *
 * ```
 * # INQUIRY data from tgtd
 * 00 00 05 12   # byte 0: device type 0 ...
 * ```
 */
import { readFileSync } from "node:fs";

const PAIR = /^[0-9a-fA-F]{2}$/;

/**
 * Parse fixture text; `name` (usually the file path) is used in errors as `name:line`.
 *
 * @example
 * parseHex("01 02 # two bytes\nff", "inline"); // Uint8Array [1, 2, 255]
 */
export function parseHex(text: string, name: string): Uint8Array {
  const out: number[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const hash = raw.indexOf("#");
    const line = hash === -1 ? raw : raw.slice(0, hash);
    for (const token of line.split(/\s+/)) {
      if (token === "") continue;
      if (!PAIR.test(token)) throw new Error(`${name}:${i + 1}: bad token "${token}" (expected two hex digits)`);
      out.push(parseInt(token, 16));
    }
  });
  return Uint8Array.from(out);
}

/**
 * Read and parse a hex fixture file.
 *
 * @example
 * const inquiry = readHexFixture(fixturePath("scsi", "inquiry-disk.hex"));
 */
export function readHexFixture(path: string): Uint8Array {
  return parseHex(readFileSync(path, "utf8"), path);
}
