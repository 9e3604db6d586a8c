/**
 * iscsisnoop's line per PDU, like tshark's summary line: frame, time since the first frame,
 * source and destination, the session, the opcode by Wireshark's name, ITT, LUN, and what
 * the PDU says in words — the SCSI command with LBA and length, status and sense by name,
 * the response time of the command it answers, login stages and status, logout and
 * task-management codes, Async events, Reject reasons. `-v` adds every decoded field.
 */
import type { PduEvent } from "../capture/index.js";
import { formatLoginStatus } from "../login/status.js";
import { pduJson, textPairs, type JsonValue } from "../probe/json.js";
import type { Ns } from "../probe/types.js";
import { ascName, cdbInfo, formatLun, opName, senseKeyName, senseTriple, statusName } from "../scsi/index.js";
import { RESERVED_TAG } from "../wire/layout.js";
import { ASYNC_EVENT, LOGOUT_REASON, LOGOUT_RESPONSE, REJECT_REASON, TMF_FUNCTION, TMF_RESPONSE, codeName } from "../wire/names.js";
import { opcodeName } from "../wire/opcodes.js";
import type { Pdu } from "../wire/types.js";

/** What the command a PDU belongs to was, when the capture holds it. */
export interface CommandInfo {
  /** "Read(10)" */
  name: string;
  lun: number;
  /** When the command went out, for the response time. */
  sentT: Ns;
}

/** One PDU, with what the replay knew about it. */
export interface SnoopPdu {
  e: PduEvent;
  /** Seconds since the capture's first frame. */
  rel: number;
  session: number | undefined;
  cid: number | undefined;
  command: CommandInfo | undefined;
  /** Anomalies the replay reported while handling it. */
  anomalies: string[];
}

const STAGE = ["security", "operational", "?", "full feature"];
const SNACK_TYPE = ["Data/R2T", "Status", "DataACK", "R-Data"];

function hex32(n: number): string {
  return `0x${n.toString(16).padStart(8, "0")}`;
}

function ms(ns: Ns): string {
  const x = Number(ns) / 1e6;
  return x < 10 ? `${x.toFixed(3)} ms` : `${x.toFixed(1)} ms`;
}

/** The LUN a PDU names, or the LUN of its command. */
export function pduLun(p: Pdu, command: CommandInfo | undefined): string | undefined {
  if (command) return command.lun >= 0 ? String(command.lun) : undefined;
  switch (p.kind) {
    case "scsi-command": case "data-out": case "r2t": case "task-request":
      return formatLun(p.lun);
    default: return undefined;
  }
}

/** A SCSI Response's status, sense and residual in words. */
function statusWords(status: number, response: number, senseSegment: Uint8Array | undefined, under: boolean, over: boolean, residual: number): string {
  if (response !== 0) return `iSCSI response 0x${response.toString(16).padStart(2, "0")} (${response === 1 ? "Target Failure" : "vendor"})`;
  let s = statusName(status);
  if (senseSegment && senseSegment.length >= 2) {
    const n = (senseSegment[0] << 8) | senseSegment[1];
    const k = senseTriple(senseSegment.subarray(2, 2 + n));
    if (k) s += ` ${senseKeyName(k.key)}: ${ascName(k.asc, k.ascq)} (0x${k.asc.toString(16).padStart(2, "0")}/0x${k.ascq.toString(16).padStart(2, "0")})`;
  }
  if (under) s += ` underflow ${residual}`;
  if (over) s += ` overflow ${residual}`;
  return s;
}

/** The words after the ITT and LUN: what this PDU says. */
export function pduDetails(x: SnoopPdu): string {
  const p = x.e.pdu;
  const cmd = x.command;
  const latency = cmd ? ` ${ms(x.e.time - cmd.sentT)}` : "";
  switch (p.kind) {
    case "scsi-command": {
      const info = cdbInfo(p.cdb);
      const lba = info.lba !== undefined ? ` LBA ${info.lba}` : "";
      const blocks = info.blocks !== undefined ? ` blocks ${info.blocks}` : "";
      return `${opName(p.cdb)}${lba}${blocks} EDTL ${p.expectedDataTransferLength} CmdSN ${p.cmdSN}${p.data.length ? ` immediate ${p.data.length}` : ""}`;
    }
    case "scsi-response":
      return `${cmd?.name ?? "(command not in capture)"} ${statusWords(p.status, p.response, p.data, p.underflow, p.overflow, p.residualCount)}${latency} StatSN ${p.statSN}`;
    case "data-in": {
      const st = p.statusPresent ? ` ${statusWords(p.status, 0, undefined, p.underflow, p.overflow, p.residualCount)}${latency} StatSN ${p.statSN}` : "";
      return `${cmd?.name ?? "(command not in capture)"} DataSN ${p.dataSN} offset ${p.bufferOffset} len ${p.data.length}${st}`;
    }
    case "data-out":
      return `${cmd?.name ?? "(command not in capture)"} DataSN ${p.dataSN} offset ${p.bufferOffset} len ${p.data.length}${p.final ? " F" : ""} TTT ${hex32(p.ttt)}`;
    case "r2t":
      return `${cmd?.name ?? "(command not in capture)"} R2TSN ${p.r2tSN} offset ${p.bufferOffset} len ${p.desiredDataTransferLength} TTT ${hex32(p.ttt)}`;
    case "login-request":
      return `${STAGE[p.csg]} -> ${p.transit ? STAGE[p.nsg] : "(stay)"}${p.continue ? " C" : ""} ISID ${p.isid.toString(16).padStart(12, "0")} TSIH ${p.tsih} CID ${p.cid} ${textPairs(p.data).join(" ")}`.trimEnd();
    case "login-response":
      return `${STAGE[p.csg]} -> ${p.transit ? STAGE[p.nsg] : "(stay)"}${p.continue ? " C" : ""} ${formatLoginStatus(p.statusClass, p.statusDetail)} TSIH ${p.tsih} ${textPairs(p.data).join(" ")}`.trimEnd();
    case "text-request": case "text-response":
      return `${p.final ? "F" : ""}${p.continue ? " C" : ""} ${textPairs(p.data).join(" ")}`.trim();
    case "nop-out":
      return p.itt !== RESERVED_TAG ? `ping CmdSN ${p.cmdSN}` : `answer to TTT ${hex32(p.ttt)}`;
    case "nop-in":
      return p.itt !== RESERVED_TAG ? `answer StatSN ${p.statSN}` : p.ttt !== RESERVED_TAG ? `ping TTT ${hex32(p.ttt)}` : "no answer wanted";
    case "logout-request": return `${codeName(LOGOUT_REASON, p.reasonCode, "reason")} CID ${p.cid}`;
    case "logout-response": return `${codeName(LOGOUT_RESPONSE, p.response, "response")} Time2Wait ${p.time2Wait} Time2Retain ${p.time2Retain}`;
    case "task-request": return `${codeName(TMF_FUNCTION, p.function, "function")}${p.function === 1 ? ` of ITT ${hex32(p.referencedTaskTag)}` : ""}`;
    case "task-response": return codeName(TMF_RESPONSE, p.response, "response");
    case "async-message": {
      const what = codeName(ASYNC_EVENT, p.asyncEvent, "event");
      if (p.asyncEvent === 1) return `${what} within ${p.parameter3} s`;
      if (p.asyncEvent === 2) return `${what} CID ${p.parameter1} Time2Wait ${p.parameter2} Time2Retain ${p.parameter3}`;
      if (p.asyncEvent === 3) return `${what} Time2Wait ${p.parameter2} Time2Retain ${p.parameter3}`;
      if (p.asyncEvent === 4) return `${what} within ${p.parameter3} s`;
      return what;
    }
    case "reject": {
      const d = p.data;
      const itt = d.length >= 20 ? ((d[16] << 24) | (d[17] << 16) | (d[18] << 8) | d[19]) >>> 0 : undefined;
      return `${codeName(REJECT_REASON, p.reason, "reason")}${itt !== undefined ? ` (rejected ${opcodeName(d[0])} ITT ${hex32(itt)})` : ""}`;
    }
    case "snack": return `${SNACK_TYPE[p.type] ?? `type ${p.type}`} BegRun ${p.begRun} RunLength ${p.runLength}`;
    default: return "";
  }
}

/** Flags a PDU's line ends with: bad digests, bytes the capture lacks. */
function marks(e: PduEvent): string {
  const out: string[] = [];
  if (e.headerDigest === "bad") out.push("HEADER DIGEST BAD");
  if (e.dataDigest === "bad") out.push("DATA DIGEST BAD");
  if (e.lost > 0) out.push(`${e.lost} bytes not in capture`);
  return out.length ? ` [${out.join(", ")}]` : "";
}

/**
 * The summary line of a PDU.
 *
 * @example
 * // "    12  0.000183  127.0.0.1:55150 -> 127.0.0.1:3260  S2  SCSI Command  ITT 0x00000002  LUN 1  Read(10) LBA 64 blocks 8 EDTL 4096 CmdSN 1"
 */
export function pduLine(x: SnoopPdu): string {
  const e = x.e;
  const [src, dst] = e.direction === "initiator->target" ? [e.conn.initiator, e.conn.target] : [e.conn.target, e.conn.initiator];
  const addr = (a: { address: string; port: number }) => (a.address.includes(":") ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`);
  const lun = pduLun(e.pdu, x.command);
  const itt = "itt" in e.pdu ? `  ITT ${hex32(e.pdu.itt)}` : "";
  const session = x.session === undefined ? "S?" : `S${x.session}`;
  return `${String(e.frame).padStart(6)}  ${x.rel.toFixed(6).padStart(10)}  ${addr(src)} -> ${addr(dst)}  ${session}  ${opcodeName(e.opcode)}${itt}` +
    `${lun !== undefined ? `  LUN ${lun}` : ""}  ${pduDetails(x)}${marks(e)}`.trimEnd();
}

/** `-v`: every decoded field of the PDU, one per line, indented under its summary line. */
export function pduFields(x: SnoopPdu): string[] {
  const out: string[] = [];
  const fields = pduJson(x.e.pdu);
  const put = (k: string, v: JsonValue) => out.push(`        ${k}: ${Array.isArray(v) ? v.join(" ") : String(v)}`);
  for (const [k, v] of Object.entries(fields)) put(k, v);
  put("wireLength", x.e.length);
  put("headerDigest", x.e.headerDigest);
  put("dataDigest", x.e.dataDigest);
  if (x.e.firstFrame !== x.e.frame) put("frames", `${x.e.firstFrame}..${x.e.frame}`);
  return out;
}

/** Whether a PDU reports an error: a status other than GOOD, a refused login, a Reject, an Async Message, bad digests, anomalies. */
export function isErrorPdu(x: SnoopPdu): boolean {
  const p = x.e.pdu;
  if (x.anomalies.length > 0 || x.e.digestError || x.e.lost > 0) return true;
  switch (p.kind) {
    case "scsi-response": return p.response !== 0 || p.status !== 0;
    case "data-in": return p.statusPresent && p.status !== 0;
    case "login-response": return p.statusClass !== 0;
    case "logout-response": return p.response !== 0;
    case "task-response": return p.response !== 0 && p.response !== 1;
    case "reject": case "async-message": return true;
    default: return false;
  }
}

/** The NDJSON record of a PDU (`--json`). */
export function pduRecord(x: SnoopPdu): { [k: string]: JsonValue } {
  const e = x.e;
  const rec: { [k: string]: JsonValue } = {
    type: "pdu", frame: e.frame, t: e.time, rel: x.rel, connection: e.conn.key, direction: e.direction,
    session: x.session ?? null, cid: x.cid ?? null, opcode: e.opcode, name: opcodeName(e.opcode), summary: pduDetails(x),
    lun: pduLun(e.pdu, x.command) ?? null, wireLength: e.length, headerDigest: e.headerDigest, dataDigest: e.dataDigest, lost: e.lost,
    pdu: pduJson(e.pdu),
  };
  if (x.command) rec.command = { name: x.command.name, lun: x.command.lun, latencyNs: e.time - x.command.sentT };
  if (x.anomalies.length) rec.anomalies = x.anomalies;
  return rec;
}
