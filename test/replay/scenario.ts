/**
 * Synthetic captures for the replay's tests: iSCSI PDUs built field by field with the
 * independent PduBuilder (never src/wire's encoder), carried by the capture tests' TCP Flow,
 * decoded and replayed, with every probe the replay fires kept in order.
 */
import { decodeCaptureBytes, type CaptureSummary } from "../../src/capture/index.js";
import { ProbeBus, type AnyProbeArgs } from "../../src/probe/bus.js";
import type { ProbeKey } from "../../src/probe/catalog.js";
import { Replay, type ReplayStats } from "../../src/replay/index.js";
import { pcapFile, type Rec } from "../capture/builder.js";
import { Flow } from "../capture/pdus.js";
import { PduBuilder } from "../helpers/pdu-builder.js";

export { Flow };

const LUN1 = 1n << 48n;
const NONE = 0xffffffff;
const text = (kv: string): Uint8Array => new TextEncoder().encode(kv ? kv.split("|").map((x) => `${x}\0`).join("") : "");

function bhs(opcode: number, flags: number, b23: number, dsl: number): PduBuilder {
  return new PduBuilder().u8(opcode).u8(flags).u16(b23).u8(0).u24(dsl);
}

function done(b: PduBuilder, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  return b.bytes(data).pad4().build();
}

/** Login Request: ISID 0x800000000000 + `isid`, TSIH, CID; `kv` is "Key=Value|Key=Value". */
export function loginReq(o: { isid?: number; tsih?: number; cid?: number; itt?: number; cmdSN?: number; csg?: number; nsg?: number; transit?: boolean; kv: string }): Uint8Array {
  const data = text(o.kv);
  const flags = (o.transit ?? true ? 0x80 : 0) | ((o.csg ?? 1) << 2) | (o.transit ?? true ? (o.nsg ?? 3) : 0);
  return done(bhs(0x43, flags, 0, data.length).u8(0x80).u8(0).u32(o.isid ?? 1).u16(o.tsih ?? 0)
    .u32(o.itt ?? 1).u16(o.cid ?? 0).u16(0).u32(o.cmdSN ?? 1).u32(0).bytes(new Uint8Array(16)), data);
}

/** Login Response; `status` is Status-Class << 8 | Status-Detail. */
export function loginRsp(o: { isid?: number; tsih?: number; itt?: number; statSN?: number; expCmdSN?: number; csg?: number; nsg?: number; transit?: boolean; status?: number; kv?: string }): Uint8Array {
  const data = text(o.kv ?? "TargetPortalGroupTag=1");
  const flags = (o.transit ?? true ? 0x80 : 0) | ((o.csg ?? 1) << 2) | (o.transit ?? true ? (o.nsg ?? 3) : 0);
  const exp = o.expCmdSN ?? 1;
  return done(bhs(0x23, flags, 0, data.length).u8(0x80).u8(0).u32(o.isid ?? 1).u16(o.tsih ?? 0x100)
    .u32(o.itt ?? 1).u32(0).u32(o.statSN ?? 0).u32(exp).u32(exp + 16).u16(o.status ?? 0).bytes(new Uint8Array(10)), data);
}

/** SCSI Command on LUN 1: READ(10) or WRITE(10) at `lba` of `blocks` 512-byte blocks, immediate data optional. */
export function cmd(o: { itt: number; cmdSN: number; write?: boolean; lba?: number; blocks?: number; data?: Uint8Array }): Uint8Array {
  const blocks = o.blocks ?? 8;
  const lba = o.lba ?? 0;
  const cdb = [o.write ? 0x2a : 0x28, 0, lba >>> 24, (lba >>> 16) & 0xff, (lba >>> 8) & 0xff, lba & 0xff, 0, blocks >> 8, blocks & 0xff, 0, 0, 0, 0, 0, 0, 0];
  const data = o.data ?? new Uint8Array(0);
  const flags = 0x80 | (o.write ? 0x20 : 0x40) | 1;
  return done(bhs(0x01, flags, 0, data.length).u64(LUN1).u32(o.itt).u32(blocks * 512).u32(o.cmdSN).u32(0).bytes(cdb), data);
}

/** SCSI Response: GOOD, or CHECK CONDITION with fixed-format sense key/ASC/ASCQ. */
export function rsp(o: { itt: number; statSN: number; expCmdSN: number; maxCmdSN?: number; sense?: [number, number, number] }): Uint8Array {
  let data = new Uint8Array(0);
  if (o.sense) {
    const s = [0x70, 0, o.sense[0], 0, 0, 0, 0, 10, 0, 0, 0, 0, o.sense[1], o.sense[2], 0, 0, 0, 0];
    data = Uint8Array.from([0, s.length, ...s]);
  }
  return done(bhs(0x21, 0x80, o.sense ? 0x0002 : 0, data.length).u64(0n).u32(o.itt).u32(0)
    .u32(o.statSN).u32(o.expCmdSN).u32(o.maxCmdSN ?? o.expCmdSN + 16).u32(0).u32(0).u32(0), data);
}

/** Data-In; with status (S, F) when `statSN` is given and `more` is not set. */
export function dataIn(o: { itt: number; dataSN: number; offset: number; length: number; statSN?: number; expCmdSN: number }): Uint8Array {
  const status = o.statSN !== undefined;
  return done(bhs(0x25, status ? 0x81 : 0, 0, o.length).u64(LUN1).u32(o.itt).u32(NONE)
    .u32(o.statSN ?? 0).u32(o.expCmdSN).u32(o.expCmdSN + 16).u32(o.dataSN).u32(o.offset).u32(0), new Uint8Array(o.length));
}

export function r2t(o: { itt: number; ttt: number; r2tSN: number; offset: number; length: number; expCmdSN: number; statSN: number }): Uint8Array {
  return bhs(0x31, 0x80, 0, 0).u64(LUN1).u32(o.itt).u32(o.ttt).u32(o.statSN).u32(o.expCmdSN).u32(o.expCmdSN + 16)
    .u32(o.r2tSN).u32(o.offset).u32(o.length).build();
}

export function dataOut(o: { itt: number; ttt: number; dataSN: number; offset: number; length: number; final?: boolean }): Uint8Array {
  return done(bhs(0x05, o.final ?? true ? 0x80 : 0, 0, o.length).u64(LUN1).u32(o.itt).u32(o.ttt).u32(0)
    .u32(0).u32(0).u32(o.dataSN).u32(o.offset).u32(0), new Uint8Array(o.length));
}

/** NOP-Out: a ping (ITT set) or the answer to a target ping (ITT 0xffffffff, its TTT). */
export function nopOut(o: { itt?: number; ttt?: number; cmdSN: number }): Uint8Array {
  return done(bhs(0x40, 0x80, 0, 0).u64(0n).u32(o.itt ?? NONE).u32(o.ttt ?? NONE).u32(o.cmdSN).u32(0).bytes(new Uint8Array(16)));
}

/** NOP-In: the answer to a ping (ITT, StatSN) or a target ping (ITT 0xffffffff, a TTT). */
export function nopIn(o: { itt?: number; ttt?: number; statSN: number; expCmdSN: number }): Uint8Array {
  return done(bhs(0x20, 0x80, 0, 0).u64(0n).u32(o.itt ?? NONE).u32(o.ttt ?? NONE).u32(o.statSN).u32(o.expCmdSN)
    .u32(o.expCmdSN + 16).bytes(new Uint8Array(12)));
}

/** Task Management Function Request (1 ABORT TASK, 5 LOGICAL UNIT RESET). */
export function tmf(o: { itt: number; fn: number; ref?: number; cmdSN: number }): Uint8Array {
  return done(bhs(0x42, 0x80 | o.fn, 0, 0).u64(LUN1).u32(o.itt).u32(o.ref ?? NONE).u32(o.cmdSN).u32(0)
    .u32(0).u32(0).bytes(new Uint8Array(8)));
}

export function tmfRsp(o: { itt: number; response: number; statSN: number; expCmdSN: number }): Uint8Array {
  return done(bhs(0x22, 0x80, o.response << 8, 0).u64(0n).u32(o.itt).u32(0).u32(o.statSN).u32(o.expCmdSN)
    .u32(o.expCmdSN + 16).bytes(new Uint8Array(12)));
}

export function logoutReq(o: { itt: number; cmdSN: number; reason?: number }): Uint8Array {
  return done(bhs(0x46, 0x80 | (o.reason ?? 0), 0, 0).u64(0n).u32(o.itt).u16(0).u16(0).u32(o.cmdSN).u32(0).bytes(new Uint8Array(16)));
}

export function logoutRsp(o: { itt: number; statSN: number; expCmdSN: number; response?: number }): Uint8Array {
  return done(bhs(0x26, 0x80, (o.response ?? 0) << 8, 0).u64(0n).u32(o.itt).u32(0).u32(o.statSN).u32(o.expCmdSN)
    .u32(o.expCmdSN + 16).u32(0).u16(2).u16(20).u32(0));
}

/** Asynchronous Message (event 1 logout request, 2 drop connection, 3 drop all). */
export function asyncMsg(o: { event: number; statSN: number; expCmdSN: number; p1?: number; p2?: number; p3?: number }): Uint8Array {
  return done(bhs(0x32, 0x80, 0, 0).u64(0n).u32(NONE).u32(0).u32(o.statSN).u32(o.expCmdSN).u32(o.expCmdSN + 16)
    .u8(o.event).u8(0).u16(o.p1 ?? 0).u16(o.p2 ?? 2).u16(o.p3 ?? 20).u32(0));
}

/** Reject of `rejected` (its BHS goes in the data segment). */
export function reject(o: { reason: number; statSN: number; expCmdSN: number; rejected: Uint8Array }): Uint8Array {
  return done(bhs(0x3f, 0x80, o.reason << 8, 48).u64(0n).u32(NONE).u32(0).u32(o.statSN).u32(o.expCmdSN)
    .u32(o.expCmdSN + 16).u32(0).u32(0).u32(0), o.rejected.subarray(0, 48));
}

/** SNACK Request (type 0, Data/R2T). */
export function snack(o: { itt: number; begRun: number; runLength: number }): Uint8Array {
  return done(bhs(0x10, 0x80, 0, 0).u64(LUN1).u32(o.itt).u32(NONE).u32(0).u32(0).u32(0).u32(0).u32(o.begRun).u32(o.runLength));
}

/** One probe the replay fired. */
export interface Fired {
  key: ProbeKey;
  args: Record<string, unknown>;
}

export interface Replayed {
  fired: Fired[];
  stats: ReplayStats;
  summary: CaptureSummary;
  /** The fired probes of one key. */
  of(key: ProbeKey): Array<Record<string, unknown>>;
  /** "from->to rfc" of every transition of a machine, in order. */
  moves(machine: "conn" | "session" | "task"): string[];
}

/** Replay the flows' frames (merged in time order) and keep every probe fired. */
export function replay(...flows: Flow[]): Replayed {
  const recs: Rec[] = flows.flatMap((f) => f.recs).sort((a, b) => a.sec - b.sec || a.nsec - b.nsec);
  const bus = new ProbeBus();
  const fired: Fired[] = [];
  bus.subscribe("iscsi:pcap::", (a: AnyProbeArgs, p) => fired.push({ key: p.key, args: a as unknown as Record<string, unknown> }));
  const r = new Replay(bus);
  const summary = decodeCaptureBytes(pcapFile(recs), (e) => r.push(e), { name: "synthetic.pcap" });
  const stats = r.finish();
  return {
    fired, stats, summary,
    of: (key) => fired.filter((f) => f.key === key).map((f) => f.args),
    moves: (m) => fired.filter((f) => f.key === `${m}:state-change`).map((f) => `${f.args.from}->${f.args.to} ${f.args.rfc}`),
  };
}

/** A flow already logged in: handshake, a one-round login of `kv`, the final response. */
export function loggedIn(o: { start?: number; iport?: number; isid?: number; kv?: string; rspKv?: string; cid?: number; tsih?: number } = {}): Flow {
  const f = new Flow({ start: o.start ?? 1_700_000_000, iport: o.iport ?? 49152 });
  f.handshake();
  f.send("i", loginReq({ isid: o.isid, cid: o.cid, kv: o.kv ?? "InitiatorName=iqn.2024-01.test:i|TargetName=iqn.2024-01.test:t|SessionType=Normal" }));
  f.send("t", loginRsp({ isid: o.isid, tsih: o.tsih, kv: o.rspKv }));
  return f;
}
