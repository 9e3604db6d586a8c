/**
 * Classic pcap (libpcap 2.4) through pcap-parser 0.2.1, plus what pcap-parser lacks.
 *
 * pcap-parser reads microsecond files of either byte order. Measured on 0.2.1 and handled here:
 * - Nanosecond files (magic 0xa1b23c4d) are "unknown magic": we hand it the same bytes with
 *   the microsecond magic of the same byte order and read its `timestampMicroseconds` as
 *   nanoseconds (the record layout is identical).
 * - A truncated or empty file just ends: no error, no word about the lost record. We check the
 *   file header ourselves and count the bytes it consumed, so a record cut short is reported.
 * - A record header claiming a huge captured length makes it buffer the rest of the file
 *   waiting for a body that never comes. We refuse such a record at its header and stop.
 * - Its version check reads `major != 2 && minor != 4`; we accept major version 2 only.
 * - It expects a Node stream but only uses `on`/`pause`/`resume`: we feed it chunks from our
 *   own read loop through a small emitter, which keeps backpressure and I/O errors ours.
 */
import { EventEmitter } from "node:events";
import { createRequire } from "node:module";
import { DEFAULT_SNAPLEN, MAX_RECORD_LENGTH, type FrameReader, type FrameSink } from "./frame-reader.js";

const GLOBAL_HEADER = 24;
const RECORD_HEADER = 16;

/** Magic numbers as read little-endian from the first four bytes. */
export const PCAP_MAGIC = {
  /** a1b2c3d4 written big-endian / little-endian, microseconds */
  usBE: 0xd4c3b2a1, usLE: 0xa1b2c3d4,
  /** a1b23c4d, nanoseconds */
  nsBE: 0x4d3cb2a1, nsLE: 0xa1b23c4d,
} as const;

/** The parsed global header. */
export interface PcapHeader {
  littleEndian: boolean;
  nanosecond: boolean;
  versionMajor: number;
  versionMinor: number;
  snaplen: number;
  linkType: number;
}

interface ParserPacketHeader {
  timestampSeconds: number;
  timestampMicroseconds: number;
  capturedLength: number;
  originalLength: number;
}
interface ParserPacket { header: ParserPacketHeader; data: Buffer }
type PcapParserModule = { parse(input: EventEmitter): EventEmitter };
/** The one field of pcap-parser's state we touch: the bytes it holds (null before the first chunk). */
type ParserState = EventEmitter & { buffer: Buffer | null | undefined };

const pcapParser = createRequire(import.meta.url)("pcap-parser") as PcapParserModule;

/**
 * True when the first four bytes (read little-endian) are a classic pcap magic.
 *
 * @example
 * isPcapMagic(new DataView(head.buffer).getUint32(0, true));
 */
export function isPcapMagic(magicLE: number): boolean {
  return magicLE === PCAP_MAGIC.usBE || magicLE === PCAP_MAGIC.usLE || magicLE === PCAP_MAGIC.nsBE || magicLE === PCAP_MAGIC.nsLE;
}

/**
 * Read the 24-byte global header (`bytes` holds at least 24 bytes and a pcap magic).
 *
 * @example
 * parsePcapHeader(fileStart).nanosecond; // true for 0xa1b23c4d files
 */
export function parsePcapHeader(bytes: Uint8Array): PcapHeader {
  const v = new DataView(bytes.buffer, bytes.byteOffset, GLOBAL_HEADER);
  const magic = v.getUint32(0, true);
  const littleEndian = magic === PCAP_MAGIC.usLE || magic === PCAP_MAGIC.nsLE;
  return {
    littleEndian,
    nanosecond: magic === PCAP_MAGIC.nsLE || magic === PCAP_MAGIC.nsBE,
    versionMajor: v.getUint16(4, littleEndian),
    versionMinor: v.getUint16(6, littleEndian),
    snaplen: v.getUint32(16, littleEndian),
    // LinkType: low 16 bits; the upper bits carry FCS information.
    linkType: v.getUint32(20, littleEndian) & 0xffff,
  };
}

/**
 * Feeds a classic pcap file to pcap-parser and turns its packets into frames.
 *
 * pcap-parser joins what it holds to each chunk it is given (a new zero-filled buffer and a
 * copy of both, per chunk: one more pass over every byte of the file). We hand it whole
 * records only, so after each chunk it holds nothing, and we let go of its empty leftover
 * (`buffer = null`, its state at the start) so that it takes the next chunk as it is.
 * Walking the record headers first also lets us refuse an impossible record before
 * pcap-parser sees it.
 *
 * @example
 * const r = new PcapReader(parsePcapHeader(head), sink);
 * const used = r.push(chunk); // whole records; hand chunk.subarray(used) again with more
 * r.end();
 */
export class PcapReader implements FrameReader {
  readonly format = "pcap";
  #stopped = false;
  readonly #feed = new ParserFeed();
  readonly #parser: ParserState;
  readonly #sink: FrameSink;
  readonly #header: PcapHeader;
  readonly #linkType: number;
  readonly #nanosecond: boolean;
  readonly #maxRecord: number;
  /** File offset of the next record pcap-parser will emit. */
  #offset = GLOBAL_HEADER;
  /** File offset of the first byte not used yet. */
  #used = 0;
  /** Bytes after #used in the last chunk (a record cut short if the file ends there). */
  #tail = 0;
  #need = RECORD_HEADER;
  #frames = 0;

  constructor(header: PcapHeader, sink: FrameSink) {
    this.#header = header;
    this.#linkType = header.linkType;
    this.#nanosecond = header.nanosecond;
    this.#sink = sink;
    this.#maxRecord = Math.max(DEFAULT_SNAPLEN, Math.min(header.snaplen, MAX_RECORD_LENGTH));
    sink.linkType(header.linkType);
    const parser = pcapParser.parse(this.#feed);
    parser.on("packet", (p: ParserPacket) => this.#onPacket(p));
    parser.on("error", (e: Error) => this.#stop(this.#offset, `pcap-parser: ${e.message}`));
    this.#parser = parser as ParserState;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  get need(): number {
    return this.#need;
  }

  push(chunk: Buffer): number {
    if (this.#stopped) return 0;
    const first = this.#used === 0;
    let o = first ? GLOBAL_HEADER : 0;
    if (chunk.length < o) return 0;
    const le = this.#header.littleEndian;
    this.#need = RECORD_HEADER;
    let bad = -1;
    while (chunk.length - o >= RECORD_HEADER) {
      const cap = le ? chunk.readUInt32LE(o + 8) : chunk.readUInt32BE(o + 8);
      if (cap > this.#maxRecord) {
        bad = cap;
        break;
      }
      if (chunk.length - o - RECORD_HEADER < cap) {
        this.#need = RECORD_HEADER + cap;
        break;
      }
      o += RECORD_HEADER + cap;
    }
    if (o > 0) this.#toParser(first ? this.#withMicrosecondMagic(chunk.subarray(0, o)) : chunk.subarray(0, o));
    const at = this.#used + o;
    if (bad >= 0 && !this.#stopped) {
      this.#stop(at, `record at byte ${at} claims ${bad} captured bytes (at most ${this.#maxRecord} allowed): the rest of the file cannot be framed, reading stopped`);
    }
    this.#used = at;
    this.#tail = chunk.length - o;
    return o;
  }

  end(): void {
    // pcap-parser queued a process.nextTick(resume) on the feed: let it hold nothing but the feed.
    this.#feed.removeAllListeners();
    if (this.#stopped || this.#tail === 0) return;
    const at = this.#used;
    const msg = this.#tail < RECORD_HEADER
      ? `last record header at byte ${at} is cut short (${this.#tail} of ${RECORD_HEADER} bytes)`
      : `last record at byte ${at} is cut short (${this.#tail - RECORD_HEADER} of ${this.#need - RECORD_HEADER} captured bytes)`;
    this.#sink.warning("truncated-record", at, undefined, msg);
  }

  /** Whole records to pcap-parser, which holds nothing between them (see the class comment). */
  #toParser(records: Buffer): void {
    const p = this.#parser;
    if (p.buffer !== null && p.buffer !== undefined && p.buffer.length === 0) p.buffer = null;
    this.#feed.emit("data", records);
  }

  #withMicrosecondMagic(chunk: Buffer): Buffer {
    return this.#nanosecond ? withMicrosecondMagic(chunk, this.#header.littleEndian) : chunk;
  }

  #onPacket(p: ParserPacket): void {
    if (this.#stopped) return;
    const h = p.header;
    const fileOffset = this.#offset;
    this.#offset += RECORD_HEADER + h.capturedLength;
    const frac = h.timestampMicroseconds;
    const d = p.data;
    this.#sink.frame({
      number: ++this.#frames, sec: h.timestampSeconds, nsec: this.#nanosecond ? frac : frac * 1000,
      linkType: this.#linkType, data: new Uint8Array(d.buffer, d.byteOffset, d.length), wireLength: h.originalLength, fileOffset,
    });
  }

  #stop(at: number, message: string): void {
    this.#stopped = true;
    this.#feed.removeAllListeners();
    this.#sink.warning("bad-record", at, undefined, message);
  }
}

/** The emitter pcap-parser reads from: it calls pause/resume and listens to data/end/error. */
class ParserFeed extends EventEmitter {
  pause(): void {}
  resume(): void {}
}

function withMicrosecondMagic(chunk: Buffer, littleEndian: boolean): Buffer {
  const out = Buffer.from(chunk);
  out.writeUInt32LE(littleEndian ? PCAP_MAGIC.usLE : PCAP_MAGIC.usBE, 0);
  return out;
}
