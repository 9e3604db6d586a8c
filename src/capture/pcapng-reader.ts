/**
 * pcapng reader (draft-ietf-opsawg-pcapng): Section Header, Interface Description, Enhanced,
 * Simple and (obsolete) Packet Blocks; every other block is skipped by its length. Several
 * sections, each with its own byte order; several interfaces, each with its own link type,
 * snapshot length and time resolution (`if_tsresol`) and offset (`if_tsoffset`).
 *
 * No npm package reads pcapng (the registry has pcap-parser, classic pcap only, and `pcap`,
 * a libpcap binding that needs a native build), so this one is ours.
 *
 * Memory: nothing is held between chunks (the caller hands a block cut by a chunk's end
 * again with the next one); a block is refused above 16 MiB.
 */
import { MAX_RECORD_LENGTH, hex32, ticksToTime, type FrameReader, type FrameSink } from "./frame-reader.js";

/** Block types (pcapng §4). */
export const BlockType = {
  SectionHeader: 0x0a0d0d0a,
  InterfaceDescription: 0x00000001,
  Packet: 0x00000002,
  SimplePacket: 0x00000003,
  EnhancedPacket: 0x00000006,
} as const;

/** The byte-order magic of a Section Header Block, as written by the section's own byte order. */
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

const OPT_END = 0;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;
/** Largest block accepted: a maximal packet plus its headers and options. */
const MAX_BLOCK = MAX_RECORD_LENGTH + 4096;

interface Interface {
  linkType: number;
  snaplen: number;
  unitsPerSec: number | bigint;
  offsetSec: number;
}

/**
 * Feeds pcapng blocks to a {@link FrameSink}.
 *
 * @example
 * const r = new PcapngReader(sink);
 * r.push(chunk); r.end();
 */
export class PcapngReader implements FrameReader {
  readonly format = "pcapng";
  #stopped = false;
  readonly #sink: FrameSink;
  /** File offset of the first byte not used yet. */
  #offset = 0;
  /** Bytes after #offset in the last chunk (a block cut short if the file ends there), and that block's length when its header was in. */
  #tail = 0;
  #tailTotal: number | undefined;
  #le = true;
  #interfaces: Interface[] = [];
  #frames = 0;
  /** Bytes the next block needs. */
  #need = 12;

  constructor(sink: FrameSink) {
    this.#sink = sink;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  get need(): number {
    return this.#need;
  }

  push(chunk: Buffer): number {
    if (this.#stopped) return 0;
    let at = 0;
    this.#need = 12;
    for (;;) {
      const need = this.#blockLength(chunk, at);
      if (need === 0 || this.#stopped) break;
      if (chunk.length - at < need) {
        this.#need = need;
        break;
      }
      this.#block(chunk.subarray(at, at + need), this.#offset + at);
      at += need;
    }
    this.#offset += at;
    this.#tail = chunk.length - at;
    this.#tailTotal = this.#tail >= 8 ? this.#u32(chunk, at + 4) : undefined;
    return at;
  }

  end(): void {
    if (this.#stopped || this.#tail === 0) return;
    const total = this.#tailTotal;
    const msg = total === undefined
      ? `last block header at byte ${this.#offset} is cut short (${this.#tail} of 8 bytes)`
      : `last block at byte ${this.#offset} is cut short (${this.#tail} of ${total} bytes)`;
    this.#sink.warning("truncated-record", this.#offset, undefined, msg);
  }

  /** The length of the block at `at`, 0 when its header is not all there, after validating it. */
  #blockLength(buf: Buffer, at: number): number {
    if (buf.length - at < 12) return 0;
    const type = buf.readUInt32LE(at);
    if (type === BlockType.SectionHeader) {
      const bom = buf.readUInt32LE(at + 8);
      if (bom !== BYTE_ORDER_MAGIC && bom !== 0x4d3c2b1a) {
        this.#stop(this.#offset + at, `section header at byte ${this.#offset + at} has a bad byte-order magic ${hex32(bom)}: reading stopped`);
        return 0;
      }
      this.#le = bom === BYTE_ORDER_MAGIC;
    }
    const len = this.#u32(buf, at + 4);
    if (len < 12 || len % 4 !== 0 || len > MAX_BLOCK) {
      this.#stop(this.#offset + at, `block at byte ${this.#offset + at} has an impossible length ${len}: reading stopped`);
      return 0;
    }
    return len;
  }

  #block(b: Buffer, fileOffset: number): void {
    const len = b.length;
    if (this.#u32(b, len - 4) !== len) {
      this.#stop(fileOffset, `block at byte ${fileOffset}: trailing length ${this.#u32(b, len - 4)} differs from ${len}: reading stopped`);
      return;
    }
    switch (this.#u32(b, 0)) {
      case BlockType.SectionHeader: return this.#section(b, fileOffset);
      case BlockType.InterfaceDescription: return this.#interface(b, fileOffset);
      case BlockType.EnhancedPacket: return this.#packet(b, fileOffset, this.#u32(b, 8), 12, 20);
      case BlockType.Packet: return this.#packet(b, fileOffset, this.#u16(b, 8), 12, 20);
      case BlockType.SimplePacket: return this.#simplePacket(b, fileOffset);
      default: return; // NRB, ISB, DSB, custom and unknown blocks: skipped by length
    }
  }

  #section(b: Buffer, fileOffset: number): void {
    const major = this.#u16(b, 12);
    if (b.length < 28 || major !== 1) {
      this.#stop(fileOffset, `section header at byte ${fileOffset} has version ${major}.${b.length >= 16 ? this.#u16(b, 14) : "?"} (only 1.x is read): reading stopped`);
      return;
    }
    this.#interfaces = [];
  }

  #interface(b: Buffer, fileOffset: number): void {
    if (b.length < 20) return this.#badBlock(fileOffset, "interface description block shorter than 20 bytes");
    const iface: Interface = { linkType: this.#u16(b, 8), snaplen: this.#u32(b, 12), unitsPerSec: 1_000_000, offsetSec: 0 };
    this.#options(b, 16, b.length - 4, (code, o, l) => {
      if (code === OPT_IF_TSRESOL && l >= 1) iface.unitsPerSec = tsresol(b[o]);
      if (code === OPT_IF_TSOFFSET && l >= 8) iface.offsetSec = Number(this.#le ? b.readBigInt64LE(o) : b.readBigInt64BE(o));
    });
    this.#interfaces.push(iface);
    this.#sink.linkType(iface.linkType);
  }

  /** EPB and the obsolete PB share a layout after the interface field: ts high, ts low, caplen, origlen, data. */
  #packet(b: Buffer, fileOffset: number, ifaceId: number, tsAt: number, capAt: number): void {
    const iface = this.#interfaces[ifaceId];
    if (b.length < 32) return this.#badBlock(fileOffset, "packet block shorter than 32 bytes");
    const caplen = this.#u32(b, capAt);
    if (iface === undefined) return this.#badBlock(fileOffset, `packet block names interface ${ifaceId}, which is not described`);
    if (28 + caplen > b.length - 4) return this.#badBlock(fileOffset, `packet block claims ${caplen} captured bytes in a ${b.length}-byte block`);
    const { sec, nsec } = ticksToTime(this.#u32(b, tsAt), this.#u32(b, tsAt + 4), iface.unitsPerSec, iface.offsetSec);
    this.#sink.frame({
      number: ++this.#frames, sec, nsec, linkType: iface.linkType, data: b.subarray(28, 28 + caplen),
      wireLength: this.#u32(b, capAt + 4), fileOffset,
    });
  }

  /** SPB: no timestamp (0), interface 0, captured length from the block and the snaplen. */
  #simplePacket(b: Buffer, fileOffset: number): void {
    const iface = this.#interfaces[0];
    if (iface === undefined) return this.#badBlock(fileOffset, "simple packet block before any interface description");
    const wire = this.#u32(b, 8);
    let caplen = Math.min(wire, b.length - 16);
    if (iface.snaplen > 0) caplen = Math.min(caplen, iface.snaplen);
    this.#sink.frame({
      number: ++this.#frames, sec: 0, nsec: 0, linkType: iface.linkType, data: b.subarray(12, 12 + caplen),
      wireLength: wire, fileOffset,
    });
  }

  #options(b: Buffer, from: number, to: number, each: (code: number, at: number, len: number) => void): void {
    let o = from;
    while (o + 4 <= to) {
      const code = this.#u16(b, o);
      const len = this.#u16(b, o + 2);
      if (code === OPT_END || o + 4 + len > to) return;
      each(code, o + 4, len);
      o += 4 + len + ((4 - (len & 3)) & 3);
    }
  }

  #badBlock(fileOffset: number, what: string): void {
    this.#sink.warning("bad-record", fileOffset, undefined, `${what} at byte ${fileOffset}: block skipped`);
  }

  #stop(at: number, message: string): void {
    this.#stopped = true;
    this.#sink.warning("bad-record", at, undefined, message);
  }

  #u32(b: Buffer, o: number): number {
    return this.#le ? b.readUInt32LE(o) : b.readUInt32BE(o);
  }

  #u16(b: Buffer, o: number): number {
    return this.#le ? b.readUInt16LE(o) : b.readUInt16BE(o);
  }
}

/** if_tsresol: high bit clear, 10^-n seconds; set, 2^-n seconds (pcapng §4.2). */
function tsresol(v: number): number | bigint {
  const n = v & 0x7f;
  if (v & 0x80) return n <= 52 ? 2 ** n : 1n << BigInt(n);
  return n <= 9 ? 10 ** n : 10n ** BigInt(n);
}
