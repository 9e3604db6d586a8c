/**
 * TCP connections by 4-tuple (RFC 9293): each segment goes to its connection and direction;
 * SYN, FIN and RST become control events; a new SYN on a closed or already-running 4-tuple
 * starts a new connection (port reuse); duplicate ACKs and zero windows are noticed here,
 * where both directions are at hand. What the bytes mean is the business of the
 * {@link ConnectionApp} a factory attaches (the iSCSI layer); a connection it declines is
 * only counted.
 */
import { ipDestination, ipSource, type IpPayload } from "./ip.js";
import { TcpDirection, type StreamLimits } from "./tcp-stream.js";
import type { Frame, GapReason, TroubleKind } from "./types.js";

/** TCP header flag bits (RFC 9293 §3.1). */
export const TCP_FLAG = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10 } as const;

/** A parsed TCP header and its payload. */
export interface TcpSegment {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  payload: Uint8Array;
  /** Payload bytes on the wire that the snapshot length cut off. */
  missing: number;
}

/**
 * Parse the TCP header of `ip` (RFC 9293 §3.1), or say why it cannot be.
 *
 * @example
 * const s = parseTcp(ip);
 * if (typeof s === "string") warn(s);
 */
export function parseTcp(ip: IpPayload): TcpSegment | string {
  const b = ip.payload;
  if (b.length < 20) return "TCP header cut short";
  const doff = (b[12] >> 4) * 4;
  if (doff < 20) return `TCP data offset ${doff} below 20`;
  if (doff > b.length) return ip.wireLength >= doff ? "TCP options cut short" : `TCP data offset ${doff} past the segment`;
  const payload = b.subarray(doff);
  return {
    srcPort: (b[0] << 8) | b[1], dstPort: (b[2] << 8) | b[3],
    seq: ((b[4] << 24) | (b[5] << 16) | (b[6] << 8) | b[7]) >>> 0,
    ack: ((b[8] << 24) | (b[9] << 16) | (b[10] << 8) | b[11]) >>> 0,
    flags: b[13], window: (b[14] << 8) | b[15],
    payload, missing: Math.max(0, ip.wireLength - doff - payload.length),
  };
}

/** 0: the side that sent the connection's first segment (the SYN when it was captured); 1: the other. */
export type Side = 0 | 1;

/** What a connection's bytes are handed to. */
export interface ConnectionApp {
  data(side: Side, offset: number, bytes: Uint8Array, frame: Frame): void;
  gap(side: Side, offset: number, length: number, reason: GapReason, frame: Frame): void;
  control(side: Side, flag: "syn" | "syn-ack" | "fin" | "rst", frame: Frame): void;
  trouble(side: Side, kind: TroubleKind, offset: number, length: number, frame: Frame): void;
  /** This direction's stream ended: FIN reached, RST, or the capture ended. */
  end(side: Side, why: "fin" | "rst" | "capture-end", frame: Frame): void;
  /** True once the app wants no more bytes (not iSCSI after all). */
  readonly declined: boolean;
}

/** Decides, at a connection's first segment, whether anyone wants its bytes. */
export type AppFactory = (conn: TcpConnection, frame: Frame) => ConnectionApp | undefined;

/**
 * One TCP connection: two directions, its control segments, the app that reads it.
 *
 * @example
 * const c = new TcpConnection({ key, ep: [a, b], addr: [src, dst], port: [sp, dp], syn: true, frame: 1 }, limits);
 * c.app = new IscsiConnection(ctx, c, 1, frame);
 * c.segment(0, seg, frame);
 */
export class TcpConnection {
  readonly key: string;
  /** Endpoint keys, addresses and ports of side 0 and side 1. */
  readonly ep: readonly [string, string];
  readonly addr: readonly [Uint8Array, Uint8Array];
  readonly port: readonly [number, number];
  readonly dir: readonly [TcpDirection, TcpDirection];
  /** The first segment seen was a SYN without ACK. */
  readonly startedWithSyn: boolean;
  readonly firstFrame: number;
  app: ConnectionApp | undefined;
  closed = false;
  readonly #ended: [boolean, boolean] = [false, false];
  readonly #lastAck: [number, number] = [-1, -1];
  readonly #lastWin: [number, number] = [-1, -1];

  constructor(init: { key: string; ep: [string, string]; addr: [Uint8Array, Uint8Array]; port: [number, number]; syn: boolean; frame: number }, limits: StreamLimits) {
    this.key = init.key;
    this.ep = init.ep;
    this.addr = init.addr;
    this.port = init.port;
    this.startedWithSyn = init.syn;
    this.firstFrame = init.frame;
    const sink = (side: Side): TcpDirection => new TcpDirection(limits, {
      data: (o, b, f) => this.app?.data(side, o, b, f),
      gap: (o, l, r, f) => this.app?.gap(side, o, l, r, f),
    }, (k, o, l, f) => this.app?.trouble(side, k, o, l, f));
    this.dir = [sink(0), sink(1)];
  }

  /** A segment from `side`. */
  segment(side: Side, s: TcpSegment, frame: Frame): void {
    const app = this.app;
    if (app === undefined || this.closed) return;
    const d = this.dir[side];
    let seq = s.seq;
    if (s.flags & TCP_FLAG.SYN) {
      if (d.synSeen && d.isn === s.seq) app.trouble(side, "retransmission", 0, 0, frame);
      else {
        d.syn(s.seq);
        app.control(side, s.flags & TCP_FLAG.ACK ? "syn-ack" : "syn", frame);
      }
      seq = (seq + 1) >>> 0;
    }
    if (s.flags & TCP_FLAG.RST) return this.#reset(side, frame);
    if (s.flags & TCP_FLAG.ACK) this.#ack(side, s, frame);
    d.segment(seq, s.payload, s.missing, frame);
    if (s.flags & TCP_FLAG.FIN) {
      if (d.finOffset >= 0) app.trouble(side, "retransmission", d.finOffset, 0, frame);
      else {
        d.fin(seq, s.payload.length + s.missing);
        app.control(side, "fin", frame);
      }
    }
    for (const x of [0, 1] as const) {
      if (!this.#ended[x] && this.dir[x].finished) this.#end(x, "fin", frame);
    }
    if (this.#ended[0] && this.#ended[1]) this.close();
    else if (app.declined) this.close();
  }

  /** End both directions (capture over or connection forgotten). */
  finish(frame: Frame): void {
    if (this.closed) return;
    for (const x of [0, 1] as const) {
      if (this.#ended[x]) continue;
      this.dir[x].flush(frame);
      this.#end(x, "capture-end", frame);
    }
    this.close();
  }

  /** Release buffers; later segments of this 4-tuple, other than a new SYN, are ignored. */
  close(): void {
    this.closed = true;
    this.dir[0].release();
    this.dir[1].release();
  }

  #ack(side: Side, s: TcpSegment, frame: Frame): void {
    const app = this.app!;
    const peer = this.dir[side === 0 ? 1 : 0];
    peer.ack(s.ack, frame);
    const control = s.flags & (TCP_FLAG.SYN | TCP_FLAG.FIN | TCP_FLAG.RST);
    if (s.window === 0 && !control) app.trouble(side, "zero-window", this.dir[side].nextOffset, 0, frame);
    const pure = s.payload.length + s.missing === 0 && !control;
    // Wireshark's rule, plus: there must be data beyond the ACK for it to be a duplicate.
    if (pure && s.ack === this.#lastAck[side] && s.window === this.#lastWin[side] && s.window !== 0
      && peer.started && peer.highest > peer.offsetOf(s.ack)) {
      app.trouble(side, "duplicate-ack", peer.offsetOf(s.ack), 0, frame);
    }
    this.#lastAck[side] = s.ack;
    this.#lastWin[side] = s.window;
  }

  #reset(side: Side, frame: Frame): void {
    this.app!.control(side, "rst", frame);
    for (const x of [0, 1] as const) {
      if (this.#ended[x]) continue;
      this.dir[x].flush(frame);
      this.#end(x, "rst", frame);
    }
    this.close();
  }

  #end(side: Side, why: "fin" | "rst" | "capture-end", frame: Frame): void {
    this.#ended[side] = true;
    this.app?.end(side, why, frame);
  }
}

/**
 * The connection table.
 *
 * @example
 * const t = new TcpTracker(limits, 65536, (conn) => isIscsiPort(conn) ? new IscsiApp(conn) : undefined);
 * t.segment(ip, seg, frame);
 * t.finish(lastFrame);
 */
export class TcpTracker {
  /** Connections seen (port reuse counts anew). */
  count = 0;
  readonly #table = new Map<string, TcpConnection>();
  readonly #limits: StreamLimits;
  readonly #max: number;
  readonly #factory: AppFactory;
  /** The last segment's IPv4 4-tuple and connection (see #lastHit). */
  #last: { a: number; b: number; ap: number; bp: number; side: Side; conn: TcpConnection } | undefined;

  constructor(limits: StreamLimits, maxConnections: number, factory: AppFactory) {
    this.#limits = limits;
    this.#max = Math.max(1, maxConnections);
    this.#factory = factory;
  }

  segment(ip: IpPayload, s: TcpSegment, frame: Frame): void {
    const pureSyn = (s.flags & (TCP_FLAG.SYN | TCP_FLAG.ACK)) === TCP_FLAG.SYN;
    const hit = pureSyn ? -1 : this.#lastHit(ip, s);
    if (hit >= 0) return this.#last!.conn.segment(hit as Side, s, frame);
    const a = endpointKey(ipSource(ip), s.srcPort);
    const b = endpointKey(ipDestination(ip), s.dstPort);
    const key = a < b ? `${a}|${b}` : `${b}|${a}`;
    let c = this.#table.get(key);
    if (c !== undefined && pureSyn && isNewSyn(c, a, s.seq)) {
      c.finish(frame);
      this.#table.delete(key);
      c = undefined;
    }
    if (c === undefined) c = this.#create(key, a, b, ip, s, frame);
    const side: Side = a === c.ep[0] ? 0 : 1;
    this.#remember(ip, s, c, side);
    c.segment(side, s, frame);
  }

  /**
   * Consecutive segments mostly belong to one connection: an IPv4 4-tuple equal to the last
   * one's (either way round) skips building the table key. The side, or -1 on a miss.
   */
  #lastHit(ip: IpPayload, s: TcpSegment): number {
    const l = this.#last;
    if (l === undefined || ip.addrLength !== 4) return -1;
    const src = u32(ip.addr, ip.addrAt);
    const dst = u32(ip.addr, ip.addrAt + 4);
    if (src === l.a && dst === l.b && s.srcPort === l.ap && s.dstPort === l.bp) return l.side;
    if (src === l.b && dst === l.a && s.srcPort === l.bp && s.dstPort === l.ap) return 1 - l.side;
    return -1;
  }

  #remember(ip: IpPayload, s: TcpSegment, conn: TcpConnection, side: Side): void {
    this.#last = ip.addrLength === 4 ? { a: u32(ip.addr, ip.addrAt), b: u32(ip.addr, ip.addrAt + 4), ap: s.srcPort, bp: s.dstPort, side, conn } : undefined;
  }

  /** The capture ended: flush every connection still open. */
  finish(frame: Frame): void {
    for (const c of this.#table.values()) c.finish(frame);
  }

  #create(key: string, a: string, b: string, ip: IpPayload, s: TcpSegment, frame: Frame): TcpConnection {
    if (this.#table.size >= this.#max) this.#evict(frame);
    const syn = (s.flags & (TCP_FLAG.SYN | TCP_FLAG.ACK)) === TCP_FLAG.SYN;
    const c = new TcpConnection({
      key, ep: [a, b], addr: [ipSource(ip).slice(), ipDestination(ip).slice()], port: [s.srcPort, s.dstPort], syn, frame: frame.number,
    }, this.#limits);
    this.count++;
    this.#table.set(key, c);
    c.app = this.#factory(c, frame);
    if (c.app === undefined) c.close();
    return c;
  }

  /** Forget closed connections; if none, the oldest one. */
  #evict(frame: Frame): void {
    this.#last = undefined;
    for (const [k, c] of this.#table) if (c.closed) this.#table.delete(k);
    if (this.#table.size < this.#max) return;
    const [k, c] = this.#table.entries().next().value as [string, TcpConnection];
    c.finish(frame);
    this.#table.delete(k);
  }
}

/** A SYN on a known 4-tuple opens a new connection unless it repeats the SYN we have. */
function isNewSyn(c: TcpConnection, src: string, seq: number): boolean {
  if (c.closed) return true;
  const d = c.dir[src === c.ep[0] ? 0 : 1];
  return !(d.synSeen && d.isn === seq);
}

function u32(a: Uint8Array, o = 0): number {
  return ((a[o] << 24) | (a[o + 1] << 16) | (a[o + 2] << 8) | a[o + 3]) >>> 0;
}

function endpointKey(addr: Uint8Array, port: number): string {
  if (addr.length === 4) return `${u32(addr)}:${port}`;
  return `${Buffer.from(addr.buffer, addr.byteOffset, addr.length).toString("hex")}:${port}`;
}
