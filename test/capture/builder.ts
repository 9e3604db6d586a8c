/**
 * Capture files built byte by byte for the capture reader's tests, independently of the
 * reader: classic pcap (µs or ns, either byte order), pcapng (several interfaces with their
 * own link types, if_tsresol and if_tsoffset, either byte order, simple and obsolete packet
 * blocks, unknown blocks), link layers, IPv4/IPv6 (fragments, extension headers) and TCP.
 * Checksums are left zero: the reader does not check them (tcpdump on lo records checksums
 * the kernel never filled in).
 */

/** One record: captured bytes, time, and the interface (pcapng). */
export interface Rec {
  sec: number;
  nsec: number;
  data: Uint8Array;
  /** Length on the wire; default data.length. */
  wireLength?: number;
  iface?: number;
}

class Out {
  readonly b: number[] = [];
  constructor(readonly le: boolean) {}
  u8(x: number): this { this.b.push(x & 0xff); return this; }
  u16(x: number): this { return this.le ? this.u8(x).u8(x >>> 8) : this.u8(x >>> 8).u8(x); }
  u32(x: number): this {
    const v = x >>> 0;
    return this.le ? this.u16(v & 0xffff).u16(v >>> 16) : this.u16(v >>> 16).u16(v & 0xffff);
  }
  u64(x: bigint): this {
    const hi = Number((x >> 32n) & 0xffffffffn);
    const lo = Number(x & 0xffffffffn);
    return this.le ? this.u32(lo).u32(hi) : this.u32(hi).u32(lo);
  }
  bytes(d: ArrayLike<number>): this { for (let i = 0; i < d.length; i++) this.b.push(d[i]); return this; }
  pad4(): this { while (this.b.length % 4) this.b.push(0); return this; }
  build(): Uint8Array { return Uint8Array.from(this.b); }
}

/** A classic pcap file (libpcap 2.4). */
export function pcapFile(recs: readonly Rec[], o: { linkType?: number; nanosecond?: boolean; bigEndian?: boolean; snaplen?: number; version?: [number, number] } = {}): Uint8Array {
  const w = new Out(!o.bigEndian);
  w.u32(o.nanosecond ? 0xa1b23c4d : 0xa1b2c3d4).u16(o.version?.[0] ?? 2).u16(o.version?.[1] ?? 4).u32(0).u32(0);
  w.u32(o.snaplen ?? 262144).u32(o.linkType ?? 1);
  for (const r of recs) {
    w.u32(r.sec).u32(o.nanosecond ? r.nsec : Math.floor(r.nsec / 1000)).u32(r.data.length).u32(r.wireLength ?? r.data.length).bytes(r.data);
  }
  return w.build();
}

/** An interface of a pcapng section. `tsresol` is the raw if_tsresol byte (default: none, µs). */
export interface Iface { linkType: number; snaplen?: number; tsresol?: number; tsoffset?: bigint }

/** Options of {@link pcapngFile}. */
export interface PcapngOptions {
  bigEndian?: boolean;
  /** Put an unknown block (type 0x0badcafe) and a Name Resolution Block between packets. */
  junkBlocks?: boolean;
  /** Write records as Simple Packet Blocks (interface 0, no time) or obsolete Packet Blocks. */
  block?: "epb" | "spb" | "pb";
}

/** A pcapng file of one section. Record times are converted to each interface's resolution. */
export function pcapngFile(ifaces: readonly Iface[], recs: readonly Rec[], o: PcapngOptions = {}): Uint8Array {
  const w = new Out(!o.bigEndian);
  block(w, 0x0a0d0d0a, (b) => b.u32(0x1a2b3c4d).u16(1).u16(0).u64(-1n & 0xffffffffffffffffn));
  for (const f of ifaces) block(w, 1, (b) => interfaceBody(b, f));
  recs.forEach((r, i) => {
    if (o.junkBlocks && i === 1) {
      block(w, 0x0badcafe, (b) => b.bytes([1, 2, 3, 4, 5, 6, 7, 8]));
      block(w, 4, (b) => b.u16(0).u16(0)); // NRB with only nrb_record_end
    }
    const ticks = toTicks(r, ifaces[r.iface ?? 0] ?? ifaces[0]);
    if (o.block === "spb") block(w, 3, (b) => b.u32(r.wireLength ?? r.data.length).bytes(r.data).pad4());
    else if (o.block === "pb") block(w, 2, (b) => b.u16(r.iface ?? 0).u16(0).u32(Number(ticks >> 32n)).u32(Number(ticks & 0xffffffffn)).u32(r.data.length).u32(r.wireLength ?? r.data.length).bytes(r.data).pad4());
    else block(w, 6, (b) => b.u32(r.iface ?? 0).u32(Number(ticks >> 32n)).u32(Number(ticks & 0xffffffffn)).u32(r.data.length).u32(r.wireLength ?? r.data.length).bytes(r.data).pad4());
  });
  return w.build();
}

function interfaceBody(b: Out, f: Iface): void {
  b.u16(f.linkType).u16(0).u32(f.snaplen ?? 0);
  if (f.tsresol !== undefined) b.u16(9).u16(1).u8(f.tsresol).pad4();
  if (f.tsoffset !== undefined) b.u16(14).u16(8).u64(f.tsoffset);
  b.u16(0).u16(0);
}

function toTicks(r: Rec, f: Iface): bigint {
  const ns = (BigInt(r.sec) - (f.tsoffset ?? 0n)) * 1_000_000_000n + BigInt(r.nsec);
  const res = f.tsresol ?? 6;
  if (res & 0x80) return (ns << BigInt(res & 0x7f)) / 1_000_000_000n;
  return (ns * 10n ** BigInt(res)) / 1_000_000_000n;
}

function block(w: Out, type: number, body: (b: Out) => void): void {
  const b = new Out(w.le);
  body(b);
  const len = 12 + b.b.length;
  w.u32(type).u32(len).bytes(b.b).u32(len);
}

// ---- link layers --------------------------------------------------------------------------

/** Ethernet II, with 802.1Q/802.1ad tags given outermost first as [TPID, TCI]. */
export function ethernet(ip: Uint8Array, v6: boolean, tags: Array<[number, number]> = []): Uint8Array {
  const w = new Out(false).bytes(new Uint8Array(12));
  for (const [tpid, tci] of tags) w.u16(tpid).u16(tci);
  return w.u16(v6 ? 0x86dd : 0x0800).bytes(ip).build();
}

/** Linux cooked v1: packet type, ARPHRD, address length and 8 address bytes, protocol. */
export function sll(ip: Uint8Array, v6: boolean): Uint8Array {
  return new Out(false).u16(0).u16(772).u16(6).bytes(new Uint8Array(8)).u16(v6 ? 0x86dd : 0x0800).bytes(ip).build();
}

/** Linux cooked v2: protocol, reserved, interface index, ARPHRD, packet type, address length, 8 address bytes. */
export function sll2(ip: Uint8Array, v6: boolean): Uint8Array {
  return new Out(false).u16(v6 ? 0x86dd : 0x0800).u16(0).u32(1).u16(772).u8(0).u8(6).bytes(new Uint8Array(8)).bytes(ip).build();
}

/** BSD loopback (LINKTYPE_NULL): the family in the writer's byte order. */
export function nullLink(ip: Uint8Array, family: number, bigEndian: boolean): Uint8Array {
  return new Out(!bigEndian).u32(family).bytes(ip).build();
}

/** OpenBSD loopback (LINKTYPE_LOOP): the family in network byte order. */
export function loopLink(ip: Uint8Array, family: number): Uint8Array {
  return new Out(false).u32(family).bytes(ip).build();
}

// ---- IP and TCP ---------------------------------------------------------------------------

export interface Ipv4Options { src?: number[]; dst?: number[]; id?: number; proto?: number; offset?: number; more?: boolean; totalLength?: number }

/** IPv4 header (no options) + payload. */
export function ipv4(payload: Uint8Array, o: Ipv4Options = {}): Uint8Array {
  const frag = ((o.more ? 0x2000 : 0) | ((o.offset ?? 0) / 8)) & 0xffff;
  return new Out(false).u8(0x45).u8(0).u16(o.totalLength ?? 20 + payload.length).u16(o.id ?? 1).u16(frag)
    .u8(64).u8(o.proto ?? 6).u16(0).bytes(o.src ?? [127, 0, 0, 1]).bytes(o.dst ?? [127, 0, 0, 1]).bytes(payload).build();
}

/** The payload as IPv4 fragments of at most `size` bytes (a multiple of 8). */
export function ipv4Fragments(payload: Uint8Array, size: number, o: Ipv4Options = {}): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let off = 0; off < payload.length; off += size) {
    out.push(ipv4(payload.subarray(off, off + size), { ...o, offset: off, more: off + size < payload.length }));
  }
  return out;
}

export const LOOPBACK6 = Uint8Array.from([...new Array(15).fill(0), 1]);

/** IPv6 header + extension headers (already encoded, `next` = the first one's type) + payload. */
export function ipv6(payload: Uint8Array, o: { next?: number; ext?: Uint8Array; src?: Uint8Array; dst?: Uint8Array } = {}): Uint8Array {
  const ext = o.ext ?? new Uint8Array(0);
  return new Out(false).u32(0x60000000).u16(ext.length + payload.length).u8(o.next ?? 6).u8(64)
    .bytes(o.src ?? LOOPBACK6).bytes(o.dst ?? LOOPBACK6).bytes(ext).bytes(payload).build();
}

/** A generic IPv6 extension header (hop-by-hop, destination options, routing): 8 bytes, padded. */
export function ipv6Ext(next: number, body = new Uint8Array(6)): Uint8Array {
  const len = Math.ceil((2 + body.length) / 8) * 8;
  const b = new Uint8Array(len);
  b[0] = next;
  b[1] = len / 8 - 1;
  b.set(body, 2);
  return b;
}

/** The payload as IPv6 packets with fragment headers (44), `size` a multiple of 8. */
export function ipv6Fragments(payload: Uint8Array, size: number, id: number, next = 6): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let off = 0; off < payload.length; off += size) {
    const more = off + size < payload.length ? 1 : 0;
    const fh = new Out(false).u8(next).u8(0).u16(off | more).u32(id).build();
    out.push(ipv6(payload.subarray(off, off + size), { next: 44, ext: fh }));
  }
  return out;
}

export const TCP = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10 } as const;

export interface TcpOptions { sport: number; dport: number; seq: number; ack?: number; flags: number; window?: number; payload?: Uint8Array }

/** A TCP header (20 bytes, or 32 with a timestamps option as Linux sends) + payload. */
export function tcp(o: TcpOptions, withOptions = false): Uint8Array {
  const w = new Out(false).u16(o.sport).u16(o.dport).u32(o.seq).u32(o.ack ?? 0).u8((withOptions ? 8 : 5) << 4).u8(o.flags)
    .u16(o.window ?? 65535).u16(0).u16(0);
  if (withOptions) w.bytes([1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2]);
  return w.bytes(o.payload ?? new Uint8Array(0)).build();
}
