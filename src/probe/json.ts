/**
 * Probe arguments as plain JSON-safe records: what `--trace FILE` writes as NDJSON, what the
 * daemon sends to subscribers, what the recorder copies. Live objects become their ids,
 * PDUs a flat record of their RFC fields, timestamps exact integers.
 *
 * Secrets: login and text key=value pairs are listed, with the values of CHAP_C, CHAP_R
 * (and any other security-stage binary value) replaced by "<redacted>".
 */
import type { Pdu } from "../wire/types.js";
import type { ConnRef, SessionRef, TaskRef } from "./types.js";

export type JsonValue = string | number | boolean | null | bigint | JsonValue[] | { [k: string]: JsonValue };

/** Keys whose values never leave the process. */
const SECRET_KEYS = new Set(["CHAP_R", "CHAP_C"]);

const textDecoder = new TextDecoder();

function isSession(v: object): v is SessionRef {
  return "oid" in v && "isid" in v && "initiatorName" in v;
}
function isConn(v: object): v is ConnRef {
  return "cid" in v && "session" in v && "remote" in v;
}
function isTask(v: object): v is TaskRef {
  return "itt" in v && "op" in v && "dir" in v && "session" in v;
}
function isPdu(v: object): v is Pdu {
  return "kind" in v && "data" in v && "ahs" in v;
}

export function sessionJson(s: SessionRef): { [k: string]: JsonValue } {
  return { sid: s.oid, type: s.type, target: s.targetName, isid: s.isid.toString(16).padStart(12, "0"), tsih: s.tsih, state: s.state };
}

export function connJson(c: ConnRef): { [k: string]: JsonValue } {
  return { sid: c.session.oid, cid: c.cid, target: c.session.targetName, local: c.local, remote: c.remote, state: c.state };
}

export function taskJson(t: TaskRef): { [k: string]: JsonValue } {
  return {
    sid: t.session.oid, cid: t.conn?.cid ?? null, itt: t.itt, cmdSN: t.cmdSN, lun: t.lun, op: t.op,
    lba: t.lba ?? null, length: t.length, dir: t.dir, state: t.state,
  };
}

/** Login/Text key=value pairs of a data segment, secrets redacted. */
export function textPairs(data: Uint8Array): string[] {
  const out: string[] = [];
  for (const item of textDecoder.decode(data).split("\0")) {
    if (!item) continue;
    const eq = item.indexOf("=");
    const key = eq < 0 ? item : item.slice(0, eq);
    out.push(SECRET_KEYS.has(key) ? `${key}=<redacted>` : item);
  }
  return out;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
function hex(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += HEX[x];
  return s;
}

/** A PDU as a flat record: every header field by RFC name, lengths instead of bytes. */
export function pduJson(p: Pdu): { [k: string]: JsonValue } {
  const out: { [k: string]: JsonValue } = {};
  for (const [k, v] of Object.entries(p)) {
    if (k === "data" || k === "ahs" || k === "bhs") continue;
    if (k === "cdb") out.cdb = hex(v as Uint8Array);
    else if (k === "lun") out.lun = (v as bigint).toString(16).padStart(16, "0");
    else if (v !== undefined) out[k] = v as JsonValue;
  }
  out.dataSegmentLength = p.data.length;
  if (p.ahs.length > 0) out.ahs = p.ahs.map((a) => ({ type: a.type, length: a.data.length }));
  if (p.kind === "login-request" || p.kind === "login-response" || p.kind === "text-request" || p.kind === "text-response") {
    out.keys = textPairs(p.data);
  }
  return out;
}

/** Convert any probe argument record into JSON-safe data. */
export function probeArgsJson(args: object): { [k: string]: JsonValue } {
  const out: { [k: string]: JsonValue } = {};
  for (const [k, v] of Object.entries(args)) out[k] = valueJson(v);
  return out;
}

function valueJson(v: unknown): JsonValue {
  if (v === undefined || v === null) return null;
  if (typeof v === "bigint" || typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
  if (v instanceof Uint8Array) return hex(v);
  if (Array.isArray(v)) return v.map(valueJson);
  if (typeof v === "object") {
    if (isPdu(v)) return pduJson(v);
    if (isTask(v)) return taskJson(v);
    if (isConn(v)) return connJson(v);
    if (isSession(v)) return sessionJson(v);
    return probeArgsJson(v);
  }
  return String(v);
}

/**
 * JSON text with bigints written as exact integer literals (a timestamp in nanoseconds since
 * the epoch does not fit a double; JSON itself has no such limit).
 */
export function stringifyJson(v: JsonValue): string {
  return JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? `\u0000${x}` : x)).replace(/"\\u0000(-?\d+)"/g, "$1");
}
