/**
 * Synthetic captures: TCP conversations between loopback addresses written as a classic
 * pcap file (little-endian, microsecond timestamps, LINKTYPE_ETHERNET), so that tshark and
 * our own capture decoder can be fed PDUs of any opcode, split or coalesced at will.
 *
 * Each flow is a three-way handshake, the messages cut into TCP segments of at most `mss`
 * payload bytes (and at the offsets a message asks for), a pure ACK from the peer after
 * each message when the peer has nothing to send next, then a FIN exchange, a RST or no
 * close at all. Sequence and acknowledgement numbers, IPv4 header checksums and TCP
 * checksums are all correct (RFC 791 §3.1, RFC 9293 §3.1, RFC 8200 §8.1 for IPv6).
 */
import { writeFile } from "node:fs/promises";

/** One application message (for iSCSI: one or more PDUs, concatenated) from one side. */
export interface PcapMessage {
  from: "initiator" | "target";
  bytes: Uint8Array;
  /** Time of the message's first segment, seconds since the epoch (kept to the µs). */
  time?: number;
  /** Offsets in `bytes` where a new TCP segment must start (segments still obey `mss`). */
  splitAt?: number[];
}

/** How a flow ends: both sides send FIN, the closer sends RST, or the capture just stops. */
export type PcapClose = "fin" | "rst" | "none";

/** A flow with its own options; a bare array of messages takes every default. */
export interface PcapFlowOptions {
  messages: PcapMessage[];
  /** Default 49152 + the flow's index. */
  initiatorPort?: number;
  /** Default `opts.targetPort`, itself 3260 by default. */
  targetPort?: number;
  /** Default "fin". */
  close?: PcapClose;
  /** Which side closes first. Default "initiator". */
  closedBy?: "initiator" | "target";
  /** Initial sequence numbers; defaults differ per flow. */
  isn?: { initiator: number; target: number };
}

export type PcapFlow = PcapMessage[] | PcapFlowOptions;

/** Options of the whole capture. */
export interface PcapOptions {
  /** Largest TCP payload per segment. Default 1448. */
  mss?: number;
  /** ::1 instead of 127.0.0.1. Default false. */
  ipv6?: boolean;
  /** Default 3260. */
  targetPort?: number;
  /** Time of the first packet, seconds since the epoch. Default 1700000000. */
  startTime?: number;
  /** Gap between packets that have no explicit time, in µs. Default 100. */
  stepMicros?: number;
}

interface Packet { micros: bigint; frame: Uint8Array }
interface Side { port: number; seq: number }
interface Conv { opts: Required<PcapOptions>; ini: Side; tgt: Side; packets: Packet[]; clock: Clock; ipId: number }
interface Clock { micros: bigint; step: bigint }
interface Segment { from: Side; to: Side; flags: number; payload: Uint8Array; options?: Uint8Array }

const TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_RST = 0x04, TCP_PSH = 0x08, TCP_ACK = 0x10;
const ETH_HEADER = 14, IPV4_HEADER = 20, IPV6_HEADER = 40, TCP_HEADER = 20;
const LINKTYPE_ETHERNET = 1;
const SNAPLEN = 262144;
const EMPTY = new Uint8Array(0);
/** Largest TCP payload in one IPv4 packet (65535 minus the IPv4 and TCP headers). */
const MAX_MSS = 65495;

/**
 * The bytes of a pcap file holding `flows`, one after the other in time.
 *
 * @example
 * const bytes = pcapBytes([[
 *   { from: "initiator", bytes: loginRequest },
 *   { from: "target", bytes: loginResponse },
 * ]], { mss: 100 });
 */
export function pcapBytes(flows: readonly PcapFlow[], opts: PcapOptions = {}): Uint8Array {
  const o: Required<PcapOptions> = {
    mss: opts.mss ?? 1448, ipv6: opts.ipv6 ?? false, targetPort: opts.targetPort ?? 3260,
    startTime: opts.startTime ?? 1_700_000_000, stepMicros: opts.stepMicros ?? 100,
  };
  if (!(o.mss > 0 && o.mss <= MAX_MSS)) throw new RangeError(`mss must be in 1..${MAX_MSS}, got ${o.mss}`);
  const clock: Clock = { micros: toMicros(o.startTime), step: BigInt(o.stepMicros) };
  const packets: Packet[] = [];
  flows.forEach((f, i) => packets.push(...flowPackets(Array.isArray(f) ? { messages: f } : f, i, o, clock)));
  return serialize(packets);
}

/**
 * Write {@link pcapBytes} to `file`.
 *
 * @example
 * await writePcap(join(dir, "login.pcap"), [[{ from: "initiator", bytes: encodePdu(login) }]]);
 */
export async function writePcap(file: string, flows: readonly PcapFlow[], opts: PcapOptions = {}): Promise<void> {
  await writeFile(file, pcapBytes(flows, opts));
}

function flowPackets(flow: PcapFlowOptions, index: number, opts: Required<PcapOptions>, clock: Clock): Packet[] {
  const isn = flow.isn ?? { initiator: 0x10000000 + index * 0x1000, target: 0x20000000 + index * 0x1000 };
  const c: Conv = {
    opts, clock, packets: [], ipId: 0,
    ini: { port: flow.initiatorPort ?? 49152 + index, seq: isn.initiator >>> 0 },
    tgt: { port: flow.targetPort ?? opts.targetPort, seq: isn.target >>> 0 },
  };
  handshake(c);
  flow.messages.forEach((m, i) => {
    const [from, to] = m.from === "initiator" ? [c.ini, c.tgt] : [c.tgt, c.ini];
    sendMessage(c, m, from, to);
    // The receiver ACKs now unless its own next message will carry the ACK.
    const next = flow.messages[i + 1];
    if (next !== undefined && next.from !== m.from) return;
    emit(c, { from: to, to: from, flags: TCP_ACK, payload: EMPTY });
  });
  close(c, flow.close ?? "fin", (flow.closedBy ?? "initiator") === "initiator");
  return c.packets;
}

function handshake(c: Conv): void {
  const mssOption = new Uint8Array([2, 4, c.opts.mss >>> 8, c.opts.mss & 0xff]); // RFC 9293 §3.2 MSS
  emit(c, { from: c.ini, to: c.tgt, flags: TCP_SYN, payload: EMPTY, options: mssOption });
  emit(c, { from: c.tgt, to: c.ini, flags: TCP_SYN | TCP_ACK, payload: EMPTY, options: mssOption });
  emit(c, { from: c.ini, to: c.tgt, flags: TCP_ACK, payload: EMPTY });
}

/** The message as segments: cut at `splitAt`, then at most `mss` bytes each; PSH on the last. */
function sendMessage(c: Conv, m: PcapMessage, from: Side, to: Side): void {
  const cuts = [...new Set([0, ...(m.splitAt ?? []), m.bytes.length])]
    .filter((x) => x >= 0 && x <= m.bytes.length).sort((a, b) => a - b);
  let tick = true;
  if (m.time !== undefined) {
    setTime(c.clock, m.time);
    tick = false;
  }
  for (let i = 0; i + 1 < cuts.length; i++) {
    for (let o = cuts[i]; o < cuts[i + 1]; o += c.opts.mss) {
      const end = Math.min(o + c.opts.mss, cuts[i + 1]);
      const flags = TCP_ACK | (end === m.bytes.length ? TCP_PSH : 0);
      emit(c, { from, to, flags, payload: m.bytes.subarray(o, end) }, tick);
      tick = true;
    }
  }
}

function close(c: Conv, how: PcapClose, byInitiator: boolean): void {
  const [a, b] = byInitiator ? [c.ini, c.tgt] : [c.tgt, c.ini];
  if (how === "rst") emit(c, { from: a, to: b, flags: TCP_RST | TCP_ACK, payload: EMPTY });
  if (how !== "fin") return;
  emit(c, { from: a, to: b, flags: TCP_FIN | TCP_ACK, payload: EMPTY });
  emit(c, { from: b, to: a, flags: TCP_FIN | TCP_ACK, payload: EMPTY });
  emit(c, { from: a, to: b, flags: TCP_ACK, payload: EMPTY });
}

/** Append one segment, advancing the sender's sequence number (SYN and FIN count as one). */
function emit(c: Conv, s: Segment, tick = true): void {
  if (tick) c.clock.micros += c.clock.step;
  c.ipId = (c.ipId + 1) & 0xffff;
  c.packets.push({ micros: c.clock.micros, frame: frame(c.opts.ipv6, c.ipId, s) });
  s.from.seq = (s.from.seq + s.payload.length + (s.flags & (TCP_SYN | TCP_FIN) ? 1 : 0)) >>> 0;
}

function setTime(clock: Clock, seconds: number): void {
  const t = toMicros(seconds);
  if (t < clock.micros) throw new RangeError(`message time ${seconds} is before the previous packet`);
  clock.micros = t;
}

function toMicros(seconds: number): bigint {
  return BigInt(Math.round(seconds * 1e6));
}

/** Ethernet (zero MACs, as on `lo`) + IPv4 or IPv6 + TCP. */
function frame(ipv6: boolean, ipId: number, s: Segment): Uint8Array {
  const ipHeader = ipv6 ? IPV6_HEADER : IPV4_HEADER;
  const tcp = tcpSegment(s);
  const f = new Uint8Array(ETH_HEADER + ipHeader + tcp.length);
  const v = new DataView(f.buffer);
  v.setUint16(12, ipv6 ? 0x86dd : 0x0800);
  if (ipv6) ipv6Header(v, ETH_HEADER, tcp.length);
  else ipv4Header(v, ETH_HEADER, tcp.length, ipId);
  f.set(tcp, ETH_HEADER + ipHeader);
  const src = f.subarray(ETH_HEADER + (ipv6 ? 8 : 12), ETH_HEADER + (ipv6 ? 40 : 20));
  const pseudo = pseudoHeaderSum(src, tcp.length);
  new DataView(f.buffer, ETH_HEADER + ipHeader).setUint16(16, finish(sum16(tcp, pseudo)));
  return f;
}

/** RFC 791 §3.1; DF set, TTL 64, 127.0.0.1 both ways. */
function ipv4Header(v: DataView, o: number, payload: number, ipId: number): void {
  v.setUint8(o, 0x45);
  v.setUint16(o + 2, IPV4_HEADER + payload);
  v.setUint16(o + 4, ipId);
  v.setUint16(o + 6, 0x4000);
  v.setUint8(o + 8, 64);
  v.setUint8(o + 9, 6);
  v.setUint32(o + 12, 0x7f000001);
  v.setUint32(o + 16, 0x7f000001);
  const bytes = new Uint8Array(v.buffer, o, IPV4_HEADER);
  v.setUint16(o + 10, finish(sum16(bytes, 0)));
}

/** RFC 8200 §3; hop limit 64, ::1 both ways. */
function ipv6Header(v: DataView, o: number, payload: number): void {
  v.setUint32(o, 0x60000000);
  v.setUint16(o + 4, payload);
  v.setUint8(o + 6, 6);
  v.setUint8(o + 7, 64);
  v.setUint8(o + 23, 1);
  v.setUint8(o + 39, 1);
}

/** The TCP header (checksum left zero) and payload. */
function tcpSegment(s: Segment): Uint8Array {
  const opt = s.options ?? EMPTY;
  const b = new Uint8Array(TCP_HEADER + opt.length + s.payload.length);
  const v = new DataView(b.buffer);
  v.setUint16(0, s.from.port);
  v.setUint16(2, s.to.port);
  v.setUint32(4, s.from.seq);
  v.setUint32(8, s.flags & TCP_ACK ? s.to.seq : 0);
  v.setUint8(12, ((TCP_HEADER + opt.length) / 4) << 4);
  v.setUint8(13, s.flags);
  v.setUint16(14, 65535);
  b.set(opt, TCP_HEADER);
  b.set(s.payload, TCP_HEADER + opt.length);
  return b;
}

/** Sum of the pseudo-header: source and destination (adjacent in both IP headers), protocol, length. */
function pseudoHeaderSum(addresses: Uint8Array, tcpLength: number): number {
  return sum16(addresses, 6 + tcpLength);
}

/** One's-complement sum of 16-bit big-endian words (RFC 1071), an odd last byte padded with zero. */
function sum16(b: Uint8Array, initial: number): number {
  let s = initial;
  for (let i = 0; i + 1 < b.length; i += 2) s += (b[i] << 8) | b[i + 1];
  if (b.length % 2 === 1) s += b[b.length - 1] << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

function finish(sum: number): number {
  return ~sum & 0xffff;
}

/** Global header and records, little-endian (magic a1b2c3d4, version 2.4). */
function serialize(packets: readonly Packet[]): Uint8Array {
  const total = 24 + packets.reduce((n, p) => n + 16 + p.frame.length, 0);
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  v.setUint32(0, 0xa1b2c3d4, true);
  v.setUint16(4, 2, true);
  v.setUint16(6, 4, true);
  v.setUint32(16, SNAPLEN, true);
  v.setUint32(20, LINKTYPE_ETHERNET, true);
  let o = 24;
  for (const p of packets) {
    v.setUint32(o, Number(p.micros / 1_000_000n), true);
    v.setUint32(o + 4, Number(p.micros % 1_000_000n), true);
    v.setUint32(o + 8, p.frame.length, true);
    v.setUint32(o + 12, p.frame.length, true);
    out.set(p.frame, o + 16);
    o += 16 + p.frame.length;
  }
  return out;
}
