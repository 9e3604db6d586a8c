/**
 * iSCSI PDUs as bytes for the capture tests, built field by field with the independent
 * PduBuilder (test/helpers/pdu-builder.ts), never by src/wire's encoder (STYLE.md §10), and
 * a TCP conversation that carries them (sequence numbers, ACKs, SYN/FIN/RST).
 */
import { concat } from "../helpers/hex.js";
import { crc32cRef, PduBuilder } from "../helpers/pdu-builder.js";
import { ethernet, ipv4, ipv6, TCP, tcp, type Rec } from "./builder.js";

const LUN1 = 1n << 48n;
const text = (s: string): Uint8Array => new TextEncoder().encode(s.split("|").map((kv) => `${kv}\0`).join(""));

/** BHS common part: opcode byte, flags, bytes 2-3, TotalAHSLength 0, DataSegmentLength. */
function bhs(opcode: number, flags: number, b23: number, dsl: number): PduBuilder {
  return new PduBuilder().u8(opcode).u8(flags).u16(b23).u8(0).u24(dsl);
}

function withData(b: PduBuilder, data: Uint8Array): Uint8Array {
  return b.bytes(data).pad4().build();
}

/** Login Request (RFC 7143 §11.12); `kv` is "Key=Value|Key=Value". */
export function loginRequest(o: { itt: number; cmdSN: number; expStatSN: number; csg?: number; nsg?: number; transit?: boolean; kv?: string }): Uint8Array {
  const data = text(o.kv ?? "InitiatorName=iqn.2024-01.test:i|SessionType=Normal");
  const flags = (o.transit ?? true ? 0x80 : 0) | ((o.csg ?? 1) << 2) | (o.nsg ?? 3);
  return withData(bhs(0x43, flags, 0, data.length).u8(0x80).u8(0x12).u16(0x3456).u8(0).u8(1).u16(0)
    .u32(o.itt).u16(0).u16(0).u32(o.cmdSN).u32(o.expStatSN).bytes(new Uint8Array(16)), data);
}

/** Login Response (RFC 7143 §11.13). */
export function loginResponse(o: { itt: number; statSN: number; expCmdSN: number; csg?: number; nsg?: number; transit?: boolean; status?: number; kv?: string }): Uint8Array {
  const data = text(o.kv ?? "TargetPortalGroupTag=1");
  const flags = (o.transit ?? true ? 0x80 : 0) | ((o.csg ?? 1) << 2) | (o.nsg ?? 3);
  return withData(bhs(0x23, flags, 0, data.length).u8(0x80).u8(0x12).u16(0x3456).u8(0).u8(1).u16(7)
    .u32(o.itt).u32(0).u32(o.statSN).u32(o.expCmdSN).u32(o.expCmdSN + 16).u16(o.status ?? 0).bytes(new Uint8Array(10)), data);
}

/** SCSI Command (§11.3) for LUN 1: READ(10) of `blocks` 512-byte blocks, or a WRITE(10) with immediate `data`. */
export function scsiCommand(o: { itt: number; cmdSN: number; expStatSN: number; read?: number; write?: Uint8Array; edtl?: number }): Uint8Array {
  const data = o.write ?? new Uint8Array(0);
  const blocks = o.read ?? Math.ceil((o.edtl ?? data.length) / 512);
  const cdb = [o.write ? 0x2a : 0x28, 0, 0, 0, 0, 0, 0, blocks >> 8, blocks & 0xff, 0, 0, 0, 0, 0, 0, 0];
  const flags = 0x80 | (o.write ? 0x20 : 0x40) | 1;
  return withData(bhs(0x01, flags, 0, data.length).u64(LUN1).u32(o.itt).u32(o.edtl ?? blocks * 512)
    .u32(o.cmdSN).u32(o.expStatSN).bytes(cdb), data);
}

/** SCSI Response (§11.4); CHECK CONDITION when `sense` is given (with its 2-byte SenseLength). */
export function scsiResponse(o: { itt: number; statSN: number; expCmdSN: number; sense?: Uint8Array }): Uint8Array {
  const data = o.sense ? Uint8Array.from([o.sense.length >> 8, o.sense.length & 0xff, ...o.sense]) : new Uint8Array(0);
  return withData(bhs(0x21, 0x80, o.sense ? 0x0002 : 0, data.length).u64(0n).u32(o.itt).u32(0)
    .u32(o.statSN).u32(o.expCmdSN).u32(o.expCmdSN + 16).u32(0).u32(0).u32(0), data);
}

/** SCSI Data-In (§11.7.2) carrying status (S, F) unless `more`. */
export function dataIn(o: { itt: number; statSN: number; expCmdSN: number; dataSN?: number; offset?: number; data: Uint8Array; more?: boolean }): Uint8Array {
  const flags = o.more ? 0 : 0x81;
  return withData(bhs(0x25, flags, 0, o.data.length).u64(LUN1).u32(o.itt).u32(0xffffffff)
    .u32(o.statSN).u32(o.expCmdSN).u32(o.expCmdSN + 16).u32(o.dataSN ?? 0).u32(o.offset ?? 0).u32(0), o.data);
}

/** R2T (§11.8). */
export function r2t(o: { itt: number; ttt: number; statSN: number; expCmdSN: number; r2tSN: number; offset: number; length: number }): Uint8Array {
  return bhs(0x31, 0x80, 0, 0).u64(LUN1).u32(o.itt).u32(o.ttt).u32(o.statSN).u32(o.expCmdSN).u32(o.expCmdSN + 16)
    .u32(o.r2tSN).u32(o.offset).u32(o.length).build();
}

/** SCSI Data-Out (§11.7.1). */
export function dataOut(o: { itt: number; ttt: number; expStatSN: number; dataSN: number; offset: number; data: Uint8Array; final?: boolean }): Uint8Array {
  return withData(bhs(0x05, o.final ? 0x80 : 0, 0, o.data.length).u64(LUN1).u32(o.itt).u32(o.ttt).u32(0)
    .u32(o.expStatSN).u32(0).u32(o.dataSN).u32(o.offset).u32(0), o.data);
}

/** NOP-Out (§11.18): a ping with ITT, TTT 0xffffffff. */
export function nopOut(o: { itt: number; cmdSN: number; expStatSN: number; data?: Uint8Array }): Uint8Array {
  const data = o.data ?? new Uint8Array(0);
  return withData(bhs(0x40, 0x80, 0, data.length).u64(0n).u32(o.itt).u32(0xffffffff).u32(o.cmdSN).u32(o.expStatSN)
    .bytes(new Uint8Array(16)), data);
}

/** NOP-In (§11.19) answering a ping. */
export function nopIn(o: { itt: number; statSN: number; expCmdSN: number; data?: Uint8Array }): Uint8Array {
  const data = o.data ?? new Uint8Array(0);
  return withData(bhs(0x20, 0x80, 0, data.length).u64(0n).u32(o.itt).u32(0xffffffff).u32(o.statSN).u32(o.expCmdSN)
    .u32(o.expCmdSN + 16).bytes(new Uint8Array(12)), data);
}

/**
 * The same PDU with a header digest and/or a data digest inserted (CRC32C, least significant
 * byte first, RFC 7143 §13.1). `corrupt` flips the named digest.
 */
export function withDigests(pdu: Uint8Array, header: boolean, data: boolean, corrupt?: "header" | "data"): Uint8Array {
  const headerEnd = 48 + pdu[4] * 4;
  const dsl = (pdu[5] << 16) | (pdu[6] << 8) | pdu[7];
  const out = new PduBuilder().bytes(pdu.subarray(0, headerEnd));
  if (header) out.u32le((crc32cRef(pdu.subarray(0, headerEnd)) ^ (corrupt === "header" ? 1 : 0)) >>> 0);
  const body = pdu.subarray(headerEnd);
  out.bytes(body);
  if (data && dsl > 0) out.u32le((crc32cRef(body) ^ (corrupt === "data" ? 1 : 0)) >>> 0);
  return out.build();
}

/** A full login exchange (one request, one final response), with optional digest keys. */
export function login(kvDigests = ""): { request: Uint8Array; response: Uint8Array } {
  const kv = kvDigests ? `InitiatorName=iqn.2024-01.test:i|${kvDigests}` : undefined;
  return {
    request: loginRequest({ itt: 1, cmdSN: 1, expStatSN: 0, kv }),
    response: loginResponse({ itt: 1, statSN: 0, expCmdSN: 1, kv: kvDigests ? `TargetPortalGroupTag=1|${kvDigests}` : undefined }),
  };
}

/** A TCP conversation between an initiator (client, "i") and a target (server, "t"). */
export class Flow {
  readonly recs: Rec[] = [];
  readonly next = { i: 0, t: 0 };
  #ns = 0n;
  readonly #o: Required<FlowOptions>;

  constructor(o: FlowOptions = {}) {
    this.#o = {
      v6: o.v6 ?? false, iport: o.iport ?? 49152, tport: o.tport ?? 3260, isn: o.isn ?? { i: 1000, t: 5000 },
      link: o.link ?? ((ip, v6) => ethernet(ip, v6)), start: o.start ?? 1_700_000_000, stepNs: o.stepNs ?? 100_000n,
      tcpOptions: o.tcpOptions ?? false,
    };
    this.next.i = this.#o.isn.i;
    this.next.t = this.#o.isn.t;
  }

  /** SYN, SYN-ACK, ACK. */
  handshake(): this {
    this.segment("i", TCP.SYN, new Uint8Array(0), { ack: false });
    this.segment("t", TCP.SYN | TCP.ACK, new Uint8Array(0));
    return this.segment("i", TCP.ACK, new Uint8Array(0));
  }

  /** `bytes` from one side in segments of at most `mss` bytes (or cut at `cuts`). */
  send(from: "i" | "t", bytes: Uint8Array, mss = 1448): this {
    for (let o = 0; o < bytes.length; o += mss) this.segment(from, TCP.ACK | TCP.PSH, bytes.subarray(o, o + mss));
    return this;
  }

  /** A pure ACK. */
  ack(from: "i" | "t"): this {
    return this.segment(from, TCP.ACK, new Uint8Array(0));
  }

  fin(from: "i" | "t"): this {
    return this.segment(from, TCP.FIN | TCP.ACK, new Uint8Array(0));
  }

  rst(from: "i" | "t"): this {
    return this.segment(from, TCP.RST | TCP.ACK, new Uint8Array(0));
  }

  /**
   * One segment. The sender's sequence number advances by the payload (and SYN/FIN) unless
   * `seq` places it elsewhere (a retransmission, an overlap).
   */
  segment(from: "i" | "t", flags: number, payload: Uint8Array, o: { seq?: number; ack?: boolean; window?: number } = {}): this {
    const to = from === "i" ? "t" : "i";
    const seq = o.seq ?? this.next[from];
    const t = tcp({
      sport: from === "i" ? this.#o.iport : this.#o.tport, dport: from === "i" ? this.#o.tport : this.#o.iport,
      seq: seq >>> 0, ack: o.ack === false ? 0 : this.next[to] >>> 0, flags, window: o.window, payload,
    }, this.#o.tcpOptions);
    const v4 = { src: [127, 0, 0, from === "i" ? 2 : 1], dst: [127, 0, 0, from === "i" ? 1 : 2] };
    const ip = this.#o.v6 ? ipv6(t) : ipv4(t, v4);
    this.#ns += this.#o.stepNs;
    const ns = BigInt(this.#o.start) * 1_000_000_000n + this.#ns;
    this.recs.push({ sec: Number(ns / 1_000_000_000n), nsec: Number(ns % 1_000_000_000n), data: this.#o.link(ip, this.#o.v6) });
    if (o.seq === undefined) this.next[from] = (seq + payload.length + (flags & (TCP.SYN | TCP.FIN) ? 1 : 0)) >>> 0;
    return this;
  }
}

export interface FlowOptions {
  v6?: boolean;
  iport?: number;
  tport?: number;
  isn?: { i: number; t: number };
  link?: (ip: Uint8Array, v6: boolean) => Uint8Array;
  start?: number;
  stepNs?: bigint;
  tcpOptions?: boolean;
}

/** Concatenate byte arrays. */
export function cat(...parts: Uint8Array[]): Uint8Array {
  return concat(parts);
}
