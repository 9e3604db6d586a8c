/**
 * Readers for what the oracles printed, saved next to each fixture: libiscsi's `Key:value`
 * lines (iscsi-inq, iscsi-readcapacity16) and tshark's `-O scsi` tree lines
 * (`    Name: value`, or `..0. .... = Name: value` for bit fields). Not a test file.
 */
import { readFileSync } from "node:fs";
import { fixturePath } from "../helpers/paths.js";
import { readHexFixture } from "../helpers/hex.js";

/** The bytes of fixtures/scsi/<name>.hex. */
export function fixture(name: string): Uint8Array {
  return readHexFixture(fixturePath("scsi", `${name}.hex`));
}

/** The text of fixtures/scsi/<name>.<oracle>.txt. */
export function oracleText(name: string, oracle: "libiscsi" | "tshark" | "sg_decode_sense"): string {
  return readFileSync(fixturePath("scsi", `${name}.${oracle}.txt`), "utf8");
}

/** libiscsi `Key:value` lines, in order (keys repeat, e.g. "Version Descriptor"). */
export function libiscsiPairs(name: string): Array<[string, string]> {
  return oracleText(name, "libiscsi")
    .split("\n")
    .filter((l) => l.includes(":"))
    .map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1)]);
}

/** The value of the first libiscsi line with `key` (throws when there is none). */
export function libiscsi(name: string, key: string): string {
  const hit = libiscsiPairs(name).find(([k]) => k === key);
  if (hit === undefined) throw new Error(`${name}.libiscsi.txt has no "${key}"`);
  return hit[1];
}

/** tshark tree lines as [name, value], bit-field prefixes and `[...]` generated lines dropped. */
export function tsharkPairs(name: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const raw of oracleText(name, "tshark").split("\n")) {
    const line = raw.trimStart().replace(/^[.01 ]+ = /, "");
    const colon = line.indexOf(": ");
    if (line.startsWith("[") || colon === -1) continue;
    out.push([line.slice(0, colon), line.slice(colon + 2)]);
  }
  return out;
}

/** Every tshark value of field `field`, in order. */
export function tsharkAll(name: string, field: string): string[] {
  return tsharkPairs(name).filter(([k]) => k === field).map(([, v]) => v);
}

/** The first tshark value of `field` (throws when there is none). */
export function tshark(name: string, field: string): string {
  const all = tsharkAll(name, field);
  if (all.length === 0) throw new Error(`${name}.tshark.txt has no "${field}"`);
  return all[0];
}

/** The number in parentheses at the end of a tshark value: "Illegal Request (0x5)" -> 5. */
export function tsharkCode(value: string): number {
  const m = /\((0x[0-9a-f]+|\d+)\)$/i.exec(value);
  if (m === null) throw new Error(`no (code) at the end of "${value}"`);
  return Number(m[1]);
}

/** tshark's True/False. */
export function tsharkBool(value: string): boolean {
  if (value !== "True" && value !== "False") throw new Error(`not True/False: "${value}"`);
  return value === "True";
}

/** A `KEY:number` value anywhere in a libiscsi output (some lines hold two, e.g. RC16's). */
export function libiscsiNum(name: string, key: string): number {
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const m = new RegExp(`(?:^|\\s)${escaped}:(\\d+)`, "m").exec(oracleText(name, "libiscsi"));
  if (m === null) throw new Error(`${name}.libiscsi.txt has no "${key}:<number>"`);
  return Number(m[1]);
}
