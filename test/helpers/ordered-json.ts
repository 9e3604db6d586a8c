/**
 * A JSON parser that keeps every member of an object, in order, duplicates included.
 *
 * tshark's `-T json` writes one key per protocol layer and per field, so a frame holding
 * two iSCSI PDUs has two `"iscsi"` members in one object, and a login's keys are many
 * `"iscsi.keyvalue"` members. `JSON.parse` keeps only the last of each. tshark's
 * `--no-duplicate-keys` turns repeats into arrays, but then the interleaving of different
 * keys is lost (which `"scsi"` layer follows which `"iscsi"` PDU), and a lone value stays a
 * string while two become an array. Keeping the document order keeps all of it.
 */

/** A parsed JSON value; objects keep all their members in order. */
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

/**
 * An object's members, in document order, duplicates kept.
 *
 * @example
 * const layers = (parseOrderedJson(text) as JsonObject).entries.filter(([k]) => k === "iscsi");
 */
export class JsonObject {
  constructor(readonly entries: [key: string, value: JsonValue][]) {}

  /**
   * The first member named `key`.
   *
   * @example
   * (parseOrderedJson('{"a": 1, "a": 2}') as JsonObject).get("a"); // 1
   */
  get(key: string): JsonValue | undefined {
    return this.entries.find(([k]) => k === key)?.[1];
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WHITESPACE = /[ \t\n\r]*/y;

/**
 * Parse `text` as JSON, objects as {@link JsonObject}. Throws `SyntaxError` with the offset
 * of the first thing that is not JSON.
 *
 * @example
 * const doc = parseOrderedJson('{"a": 1, "a": 2}') as JsonObject;
 * doc.entries; // [["a", 1], ["a", 2]]
 */
export function parseOrderedJson(text: string): JsonValue {
  const p = { text, at: 0 };
  const value = parseValue(p);
  skipSpace(p);
  if (p.at !== text.length) throw new SyntaxError(`unexpected ${JSON.stringify(text[p.at])} at ${p.at}`);
  return value;
}

interface Cursor { text: string; at: number }

function parseValue(p: Cursor): JsonValue {
  skipSpace(p);
  const c = p.text[p.at];
  if (c === "{") return parseObject(p);
  if (c === "[") return parseArray(p);
  if (c === '"') return parseString(p);
  for (const [word, value] of [["true", true], ["false", false], ["null", null]] as const) {
    if (p.text.startsWith(word, p.at)) {
      p.at += word.length;
      return value;
    }
  }
  NUMBER.lastIndex = p.at;
  const m = NUMBER.exec(p.text);
  if (!m) throw new SyntaxError(`unexpected ${JSON.stringify(c ?? "end of input")} at ${p.at}`);
  p.at += m[0].length;
  return Number(m[0]);
}

function parseObject(p: Cursor): JsonObject {
  const entries: [string, JsonValue][] = [];
  p.at++; // {
  skipSpace(p);
  if (p.text[p.at] === "}") {
    p.at++;
    return new JsonObject(entries);
  }
  for (;;) {
    skipSpace(p);
    const key = parseString(p);
    skipSpace(p);
    expect(p, ":");
    entries.push([key, parseValue(p)]);
    skipSpace(p);
    if (p.text[p.at] === "}") break;
    expect(p, ",");
  }
  p.at++;
  return new JsonObject(entries);
}

function parseArray(p: Cursor): JsonValue[] {
  const items: JsonValue[] = [];
  p.at++; // [
  skipSpace(p);
  if (p.text[p.at] === "]") {
    p.at++;
    return items;
  }
  for (;;) {
    items.push(parseValue(p));
    skipSpace(p);
    if (p.text[p.at] === "]") break;
    expect(p, ",");
  }
  p.at++;
  return items;
}

/** Find the closing quote, then let JSON.parse handle the escapes. */
function parseString(p: Cursor): string {
  if (p.text[p.at] !== '"') throw new SyntaxError(`expected a string at ${p.at}`);
  let end = p.at + 1;
  for (;;) {
    const q = p.text.indexOf('"', end);
    if (q < 0) throw new SyntaxError(`unterminated string at ${p.at}`);
    let backslashes = 0;
    while (p.text[q - 1 - backslashes] === "\\") backslashes++;
    end = q + 1;
    if (backslashes % 2 === 0) break;
  }
  const s = JSON.parse(p.text.slice(p.at, end)) as string;
  p.at = end;
  return s;
}

function expect(p: Cursor, c: string): void {
  if (p.text[p.at] !== c) throw new SyntaxError(`expected ${JSON.stringify(c)} at ${p.at}`);
  p.at++;
}

function skipSpace(p: Cursor): void {
  WHITESPACE.lastIndex = p.at;
  WHITESPACE.exec(p.text);
  p.at = WHITESPACE.lastIndex;
}
